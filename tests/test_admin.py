"""The therapist's editing screens, driven as she drives them: the admin's own forms."""

import pytest
from django.forms import CheckboxInput
from wagtail.blocks import StreamBlock, StructBlock
from wagtail.blocks.base import BlockField
from wagtail.models import Site

from home.models import PracticeSettings

from .page_reading import hrefs

pytestmark = pytest.mark.django_db


def block_data(block, value, prefix: str) -> dict:
    """A StreamField's value as the admin's editor posts it: each child's type, order and
    id beside its value, and each field block written by its own widget."""
    if isinstance(block, StreamBlock):
        data = {f"{prefix}-count": str(len(value))}
        for index, child in enumerate(value):
            item = f"{prefix}-{index}"
            data[f"{item}-type"] = child.block_type
            data[f"{item}-id"] = child.id or ""
            data[f"{item}-order"] = str(index)
            data[f"{item}-deleted"] = ""
            data |= block_data(child.block, child.value, f"{item}-value")
        return data
    if isinstance(block, StructBlock):
        data = {}
        for name, child in block.child_blocks.items():
            data |= block_data(child, value.get(name), f"{prefix}-{name}")
        return data
    shown = block.field.widget.format_value(block.value_for_form(value))
    return {prefix: "" if shown is None else shown}


def form_data(form) -> dict:
    """Everything the edit form posts when saved unchanged, read from the form as shown."""
    data = {}
    for field in form:
        value = field.value()
        if isinstance(field.field, BlockField):
            data |= block_data(field.field.block, value, field.html_name)
        elif isinstance(field.field.widget, CheckboxInput):
            if value:
                data[field.html_name] = "on"
        else:
            shown = field.field.widget.format_value(value)
            data[field.html_name] = "" if shown is None else shown
    assert not getattr(form, "formsets", None), "inline panels would need their forms too"
    return data


def test_therapist_edits_the_practice_details_in_the_admin_and_the_footer_follows(
    admin_client, demo_site
):
    site = Site.objects.get(is_default_site=True)
    url = f"/admin/settings/home/practicesettings/{site.pk}/"
    before = PracticeSettings.for_site(site)
    form = admin_client.get(url).context["form"]
    data = form_data(form)
    data["phone"] = "+44 1632 960 999"

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.context["form"].errors
    after = PracticeSettings.for_site(site)
    assert after.phone == "+44 1632 960 999"
    # Saving the form changed the phone and nothing else.
    assert after.opening_hours.get_prep_value() == before.opening_hours.get_prep_value()
    assert after.social_links.get_prep_value() == before.social_links.get_prep_value()
    assert (after.name, after.postcode, after.latitude, after.privacy_page_id) == (
        before.name,
        before.postcode,
        before.latitude,
        before.privacy_page_id,
    )
    html = admin_client.get("/privacy/").content.decode()
    assert "tel:+441632960999" in hrefs(html)


def test_therapist_can_open_every_editor_screen_she_needs(admin_client, demo_site):
    for url in (
        "/admin/",
        "/admin/pages/",
        "/admin/snippets/blog/author/",
        "/admin/images/",
        f"/admin/pages/{demo_site.pk}/edit/",
        "/admin/settings/wagtailseo/seosettings/",
    ):
        response = admin_client.get(url, follow=True)
        assert response.status_code == 200, url
