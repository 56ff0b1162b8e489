import pytest
from django.urls import reverse
from wagtail.models import Page, Site, get_page_models
from wagtail.test.utils import WagtailPageTestCase
from wagtail.test.utils.form_data import inline_formset, nested_form_data, rich_text, streamfield

from blog.models import BlogIndexPage, BlogPage
from home.models import HomePage, StandardPage
from services.models import BookingPage, ContactPage, ServiceIndexPage, ServicePage

from .demo import DEMO_URLS
from .factories import make_guide, make_service, paragraph
from .page_reading import element, headings, links

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", DEMO_URLS)
def test_every_demo_page_renders(client, demo_site, url):
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert [level for level, _ in headings(html)].count(1) == 1
    assert element(html, "link[rel=canonical]")["href"]


class PageTreeRulesTests(WagtailPageTestCase):
    def test_home_sits_at_the_root_and_holds_the_top_level_pages(self):
        self.assertAllowedParentPageTypes(HomePage, {Page})
        self.assertAllowedSubpageTypes(
            HomePage, {ServiceIndexPage, BookingPage, BlogIndexPage, ContactPage, StandardPage}
        )

    def test_services_live_only_under_the_service_index(self):
        self.assertAllowedParentPageTypes(ServiceIndexPage, {HomePage})
        self.assertAllowedSubpageTypes(ServiceIndexPage, {ServicePage})
        self.assertAllowedParentPageTypes(ServicePage, {ServiceIndexPage})
        self.assertAllowedSubpageTypes(ServicePage, set())

    def test_articles_live_only_under_the_blog_index(self):
        self.assertAllowedParentPageTypes(BlogIndexPage, {HomePage})
        self.assertAllowedSubpageTypes(BlogIndexPage, {BlogPage})
        self.assertAllowedParentPageTypes(BlogPage, {BlogIndexPage})
        self.assertAllowedSubpageTypes(BlogPage, set())

    def test_leaf_pages_take_no_children(self):
        for model in (BookingPage, ContactPage, StandardPage):
            self.assertAllowedParentPageTypes(model, {HomePage})
            self.assertAllowedSubpageTypes(model, set())


class EditorCannotAddASecondSingletonTests(WagtailPageTestCase):
    """With the site's one home, service index, blog index, booking and contact page in
    place, the admin neither offers another nor creates one when asked directly."""

    SINGLETONS = [HomePage, ServiceIndexPage, BlogIndexPage, BookingPage, ContactPage]

    def setUp(self):
        self.login()
        self.home = HomePage.objects.get()

    def offered(self, parent) -> set[tuple[str, str]]:
        """The page types the admin's "Add child page" list offers under ``parent``."""
        response = self.client.get(reverse("wagtailadmin_pages:add_subpage", args=[parent.pk]))
        if response.status_code == 302:
            if response["Location"] == reverse("wagtailadmin_home"):
                return set()  # nothing to add here: back to the dashboard
            # One type only: straight to its form, /admin/pages/add/<app>/<model>/<parent>/.
            return {tuple(response["Location"].strip("/").split("/")[-3:-1])}
        self.assertEqual(response.status_code, 200)
        return {(app, model) for _name, app, model, _help in response.context["page_types"]}

    def assert_refused(self, response, model):
        """Wagtail refuses with 403, or, where the user may add nothing at all, by sending
        them back to the dashboard."""
        if response.status_code != 403:
            self.assertRedirects(response, reverse("wagtailadmin_home"), msg_prefix=str(model))

    def test_the_add_child_page_list_offers_no_second_singleton(self):
        under_home = self.offered(self.home)
        self.assertIn(("home", "standardpage"), under_home)  # the list is not empty
        under_root = self.offered(self.home.get_parent())
        for model in self.SINGLETONS:
            name = (model._meta.app_label, model._meta.model_name)
            self.assertNotIn(name, under_home | under_root)

    def test_asking_for_a_second_singleton_directly_is_refused(self):
        for model in self.SINGLETONS:
            parent = self.home.get_parent() if model is HomePage else self.home
            before = model.objects.count()
            add = reverse(
                "wagtailadmin_pages:add",
                args=[model._meta.app_label, model._meta.model_name, parent.pk],
            )
            self.assert_refused(self.client.get(add), model)
            data = nested_form_data({"title": "Another", "slug": "another"})
            self.assert_refused(self.client.post(add, data), model)
            self.assertEqual(model.objects.count(), before, model)


