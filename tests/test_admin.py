import pytest
from wagtail.models import Site

from home.models import PracticeSettings

pytestmark = pytest.mark.django_db


@pytest.fixture
def editor_client(client, django_user_model):
    user = django_user_model.objects.create_superuser("therapist", "t@example.com", "pw")
    client.force_login(user)
    return client


def test_therapist_edits_the_practice_details_and_the_footer_follows(editor_client, demo_site):
    site = Site.objects.get(is_default_site=True)
    url = f"/admin/settings/home/practicesettings/{site.pk}/"
    assert editor_client.get(url).status_code == 200

    practice = PracticeSettings.for_site(site)
    practice.phone = "+44 1632 960 999"
    practice.save()
    html = editor_client.get("/privacy/").content.decode()
    assert 'href="tel:+441632960999"' in html


def test_therapist_can_open_every_editor_screen_she_needs(editor_client, demo_site):
    for url in (
        "/admin/",
        "/admin/pages/",
        "/admin/snippets/blog/author/",
        "/admin/images/",
        f"/admin/pages/{demo_site.pk}/edit/",
        "/admin/settings/wagtailseo/seosettings/",
    ):
        response = editor_client.get(url, follow=True)
        assert response.status_code == 200, url
