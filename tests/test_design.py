"""The design and accessibility promises that show in the HTML the server sends.

Each check reads a demo page as a visitor's browser would receive it, with BeautifulSoup, and
compares it with what the database says the page should show.
"""

import re
from decimal import Decimal
from urllib.parse import urlsplit

import pytest
from bs4 import BeautifulSoup
from django.conf import settings
from django.contrib.staticfiles import finders
from PIL import features
from wagtail.models import Site

from home.models import PracticeSettings
from services.models import ServicePage, SessionOption

from .demo import DEMO_GUIDE_URL as ARTICLE_URL
from .demo import DEMO_URLS, demo_guide
from .factories import make_guide
from .page_reading import landmark
from .posts import contact_data

pytestmark = pytest.mark.django_db
SERVICE_URLS = [url for url in DEMO_URLS if url.startswith("/services/") and url != "/services/"]
SAME_HOSTS = {"", "testserver"}
FOCUSABLE = "a[href], button, input:not([type=hidden]), select, textarea, summary, [tabindex]"


def soup_of(client, url) -> BeautifulSoup:
    response = client.get(url)
    assert response.status_code == 200, url
    return BeautifulSoup(response.content, "html.parser")


def practice() -> PracticeSettings:
    return PracticeSettings.for_site(Site.objects.get(is_default_site=True))


def site_chrome(soup, tag: str):
    """The page's own header or footer, not an article's header inside <main>."""
    found = [
        element
        for element in soup.body.find_all(tag)
        if not element.find_parent(["main", "article", "section", "aside", "nav"])
    ]
    assert len(found) == 1, f"{len(found)} site-wide <{tag}> elements"
    return found[0]


def digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


def text_of(element) -> str:
    return " ".join(element.get_text(" ").split())


def is_same_origin(url: str) -> bool:
    parts = urlsplit(url.strip())
    if parts.scheme not in {"", "http", "https"}:
        return parts.scheme == "data"
    return parts.netloc in SAME_HOSTS


def srcset_urls(srcset: str) -> list[str]:
    return [candidate.split()[0] for candidate in srcset.split(",") if candidate.strip()]


# -- 1. site chrome on every page ---------------------------------------------------------


@pytest.mark.parametrize("url", DEMO_URLS)
def test_header_names_the_practice_and_offers_navigation_booking_and_a_call(client, demo_site, url):
    details = practice()
    header = site_chrome(soup_of(client, url), "header")
    assert details.name in text_of(header)

    nav = header.find("nav")
    assert nav is not None and nav.get("aria-label")
    menu = [page.url for page in demo_site.get_children().live().in_menu().specific()]
    assert menu, "the demo has pages in the menu"
    assert [a["href"] for a in nav.find_all("a")] == menu

    book = header.find("a", string=re.compile(r"^\s*Book a session\s*$"))
    assert book is not None and book["href"] == "/book/"

    calls = header.select('a[href^="tel:"]')
    assert len(calls) == 1
    assert digits(calls[0]["href"]) == digits(details.phone) != ""


@pytest.mark.parametrize("url", DEMO_URLS)
def test_footer_gives_address_opening_hours_links_and_privacy(client, demo_site, url):
    details = practice()
    footer = site_chrome(soup_of(client, url), "footer")

    address = footer.find("address")
    assert address is not None
    assert details.address_lines
    for line in details.address_lines:
        assert line in text_of(address), line

    footer_text = text_of(footer)
    assert details.opening_hours
    for hours in details.opening_hours:
        for day in hours.value["days"]:
            assert day in footer_text, day
        opens, closes = hours.value["opens"], hours.value["closes"]
        assert f"{opens.hour}:{opens.minute:02d}" in footer_text
        assert f"{closes.hour}:{closes.minute:02d}" in footer_text

    hrefs = {a["href"] for a in footer.find_all("a", href=True)}
    menu = {page.url for page in demo_site.get_children().live().in_menu()}
    assert menu <= hrefs
    assert details.privacy_page is not None
    assert details.privacy_page.url in hrefs


