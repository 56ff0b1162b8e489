import xml.etree.ElementTree as ET

import pytest
from bs4 import BeautifulSoup
from wagtail.models import Page

from bench.generate_articles import generate_articles
from blog.models import BlogPage
from home.models import StandardPage
from search.query import RANKED_MATCHES, PagesInOrder
from search.sitemaps import SECTION_SIZE

from .demo import DEMO_URLS
from .factories import make_guide, make_service, make_standard_page
from .page_reading import cards, landmark, result_links, results_list, visible_text
from .quality.sitemap_reader import sitemap_locations

pytestmark = pytest.mark.django_db


def head_of(client, url):
    return BeautifulSoup(client.get(url).content, "html.parser").head


def sitemap_urls(client):
    def read(url):
        response = client.get(url.removeprefix("http://testserver"))
        assert response.status_code == 200, url
        return response.content

    return set(sitemap_locations(read, "http://testserver/sitemap.xml"))


@pytest.mark.parametrize("url", DEMO_URLS)
def test_every_page_has_title_description_canonical_and_social_previews(client, demo_site, url):
    head = head_of(client, url)
    assert head.title.string.strip()
    description = head.find("meta", attrs={"name": "description"})["content"]
    assert 50 <= len(description) <= 160, description
    assert head.find("link", rel="canonical")["href"] == f"http://testserver{url}"
    for prop in ("og:title", "og:description", "og:url", "og:type", "og:image"):
        assert head.find("meta", property=prop)["content"], prop
    for name in ("twitter:card", "twitter:title", "twitter:image"):
        assert head.find("meta", attrs={"name": name})["content"], name
    assert head.find("meta", attrs={"name": "robots"}) is None


@pytest.mark.parametrize("url", DEMO_URLS)
def test_link_previews_use_a_1200_by_630_rendition_not_the_upload(client, demo_site, url):
    head = head_of(client, url)
    image_url = head.find("meta", property="og:image")["content"]
    assert "/media/images/" in image_url and "fill-1200x630" in image_url
    assert head.find("meta", property="og:image:width")["content"] == "1200"
    assert head.find("meta", property="og:image:height")["content"] == "630"


@pytest.mark.parametrize("url", DEMO_URLS)
def test_every_page_links_the_article_feed_from_its_head(client, demo_site, url):
    feed = head_of(client, url).find("link", rel="alternate", type="application/rss+xml")
    assert feed["href"] == "/blog/feed/"


def test_sitemap_lists_every_live_indexable_page(client, demo_site):
    expected = {f"http://testserver{url}" for url in DEMO_URLS}
    assert sitemap_urls(client) == expected


def test_noindex_page_carries_a_robots_tag_and_leaves_the_sitemap(client, demo_site):
    privacy = StandardPage.objects.get(slug="privacy")
    privacy.noindex = True
    privacy.save_revision().publish()

    robots = head_of(client, "/privacy/").find("meta", attrs={"name": "robots"})
    assert robots["content"] == "noindex"
    assert "http://testserver/privacy/" not in sitemap_urls(client)
    assert "http://testserver/services/" in sitemap_urls(client)


def test_unpublished_page_leaves_the_sitemap(client, demo_site):
    Page.objects.get(url_path="/home/privacy/").unpublish()
    assert "http://testserver/privacy/" not in sitemap_urls(client)


def test_robots_txt_points_to_the_sitemap_and_keeps_crawlers_out_of_admin(client, demo_site):
    body = client.get("/robots.txt").content.decode()
    assert "Sitemap: http://testserver/sitemap.xml" in body
    assert "Disallow: /admin/" in body


def test_feed_lists_the_articles_newest_first(client, demo_site):
    article = BlogPage.objects.get()
    newer = make_guide(title="Stretches for a stiff back", date="2026-11-20")

    response = client.get("/blog/feed/")
    assert response["Content-Type"].startswith("application/rss+xml")
    root = ET.fromstring(response.content)
    titles = [item.findtext("title") for item in root.iter("item")]
    assert titles == [newer.title, article.title]
    assert (
        root.find("channel/item/link").text == "http://testserver/blog/stretches-for-a-stiff-back/"
    )


