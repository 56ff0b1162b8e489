"""Reading a page as a person, a screen reader or a search engine gets it.

Tests compare what these functions return (words, links with their names, headings,
labels, landmarks, meta values) rather than fragments of markup, so a change of class
names or attribute order does not break a test, and a change a visitor notices does.
Attributes that are behaviour, not looks (a form's method, ``rel="noopener"``, a hidden
honeypot), are read from the parsed element with ``element``.
"""

import json
import re

from bs4 import BeautifulSoup, Tag

NOT_SHOWN = ("script", "style", "template", "noscript")
LANDMARKS = {
    "header": "banner",
    "footer": "contentinfo",
    "nav": "navigation",
    "main": "main",
    "aside": "complementary",
    "search": "search",
}


def read(html) -> BeautifulSoup | Tag:
    """A parsed page; a parsed page or element is returned as it is."""
    if isinstance(html, Tag):
        return html
    if isinstance(html, bytes):
        html = html.decode()
    return BeautifulSoup(html, "html.parser")


def words(text: str) -> str:
    return " ".join(text.split())


def shown(element: Tag) -> bool:
    """False for what no one sees: scripts, and anything hidden or inside something hidden."""
    for node in [element, *element.parents]:
        if node.name in NOT_SHOWN:
            return False
        if isinstance(node, Tag) and (node.has_attr("hidden") or node.get("aria-hidden") == "true"):
            return False
    return True


def visible_text(html) -> str:
    """The words a visitor reads, whitespace collapsed; no scripts, styles or hidden parts."""
    page = read(html)
    pieces = [
        str(text) for text in page.find_all(string=True) if text.parent and shown(text.parent)
    ]
    return words(" ".join(pieces))


def accessible_name(element: Tag) -> str:
    """The name a screen reader gives the element: aria-label, its labelledby, or its words
    (with an image's alt text)."""
    if element.get("aria-label"):
        return words(element["aria-label"])
    if element.get("aria-labelledby"):
        root = next(iter(element.parents), element)
        while root.parent is not None:
            root = root.parent
        named = [root.find(id=id_) for id_ in element["aria-labelledby"].split()]
        return words(" ".join(node.get_text(" ") for node in named if node))
    parts = []
    for node in element.descendants:
        if isinstance(node, Tag) and node.name == "img":
            parts.append(node.get("alt", ""))
        elif not isinstance(node, Tag) and node.parent and shown(node.parent):
            parts.append(str(node))
    return words(" ".join(parts))


def links(html) -> list[tuple[str, str | None]]:
    """Each link as (its accessible name, its href), in page order. An ``<a>`` without href
    is listed with None: a person sees words, not a link."""
    return [(accessible_name(a), a.get("href")) for a in read(html).find_all("a")]


def hrefs(html) -> list[str]:
    return [href for _, href in links(html) if href is not None]


def headings(html) -> list[tuple[int, str]]:
    """Each heading as (level, words), in page order."""
    found = read(html).find_all(["h1", "h2", "h3", "h4", "h5", "h6"])
    return [(int(heading.name[1]), accessible_name(heading)) for heading in found]


def list_items(html) -> list[str]:
    """The words of each item of each list."""
    return [words(item.get_text(" ")) for item in read(html).find_all("li")]


def inline_code(html) -> list[Tag]:
    """What a strict content security policy blocks: inline scripts (JSON-LD is data, not
    code), style elements, style attributes and event-handler attributes."""
    page = read(html)
    scripts = [
        script
        for script in page.find_all("script")
        if not script.has_attr("src") and script.get("type") != "application/ld+json"
    ]
    handlers = [
        tag for tag in page.find_all(True) if any(name.startswith("on") for name in tag.attrs)
    ]
    return scripts + page.find_all("style") + page.select("[style]") + handlers


def labels(html) -> list[str]:
    """The words of each form control's label."""
    return [words(label.get_text(" ")) for label in read(html).find_all("label")]


