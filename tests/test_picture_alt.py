"""Every picture has one rule: its alt text is its image's description, or it is decorative.

An image cannot be uploaded without a description; a page cannot show an undescribed
picture unless it marks it decorative; and the image's title (often a file name such as
"IMG_2041") is never read out in its place.
"""

from io import BytesIO

import pytest
from bs4 import BeautifulSoup
from django.core.exceptions import ValidationError
from django.core.files.images import ImageFile
from django.core.files.uploadedfile import SimpleUploadedFile
from wagtail.images.models import Image
from wagtail.models import Page, Site
from wagtail.test.utils.form_data import inline_formset, nested_form_data, streamfield
from wagtailseo.models import SeoSettings

from home.models import UNDESCRIBED_PICTURE, HomePage, StandardPage
from practice.demo.images import draw_image

from .factories import make_guide, make_image, make_service, make_superuser
from .page_reading import headings, links

pytestmark = pytest.mark.django_db

NO_DESCRIPTION = "Describe the picture for people who cannot see it: this is its alt text."
# Each page type with a large picture at its top, its picture described: the one home page
# (with the demo's picture), and a new treatment and a new guide with pictures of their own.
PAGES_WITH_A_HERO = {
    "home": lambda: HomePage.objects.get(),
    "treatment": lambda: make_service(hero_image=make_image()),
    "guide": lambda: make_guide(hero_image=make_image()),
}