def test_search_finds_services_and_articles_and_is_kept_out_of_search_engines(client, demo_site):
    guide = make_guide(intro="What to do about quellmoor pain.")
    service = make_service(summary="Eases quellmoor pain.")
    page = make_standard_page(intro="Nothing here is about quellmoor.")
    response = client.get("/search/", {"q": "quellmoor"})
    assert response.status_code == 200
    assert response["X-Robots-Tag"] == "noindex"
    soup = BeautifulSoup(response.content, "html.parser")
    assert soup.find("meta", attrs={"name": "robots"})["content"] == "noindex"
    links = set(result_links(soup))
    assert links == {guide.url, service.url}
    assert page.url not in links


def test_search_results_are_paginated(client, demo_site):
    for number in range(12):
        make_guide(title=f"Supraspinatus guide {number}", intro="About shoulders.")

    first = BeautifulSoup(client.get("/search/", {"q": "supraspinatus"}).content, "html.parser")
    second = BeautifulSoup(
        client.get("/search/", {"q": "supraspinatus", "page": 2}).content, "html.parser"
    )
    assert len(results_list(first).find_all("li")) == 10
    assert len(results_list(second).find_all("li")) == 2
    assert first.find("a", rel="next")["href"] == "?q=supraspinatus&page=2"


def test_blog_index_is_paginated_and_filterable_by_tag(client, demo_site):
    for number in range(10):
        make_guide(title=f"Neck guide {number}", intro="About necks.", tags=["neck"])
    make_guide(title="Shoulders at the desk", tags=["shoulder"])
    live = BlogPage.objects.live().count()

    page_one = BeautifulSoup(client.get("/blog/").content, "html.parser")
    page_two = BeautifulSoup(client.get("/blog/", {"page": 2}).content, "html.parser")
    assert len(cards(page_one)) == 10
    assert len(cards(page_two)) == live - 10 > 0
    tagged = BeautifulSoup(client.get("/blog/", {"tag": "shoulder"}).content, "html.parser")
    assert cards(tagged) == ["Shoulders at the desk"]


def test_the_sitemap_is_split_into_sections_that_do_not_grow(client, demo_site):
    generate_articles(SECTION_SIZE + 5)

    index = ET.fromstring(client.get("/sitemap.xml").content)
    sections = [loc.text for loc in index.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]
    assert sections == [
        "http://testserver/sitemap-pages.xml",
        "http://testserver/sitemap-articles.xml",
        "http://testserver/sitemap-articles.xml?p=2",
    ]
    for section in sections:
        urlset = ET.fromstring(client.get(section.removeprefix("http://testserver")).content)
        assert 0 < len(urlset) <= SECTION_SIZE
    articles = {article.get_full_url() for article in BlogPage.objects.live()}
    assert len(articles) > SECTION_SIZE
    assert articles <= sitemap_urls(client)


def section_locations(client, url):
    urlset = ET.fromstring(client.get(url).content)
    return [loc.text for loc in urlset.iter("{http://www.sitemaps.org/schemas/sitemap/0.9}loc")]


def test_article_sections_keep_their_articles_when_others_are_unpublished_or_deleted(
    client, demo_site
):
    generate_articles(SECTION_SIZE + 5)
    first_section = section_locations(client, "/sitemap-articles.xml")
    second_section = section_locations(client, "/sitemap-articles.xml?p=2")

    articles = BlogPage.objects.order_by("path")
    articles[0].unpublish()
    articles[1].delete()

    assert section_locations(client, "/sitemap-articles.xml") == first_section[2:]
    assert section_locations(client, "/sitemap-articles.xml?p=2") == second_section
    assert client.get("/sitemap-articles.xml?p=3").status_code == 404
    assert client.get("/sitemap-articles.xml?p=two").status_code == 404