def control(html, label: str) -> Tag | None:
    """The form control that the label with these words names."""
    page = read(html)
    for tag in page.find_all("label"):
        if words(tag.get_text(" ")) == label:
            if tag.get("for"):
                return page.find(id=tag["for"])
            return tag.find(["input", "select", "textarea"])
    return None


def button(html, name: str) -> Tag | None:
    """The button a person knows by ``name``."""
    for tag in read(html).find_all(["button", "input"]):
        text = tag.get("value", "") if tag.name == "input" else accessible_name(tag)
        if (tag.name == "button" or tag.get("type") == "submit") and words(text) == name:
            return tag
    return None


def description(html, tag: Tag) -> str:
    """What a screen reader adds after a control's name: its aria-describedby texts."""
    page = read(html)
    described = [page.find(id=id_) for id_ in tag.get("aria-describedby", "").split()]
    return words(" ".join(node.get_text(" ") for node in described if node))


def invalid_controls(html) -> list[Tag]:
    """The controls a screen reader announces as invalid."""
    return read(html).find_all(attrs={"aria-invalid": "true"})


def landmark(html, role: str, name: str | None = None) -> Tag | None:
    """The first landmark of ``role`` (by element or ``role``), with ``name`` if given."""
    for element in read(html).find_all(True):
        own = element.get("role") or LANDMARKS.get(element.name)
        if element.name == "form" and element.get("role") is None:
            own = None
        if own == role and (name is None or accessible_name(element) == name):
            return element
    return None


def region(html, name: str) -> Tag | None:
    """A section or panel named ``name`` (by aria-label or the heading it is labelled by)."""
    for element in read(html).find_all(True):
        if (element.get("aria-label") or element.get("aria-labelledby")) and (
            accessible_name(element) == name
        ):
            return element
    return None


def section_headed(html, beginning: str) -> Tag | None:
    """The section whose heading begins with these words."""
    for heading in read(html).find_all(["h1", "h2", "h3", "h4", "h5", "h6"]):
        if accessible_name(heading).startswith(beginning):
            return heading.find_parent("section")
    return None


def list_under(html, heading_words: str) -> Tag | None:
    """The first list after the heading that holds these words (a results list, say)."""
    for heading in read(html).find_all(["h1", "h2", "h3", "h4", "h5", "h6"]):
        if heading_words in accessible_name(heading):
            return heading.find_next(["ol", "ul"])
    return None


def results_list(html) -> Tag | None:
    """The ordered list of search results, under its heading "N result(s) for ..."."""
    for heading in read(html).find_all(["h1", "h2", "h3", "h4", "h5", "h6"]):
        if re.match(r"\d+ results? for ", accessible_name(heading)):
            return heading.find_next("ol")
    return None


def result_links(html) -> list[str]:
    """The addresses of the search results, in order; none when nothing was found."""
    found = results_list(html)
    return hrefs(found) if found is not None else []


def cards(html) -> list[str]:
    """The title of each card (an article teaser) on the page."""
    return [name for article in read(html).find_all("article") for _, name in headings(article)[:1]]


def element(html, selector: str) -> Tag | None:
    """The first element matching a CSS selector, to read its behaviour's attributes."""
    return read(html).select_one(selector)


def meta(html, key: str) -> str | None:
    """The content of the meta tag with this name or property."""
    page = read(html)
    tag = page.find("meta", attrs={"name": key}) or page.find("meta", attrs={"property": key})
    return tag.get("content") if tag else None


def json_ld(html) -> list:
    """The structured data of the page, parsed."""
    scripts = read(html).find_all("script", type="application/ld+json")
    return [json.loads(script.string) for script in scripts]


def stylesheets(html) -> list[str]:
    return [link["href"] for link in read(html).find_all("link", rel="stylesheet")]


def elements_named(html, tag: str) -> list[Tag]:
    return read(html).find_all(tag)