def jpeg(name="IMG_2041.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, draw_image(7, "sage"), content_type="image/jpeg")


def undescribed_image(title="IMG_2041") -> Image:
    """An image stored before descriptions were required, named after its file."""
    image = Image(title=title, file=ImageFile(BytesIO(draw_image(8, "mist")), name="img.jpg"))
    image.save()
    return image


@pytest.fixture
def admin_client(client, demo_site):
    client.force_login(make_superuser())
    return client


# -- the image forms ---------------------------------------------------------------------


def test_the_upload_form_says_the_description_is_the_alt_text(admin_client):
    html = admin_client.get("/admin/images/add/").content.decode()
    assert "Description (alt text)" in html
    assert "Read aloud to people who cannot see the picture" in html


def test_the_upload_form_refuses_an_image_without_a_description(admin_client):
    before = Image.objects.count()
    response = admin_client.post(
        "/admin/images/add/", {"title": "IMG_2041", "file": jpeg(), "description": "  "}
    )
    assert response.status_code == 200
    assert NO_DESCRIPTION in response.content.decode()
    assert Image.objects.count() == before

    response = admin_client.post(
        "/admin/images/add/",
        {"title": "IMG_2041", "file": jpeg(), "description": "Hands easing a lower back"},
    )
    assert response.status_code == 302
    assert Image.objects.get(title="IMG_2041").description == "Hands easing a lower back"


def test_uploading_several_images_asks_for_each_description_before_storing_it(admin_client):
    before = Image.objects.count()
    uploaded = admin_client.post("/admin/images/multiple/add/", {"files[]": jpeg()}).json()
    # Held aside as an upload, not an image, until it is described.
    assert Image.objects.count() == before
    assert "Description (alt text)" in uploaded["form"]
    create_url = (
        f"/admin/images/multiple/create_from_uploaded_image/{uploaded['uploaded_file_id']}/"
    )
    prefix = f"uploaded-image-{uploaded['uploaded_file_id']}"

    refused = admin_client.post(create_url, {f"{prefix}-title": "IMG_2041"}).json()
    assert not refused["success"]
    assert NO_DESCRIPTION in refused["form"]
    assert Image.objects.count() == before

    stored = admin_client.post(
        create_url,
        {f"{prefix}-title": "IMG_2041", f"{prefix}-description": "Hands easing a lower back"},
    ).json()
    assert stored["success"]
    assert Image.objects.get(pk=stored["image_id"]).description == "Hands easing a lower back"


# -- pages refuse an undescribed picture ------------------------------------------------------


@pytest.mark.parametrize("kind", PAGES_WITH_A_HERO)
def test_a_page_with_an_undescribed_hero_is_refused_unless_marked_decorative(demo_site, kind):
    page = PAGES_WITH_A_HERO[kind]()
    model = type(page)
    page.hero_image = undescribed_image()

    with pytest.raises(ValidationError) as refused:
        page.save_revision().publish()
    assert refused.value.message_dict == {"hero_image": [UNDESCRIBED_PICTURE]}
    assert model.objects.get(pk=page.pk).hero_image.description  # nothing stored

    page.hero_image_decorative = True
    page.save_revision().publish()
    assert model.objects.get(pk=page.pk).hero_image.title == "IMG_2041"


def test_the_editor_shows_the_refusal_on_the_link_preview_picture(admin_client):
    privacy = StandardPage.objects.get()
    image = undescribed_image()
    form = nested_form_data(
        {
            "title": privacy.title,
            "slug": privacy.slug,
            "intro": privacy.intro,
            "body": streamfield([]),
            "og_image": image.pk,
            "comments": inline_formset([]),
        }
    )

    response = admin_client.post(f"/admin/pages/{privacy.pk}/edit/", form)

    assert response.status_code == 200
    assert response.context["form"].errors["og_image"] == [UNDESCRIBED_PICTURE]
    assert Page.objects.get(pk=privacy.pk).specific.og_image is None
    assert len(StandardPage.objects.get().body) > 0


# -- what the visitor's screen reader hears ------------------------------------------------


def alt_texts(client, url) -> dict[str, str | None]:
    soup = BeautifulSoup(client.get(url).content, "html.parser")
    hero = soup.select_one("img.hero-image, img.hero__image")
    og_alt = soup.find("meta", property="og:image:alt")
    twitter_alt = soup.find("meta", attrs={"name": "twitter:image:alt"})
    return {
        "hero": hero["alt"],
        "og": og_alt and og_alt["content"],
        "twitter": twitter_alt and twitter_alt["content"],
    }


@pytest.mark.parametrize("kind", PAGES_WITH_A_HERO)
def test_the_hero_reads_its_description_or_nothing_never_its_title(client, demo_site, kind):
    page = PAGES_WITH_A_HERO[kind]()
    url = page.url
    page.hero_image.title = "IMG_2041"
    page.hero_image.description = "Hands easing the muscles of a lower back"
    page.hero_image.save()

    described = "Hands easing the muscles of a lower back"
    assert alt_texts(client, url) == {"hero": described, "og": described, "twitter": described}

    page.hero_image_decorative = True
    page.save_revision().publish()

    assert alt_texts(client, url) == {"hero": "", "og": None, "twitter": None}
    assert "IMG_2041" not in client.get(url).content.decode()


def test_a_link_preview_picture_of_its_own_follows_its_own_decorative_flag(client, demo_site):
    guide = make_guide(hero_image=make_image(description="Hands on a lower back"))
    guide.og_image = make_image(description="A quiet treatment room")
    guide.save_revision().publish()
    assert alt_texts(client, guide.url)["og"] == "A quiet treatment room"

    guide.og_image_decorative = True
    guide.save_revision().publish()
    texts = alt_texts(client, guide.url)
    assert texts["og"] is None
    assert texts["hero"] == "Hands on a lower back"  # the hero keeps its own rule


def test_an_undescribed_default_preview_picture_gives_no_alt_not_its_title(client, demo_site):
    default = SeoSettings.for_site(Site.objects.get(is_default_site=True)).og_image_default
    default.description = ""
    default.title = "IMG_2041"
    default.save()

    head = BeautifulSoup(client.get("/contact/").content, "html.parser").head
    assert head.find("meta", property="og:image")["content"]
    assert head.find("meta", property="og:image:alt") is None
    assert "IMG_2041" not in str(head)


def test_cards_pictures_are_decorative_beside_their_linked_title(client, demo_site):
    soup = BeautifulSoup(client.get("/services/").content, "html.parser")
    cards = soup.find_all("article")
    assert cards
    for card in cards:
        assert card.select_one("img")["alt"] == ""
        ((title, _),) = [(name, href) for name, href in links(card) if name]
        assert title and title == headings(card)[0][1]
