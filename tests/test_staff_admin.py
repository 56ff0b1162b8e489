"""The admin menu has no dead ends: every item opens its page, for staff and for superusers."""

import json
import re

import pytest

from services.models import ContactPage

from .factories import make_contact_message, make_staff_user
from .page_reading import hrefs, landmark, visible_text

pytestmark = pytest.mark.django_db

SIDEBAR_PROPS = re.compile(
    r'<script id="wagtail-sidebar-props" type="application/json">(.*?)</script>', re.S
)


def menu_links(client) -> dict[str, str]:
    """The dashboard's sidebar, submenus included, as {label: url} for the admin's own pages."""
    html = client.get("/admin/").content.decode()
    links = {}

    def walk(node):
        if isinstance(node, dict):
            if isinstance(node.get("url"), str) and isinstance(node.get("label"), str):
                links[node["label"]] = node["url"]
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(json.loads(SIDEBAR_PROPS.search(html).group(1)))
    return {label: url for label, url in links.items() if url.startswith("/admin/")}


@pytest.fixture
def contact_message(demo_site):
    return make_contact_message(email="tom@example.com")


def test_practice_staff_reach_requests_messages_and_spam_from_the_menu(
    staff_client, contact_message
):
    links = menu_links(staff_client)
    contact = ContactPage.objects.get()
    assert links["Booking requests"] == "/admin/booking_requests/"
    assert links["Contact messages"] == f"/admin/forms/submissions/{contact.pk}/"
    assert links["Quarantined spam"] == "/admin/quarantined_submissions/"
    assert "Forms" not in links  # Wagtail's forms list needs page permissions staff lack
    messages = staff_client.get(links["Contact messages"])
    assert messages.status_code == 200
    assert "tom@example.com" in messages.content.decode()


def test_no_menu_item_of_practice_staff_redirects(staff_client):
    links = menu_links(staff_client)
    assert len(links) >= 4  # three places of work and the account
    for label, url in links.items():
        assert staff_client.get(url).status_code == 200, label


def test_no_menu_item_sends_a_superuser_away(client, admin_user, demo_site):
    client.force_login(admin_user)
    links = menu_links(client)
    assert "Contact messages" in links and "Forms" not in links
    for label, url in links.items():
        response = client.get(url, follow=True)
        assert response.status_code == 200, label
        # Site settings open the one site's form: a step further in, never back out.
        for target, _status in response.redirect_chain:
            assert target.startswith(url), (label, target)


def test_editors_without_the_group_see_no_messages_and_no_dead_end(client, demo_site):
    client.force_login(make_staff_user("robin", "Editors"))
    links = menu_links(client)
    assert not {"Booking requests", "Contact messages", "Quarantined spam"} & set(links)
    for label, url in links.items():
        response = client.get(url, follow=True)
        assert response.status_code == 200, label
        for target, _status in response.redirect_chain:
            assert target.startswith(url), (label, target)


def test_the_contact_messages_trail_leads_practice_staff_nowhere_they_cannot_go(
    staff_client, contact_message
):
    page = staff_client.get(menu_links(staff_client)["Contact messages"])
    html = page.content.decode()
    assert "Contact messages" in visible_text(html)
    trail = landmark(html, "navigation", "Breadcrumb")
    links = [href for href in hrefs(trail) if href.startswith("/")]
    assert links and "/admin/forms/" not in links  # Wagtail's list bounces them
    for url in links:
        assert staff_client.get(url).status_code == 200, url