class EditorCreatesPagesTests(WagtailPageTestCase):
    @classmethod
    def setUpTestData(cls):
        cls.home = HomePage.objects.get()
        cls.service_index = ServiceIndexPage.objects.get()
        cls.blog_index = BlogIndexPage.objects.get()

    def setUp(self):
        self.login()

    def test_editor_can_create_a_service_page(self):
        self.assertCanCreate(
            self.service_index,
            ServicePage,
            nested_form_data(
                {
                    "title": "Pregnancy Massage",
                    "slug": "pregnancy-massage",
                    "summary": "Gentle side-lying massage for the second and third trimester.",
                    "body": streamfield([("heading", {"text": "What to expect", "level": "h2"})]),
                    "benefits": streamfield([("benefit", "Eases back ache")]),
                    "who_it_helps": rich_text("<p>Expectant mothers.</p>"),
                    "contraindications": rich_text("<p>High-risk pregnancy.</p>"),
                    "session_options": inline_formset([{"duration_minutes": 60, "price": "60.00"}]),
                    "booking_mode": "request",
                }
            ),
        )

    def test_editor_can_create_an_article(self):
        self.assertCanCreate(
            self.blog_index,
            BlogPage,
            nested_form_data(
                {
                    "title": "Massage for a stiff neck",
                    "slug": "stiff-neck",
                    "date": "2026-11-20",
                    "intro": "Why necks stiffen, and what helps.",
                    "body": streamfield(
                        [
                            ("heading", {"text": "Why necks stiffen", "level": "h2"}),
                            (
                                "faq",
                                {
                                    "heading": "Questions",
                                    "items": streamfield(
                                        [
                                            (
                                                "item",
                                                {
                                                    "question": "Is it safe?",
                                                    "answer": rich_text("<p>Yes.</p>"),
                                                },
                                            )
                                        ]
                                    ),
                                },
                            ),
                        ]
                    ),
                    "tags": "neck",
                }
            ),
        )

    def test_editor_can_create_a_standard_page(self):
        self.assertCanCreate(
            self.home,
            StandardPage,
            nested_form_data(
                {
                    "title": "About",
                    "slug": "about",
                    "intro": "About the practice.",
                    "body": streamfield([("paragraph", rich_text("<p>Hello.</p>"))]),
                }
            ),
        )


class EditorCreatesSingletonPagesTests(WagtailPageTestCase):
    """Each one-of-a-kind page can be made again in the admin once the old one is gone."""

    @classmethod
    def setUpTestData(cls):
        cls.home = HomePage.objects.get()

    def setUp(self):
        self.login()

    def recreate(self, model, data):
        model.objects.get().delete()
        self.assertCanCreate(self.home, model, nested_form_data({"slug": "new", **data}))

    def test_editor_can_create_the_service_index(self):
        self.recreate(ServiceIndexPage, {"title": "Treatments", "intro": rich_text("<p>All.</p>")})

    def test_editor_can_create_the_blog_index(self):
        self.recreate(BlogIndexPage, {"title": "Guides", "intro": rich_text("<p>Read.</p>")})

    def test_editor_can_create_the_booking_page(self):
        self.recreate(
            BookingPage,
            {
                "title": "Book",
                "intro": rich_text("<p>Ask for a time.</p>"),
                "thank_you_text": rich_text("<p>Thank you.</p>"),
                "cancellation_policy": rich_text("<p>24 hours' notice, please.</p>"),
            },
        )

    def test_editor_can_create_the_contact_page(self):
        self.recreate(
            ContactPage,
            {
                "title": "Contact",
                "intro": rich_text("<p>Write to us.</p>"),
                "form_fields": inline_formset(
                    [{"label": "Your message", "field_type": "multiline", "required": "on"}]
                ),
                "thank_you_text": rich_text("<p>Thanks.</p>"),
                "to_address": "hello@calmhands.example",
                "from_address": "website@calmhands.example",
                "subject": "A message from the website",
            },
        )

    def test_editor_can_create_the_home_page(self):
        root = self.home.get_parent()
        # Wagtail keeps the sites' root paths in the shared cache, which the test's rollback
        # does not reach: forget the site-less paths this test leaves there.
        self.addCleanup(Site.clear_site_root_paths_cache)
        Site.objects.all().delete()
        self.home.delete()
        self.assertCanCreate(
            root,
            HomePage,
            nested_form_data(
                {
                    "title": "Home",
                    "slug": "home",
                    "hero_heading": "Massage that helps you move again",
                    "intro": rich_text("<p>Welcome.</p>"),
                    "featured_services": inline_formset([]),
                    "booking_cta_heading": "Ready to feel better?",
                }
            ),
        )


def test_rich_text_links_to_pages_point_to_their_urls(client, demo_site):
    service = make_service(title="Hot Stone Massage")
    guide = make_guide(
        body=[
            paragraph(
                f'<p>See <a linktype="page" id="{service.pk}">hot stones</a>, '
                f'the <a linktype="page" id="{service.get_parent().pk}">price list</a> '
                '<a linktype="page" id="999999">and a deleted page</a>.</p>'
            )
        ]
    )

    html = client.get(guide.url).content.decode()
    assert ("hot stones", "/services/hot-stone-massage/") in links(html)
    assert ("price list", service.get_parent().url) in links(html)
    # A link to a page that is gone keeps its words and links nowhere.
    assert ("and a deleted page", None) in links(html)


def test_no_page_type_changes_how_its_url_is_made():
    # Rich-text links take a page's URL from the page tree alone (home/rich_text.py).
    for model in get_page_models():
        for method in ("get_url_parts", "get_url", "get_full_url", "relative_url", "url"):
            assert getattr(model, method) is getattr(Page, method), (model, method)