@pytest.mark.parametrize("url", [url for url in DEMO_URLS if url != "/"])
def test_pages_below_home_show_a_labelled_breadcrumb_trail(client, demo_site, url):
    soup = soup_of(client, url)
    trail = [nav for nav in soup.find_all("nav") if nav.find("ol") and nav.get("aria-label")]
    assert len(trail) == 1, "one labelled breadcrumb nav"
    links = trail[0].find_all("a")
    assert links[0]["href"] == "/"
    assert links[-1]["href"] == url and links[-1].get("aria-current") == "page"
    # Every step is an ancestor of the page, in order from home.
    steps = [a["href"] for a in links]
    assert all(url.startswith(step) for step in steps)
    assert steps == sorted(steps, key=len)


# -- 2. price list ------------------------------------------------------------------------


@pytest.mark.parametrize("url", SERVICE_URLS)
def test_service_page_lists_each_session_length_with_its_price(client, demo_site, url):
    service = ServicePage.objects.get(slug=url.strip("/").split("/")[-1])
    options = list(service.ordered_session_options())
    assert options, "the demo service has sessions"

    table = soup_of(client, url).find("table")
    assert table is not None
    rows = table.find("tbody").find_all("tr")
    shown = []
    for row in rows:
        duration = int(re.search(r"(\d+)\s*min", text_of(row.find("th"))).group(1))
        price = re.fullmatch(r"£(\d+(?:\.\d\d)?)", text_of(row.find("td")))
        assert price, text_of(row)
        shown.append((duration, Decimal(price.group(1))))
    assert shown == [(option.duration_minutes, option.price) for option in options]


# -- 3. the article -----------------------------------------------------------------------


@pytest.fixture
def article():
    return demo_guide()


def test_article_shows_its_reading_time_and_last_review_date(client, demo_site, article):
    header = soup_of(client, ARTICLE_URL).find("main").find("header")
    minutes = re.search(r"(\d+) min read", text_of(header))
    assert minutes and int(minutes.group(1)) == article.reading_minutes
    assert article.last_reviewed is not None
    reviewed = [
        time
        for time in header.find_all("time")
        if time.get("datetime") == article.last_reviewed.isoformat()
    ]
    assert reviewed, "a <time> with the review date"
    assert "Last reviewed" in text_of(reviewed[0].parent)


def test_article_table_of_contents_links_to_headings_on_the_page(client, demo_site, article):
    soup = soup_of(client, ARTICLE_URL)
    toc = landmark(soup, "navigation", "In this guide")
    assert toc is not None
    links = toc.find_all("a")
    # Every section a reader can jump to: the section headings, the FAQ and the warning.
    sections = [
        block.value["text"] if block.block_type == "heading" else block.value["heading"]
        for block in article.body
        if (block.block_type == "heading" and block.value["level"] == "h2")
        or block.block_type == "faq"
        or (block.block_type == "callout" and block.value["variant"] == "warning")
    ]
    assert len(sections) >= 5
    assert [text_of(a) for a in links] == sections
    for link in links:
        assert link["href"].startswith("#")
        target = soup.find(id=link["href"][1:])
        assert target is not None and target.name == "h2", link["href"]
        assert text_of(target).removeprefix("⚠").strip() == text_of(link)


def test_article_links_its_related_services(client, demo_site, article):
    related = [service.url for service in article.live_related_services()]
    assert related
    soup = soup_of(client, ARTICLE_URL)
    section = soup.find(id="related-services-heading").find_parent("section")
    items = section.find_all("li")
    assert [item.find("a")["href"] for item in items] == related
    # Each treatment can be booked from here, and the booking records this guide as its source.
    book_links = [item.find_all("a")[-1]["href"] for item in items]
    assert all(
        link.startswith("/book/?service=") and link.endswith(f"&from={ARTICLE_URL}")
        for link in book_links
    ), book_links


def test_article_suggests_guides_on_its_topics_first_then_the_newest(client, demo_site, article):
    topic = article.topic_tags[0].name
    same_topic = make_guide(title="Piriformis stretches", date="2025-01-10", tags=[topic])
    newest = make_guide(title="Desk posture", date="2026-11-01")
    older = make_guide(title="Winter walking", date="2024-03-01")
    oldest = make_guide(title="Gardening back care", date="2023-05-01")

    section = (
        soup_of(client, ARTICLE_URL).find(id="related-articles-heading").find_parent("section")
    )

    links = [a["href"] for a in section.find_all("a")]
    assert links == [same_topic.url, newest.url, older.url]
    assert oldest.url not in links