def test_the_sitemap_index_gives_no_article_section_a_change_time_it_did_not_have(
    client, demo_site
):
    index = ET.fromstring(client.get("/sitemap.xml").content)
    namespace = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    lastmods = {
        entry.find(f"{namespace}loc").text: entry.find(f"{namespace}lastmod")
        for entry in index.iter(f"{namespace}sitemap")
    }
    assert lastmods["http://testserver/sitemap-pages.xml"] is not None
    assert lastmods["http://testserver/sitemap-articles.xml"] is None
    for url in section_locations(client, "/sitemap-articles.xml"):
        assert url.startswith("http://testserver/blog/")
    urlset = ET.fromstring(client.get("/sitemap-articles.xml").content)
    assert all(entry.find(f"{namespace}lastmod") is not None for entry in urlset)


def search_result_links(client, query):
    return result_links(client.get("/search/", {"q": query}).content)


def test_a_few_search_results_come_in_order_of_relevance(client, demo_site):
    best = make_guide(
        title="Supraspinatus tendon care",
        intro="Supraspinatus pain: rest the supraspinatus, warm the supraspinatus, then stretch the "
        "supraspinatus.",
    )
    newer = make_guide(
        title="Desk posture",
        intro="Sitting well at a desk all day: the chair, the screen, the keyboard, the feet, the "
        "breaks, the neck, the lower back and, now and then, the supraspinatus.",
    )

    assert search_result_links(client, "supraspinatus") == [best.url, newer.url]


def test_a_word_in_nearly_every_guide_lists_the_newest_first(client, demo_site):
    generate_articles(RANKED_MATCHES + 1)
    # Every generated guide has the word in its title; the newest has it once, in passing.
    newest = make_guide(title="Desk posture", intro="Written by hand, not generated.")

    links = search_result_links(client, "generated")

    assert len(links) == 10
    assert links[0] == newest.url


def test_many_search_results_are_counted_and_paged_newest_first(client, demo_site):
    generate_articles(RANKED_MATCHES + 15)
    matching = Page.objects.live().type(BlogPage).search("generated", order_by_relevance=False)
    newest_first = sorted(
        matching, key=lambda page: (page.first_published_at, page.pk), reverse=True
    )
    assert len(newest_first) > RANKED_MATCHES

    page_two = BeautifulSoup(
        client.get("/search/", {"q": "generated", "page": 2}).content, "html.parser"
    )
    assert page_two.h2.get_text(strip=True).startswith(f"{len(newest_first)} results")
    links = result_links(page_two)
    assert len(links) == 10
    assert set(links) <= {page.url for page in newest_first}
    assert not set(links) & set(search_result_links(client, "generated"))
    assert "Page 2 of" in visible_text(landmark(page_two, "navigation", "Pages"))


@pytest.mark.parametrize("url", ["/blog/", "/search/?q=supraspinatus"])
def test_a_page_number_out_of_range_or_not_a_number_shows_a_real_page(client, demo_site, url):
    for number in range(12):
        make_guide(title=f"Supraspinatus guide {number}", intro="About shoulders.")
    separator = "&" if "?" in url else "?"

    def current_page(page):
        soup = BeautifulSoup(client.get(f"{url}{separator}page={page}").content, "html.parser")
        return (
            landmark(soup, "navigation", "Pages")
            .select_one("[aria-current=page]")
            .get_text(strip=True)
        )

    assert current_page("two") == "Page 1 of 2"
    assert current_page("999") == "Page 2 of 2"


def test_pages_in_order_keep_the_order_they_were_given(demo_site):
    pages = list(Page.objects.live().order_by("path"))
    ids = [page.pk for page in reversed(pages)]
    in_order = PagesInOrder(ids)

    assert len(in_order) == len(pages)
    assert [page.pk for page in in_order[1:4]] == ids[1:4]
    assert in_order[-1].pk == ids[-1]
    assert type(in_order[0]) is type(pages[-1].specific)