def test_article_faq_is_a_details_and_summary_per_question(client, demo_site, article):
    [faq] = [block.value for block in article.body if block.block_type == "faq"]
    soup = soup_of(client, ARTICLE_URL)
    items = soup.find("main").find_all("details")
    questions = [text_of(details.find("summary")) for details in items]
    assert questions == [item["question"] for item in faq["items"]]
    for details, item in zip(items, faq["items"], strict=True):
        assert details.find("summary") is details.find(True), "the summary comes first"
        assert details.get("open") is None, "answers start closed"
        answer = text_of(BeautifulSoup(item["answer"].source, "html.parser"))
        assert answer in text_of(details)


# -- 4. headings, skip link, landmarks ----------------------------------------------------


@pytest.mark.parametrize("url", DEMO_URLS)
def test_headings_start_at_one_h1_and_never_skip_a_level(client, demo_site, url):
    soup = soup_of(client, url)
    levels = [int(h.name[1]) for h in soup.body.find_all(re.compile(r"^h[1-6]$"))]
    assert levels.count(1) == 1
    assert levels[0] == 1, f"the first heading is h{levels[0]}"
    skips = [(a, b) for a, b in zip(levels, levels[1:], strict=False) if b > a + 1]
    assert not skips, f"heading levels skip: {skips} in {levels}"


@pytest.mark.parametrize("url", DEMO_URLS)
def test_skip_link_to_main_content_is_the_first_focusable_element(client, demo_site, url):
    soup = soup_of(client, url)
    first = soup.body.select_one(FOCUSABLE)
    assert first.name == "a" and first["href"].startswith("#"), first
    target = soup.find(id=first["href"][1:])
    assert target is not None and target.name == "main"


@pytest.mark.parametrize("url", DEMO_URLS)
def test_page_has_header_nav_main_and_footer_landmarks(client, demo_site, url):
    soup = soup_of(client, url)
    site_chrome(soup, "header")
    site_chrome(soup, "footer")
    assert len(soup.find_all("main")) == 1
    assert site_chrome(soup, "header").find("nav") is not None


# -- 5. nothing fetched from another host -------------------------------------------------


def stylesheet_text(href: str) -> str:
    assert href.startswith(settings.STATIC_URL), href
    path = finders.find(href.removeprefix(settings.STATIC_URL))
    assert path, href
    with open(path, encoding="utf-8") as file:
        return file.read()


def css_references(css: str) -> list[str]:
    urls = re.findall(r"url\(\s*['\"]?([^'\")]+)", css)
    imports = re.findall(r"@import\s+['\"]([^'\"]+)", css)
    return urls + imports


@pytest.mark.parametrize("url", DEMO_URLS)
def test_page_fetches_nothing_from_another_host(client, demo_site, url):
    soup = soup_of(client, url)
    fetched = []
    for tag in soup.find_all(["link", "script", "img", "source", "iframe", "video", "audio"]):
        for attribute in ("src", "href"):
            if tag.get(attribute):
                fetched.append(tag[attribute])
        if tag.get("srcset"):
            fetched.extend(srcset_urls(tag["srcset"]))
    for styled in soup.find_all(style=True):
        fetched.extend(css_references(styled["style"]))
    for style in soup.find_all("style"):
        fetched.extend(css_references(style.get_text()))
    sheets = soup.find_all("link", rel="stylesheet")
    assert sheets
    for sheet in sheets:
        fetched.extend(css_references(stylesheet_text(sheet["href"])))

    assert fetched
    assert [ref for ref in fetched if not is_same_origin(ref)] == []


@pytest.mark.parametrize("url", DEMO_URLS)
def test_any_script_is_self_hosted_and_deferred(client, demo_site, url):
    soup = soup_of(client, url)
    # JSON-LD is data for search engines: the browser never runs it.
    scripts = [s for s in soup.find_all("script") if s.get("type") != "application/ld+json"]
    for script in scripts:
        assert script.get("src"), f"inline script: {script}"
        assert is_same_origin(script["src"]), script["src"]
        assert script.has_attr("defer") or script.get("type") == "module", script


# -- 6. images ----------------------------------------------------------------------------


def rendition_size(src: str) -> tuple[int, int] | None:
    match = re.search(r"fill-(\d+)x(\d+)", src)
    return (int(match.group(1)), int(match.group(2))) if match else None


@pytest.mark.parametrize("url", DEMO_URLS)
def test_every_image_is_a_sized_rendition_with_alt_text(client, demo_site, url):
    for img in soup_of(client, url).find_all("img"):
        assert img.has_attr("alt"), img
        assert urlsplit(img["src"]).path.startswith("/media/images/"), img["src"]
        width, height = int(img["width"]), int(img["height"])
        assert width > 0 and height > 0
        # A cropped rendition's size is in its name: the attributes must agree with it.
        size = rendition_size(img["src"])
        if size:
            assert (width, height) == size, img["src"]


@pytest.mark.parametrize("url", DEMO_URLS)
def test_pictures_offer_modern_formats_with_srcset_and_sizes(client, demo_site, url):
    wanted = {"image/webp"} | ({"image/avif"} if features.check("avif") else set())
    for picture in soup_of(client, url).find_all("picture"):
        sources = {source.get("type"): source for source in picture.find_all("source")}
        assert wanted <= set(sources), f"{url}: {sorted(sources)}"
        for kind in wanted:
            source = sources[kind]
            assert source.get("sizes"), source
            candidates = srcset_urls(source["srcset"])
            assert candidates
            extension = kind.split("/")[1]
            for candidate in candidates:
                assert candidate.startswith("/media/images/"), candidate
                assert candidate.endswith("." + extension), candidate
        assert picture.find("img") is not None


@pytest.mark.parametrize("url", DEMO_URLS)
def test_images_load_lazily_unless_fetched_with_high_priority(client, demo_site, url):
    for img in soup_of(client, url).find_all("img"):
        if img.get("fetchpriority") == "high":
            assert img.get("loading") != "lazy", img["src"]
        else:
            assert img.get("loading") == "lazy", img["src"]


def test_article_hero_image_loads_first_and_later_images_wait(client, demo_site, article):
    images = soup_of(client, ARTICLE_URL).find("main").find_all("img")
    assert images, "the article has a hero image"
    hero = images[0]
    assert article.hero_image is not None
    assert hero.get("fetchpriority") == "high"
    assert hero.get("loading") != "lazy"
    assert all(img.get("loading") == "lazy" for img in images[1:])


# -- 7. form labels and errors ------------------------------------------------------------


@pytest.mark.parametrize("url", ["/book/", "/contact/"])
def test_every_form_field_has_a_label_tied_to_it(client, demo_site, url):
    if url == "/book/":  # the booking form shows once a length is chosen
        url += f"?session={SessionOption.objects.order_by('pk').first().pk}"
    soup = soup_of(client, url)
    fields = soup.find("main").find_all(["input", "select", "textarea"])
    fields = [field for field in fields if field.get("type") not in {"hidden", "submit"}]
    assert len(fields) >= 3
    for field in fields:
        assert field.get("id"), field
        label = soup.find("label", attrs={"for": field["id"]})
        assert label is not None and text_of(label), f"no label for {field['id']}"


def test_contact_errors_are_tied_to_their_fields(client, demo_site):
    response = client.post("/contact/", contact_data(email="not-an-email", message=""))
    assert response.status_code == 400
    soup = BeautifulSoup(response.content, "html.parser")
    invalid = soup.find_all(attrs={"aria-invalid": "true"})
    assert {field["name"] for field in invalid} == {"email", "message"}
    for field in invalid:
        described = [soup.find(id=id_) for id_ in field.get("aria-describedby", "").split()]
        assert described and all(described), field["name"]
        errors = [el for el in described if "error" in el["id"]]
        assert errors and text_of(errors[0]), f"no error text tied to {field['name']}"
