"""The page's word count, counted as Wagtail's own Checks panel counts it.

Wagtail 7.4's Checks panel (client/src/includes/contentMetrics.ts) takes the ``innerText`` of
the preview's ``<main>`` and counts the word-like segments of ``Intl.Segmenter(lang,
{granularity: "word"})``. So this counts the page as a preview renders it: the text of
``<main>`` that a browser shows (no script, style, template or ``hidden`` element, and of a
closed ``<details>`` only its ``<summary>``), in Unicode's word segments: letters and digits,
joined across an apostrophe ("it’s"), and across a point or comma between digits ("1.5").
"""

import re
from html.parser import HTMLParser

WORD = re.compile(r"\w+(?:(?:['’]|(?<=\d)[.,](?=\d))\w+)*")
NOT_SHOWN = {"script", "style", "template", "noscript", "head", "title"}
# Elements that run on inside a line; every other element starts a line of its own.
INLINE = {
    "a", "abbr", "b", "bdi", "bdo", "cite", "code", "data", "dfn", "em", "i", "kbd", "mark",
    "q", "s", "samp", "small", "span", "strong", "sub", "sup", "time", "u", "var", "wbr",
}  # fmt: skip
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
        "track", "wbr"}  # fmt: skip


def count_words(text: str) -> int:
    return len(WORD.findall(text))


class _MainText(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.in_main = 0
        self.open: list[str] = []
        self.hidden_depth: int | None = None  # depth at which text stopped being shown
        self.details_open: list[bool] = []
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in VOID:
            if self.in_main:
                self.parts.append(" ")
            return
        attributes = dict(attrs)
        self.open.append(tag)
        if tag == "main":
            self.in_main += 1
        if tag == "details":
            self.details_open.append("open" in attributes)
        if self.hidden_depth is None and (
            tag in NOT_SHOWN or "hidden" in attributes or self._in_closed_details(tag)
        ):
            self.hidden_depth = len(self.open)
        if tag not in INLINE:
            self.parts.append(" ")

    def handle_endtag(self, tag):
        if tag in VOID or tag not in self.open:
            return
        while self.open:
            closed = self.open.pop()
            if self.hidden_depth is not None and len(self.open) < self.hidden_depth:
                self.hidden_depth = None
            if closed == "main":
                self.in_main -= 1
            if closed == "details" and self.details_open:
                self.details_open.pop()
            if closed not in INLINE:
                self.parts.append(" ")
            if closed == tag:
                break

    def _in_closed_details(self, tag: str | None) -> bool:
        """A closed ``<details>`` shows its ``<summary>`` alone."""
        parent = self.open[-2] if tag is not None and len(self.open) > 1 else None
        if tag is None:
            parent = self.open[-1] if self.open else None
        closed = bool(self.details_open) and not self.details_open[-1]
        return parent == "details" and closed and tag != "summary"

    def handle_data(self, data):
        if self.in_main and self.hidden_depth is None and not self._in_closed_details(None):
            self.parts.append(data)


def main_text(html: str) -> str:
    """The text a browser shows in the page's ``<main>``."""
    parser = _MainText()
    parser.feed(html)
    parser.close()
    return "".join(parser.parts)


def preview_word_count(page, request=None) -> int | None:
    """The words of ``page`` as its preview shows them; None if the preview is not a page."""
    response = page.make_preview_request(request, page.default_preview_mode)
    if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
        return None
    return count_words(main_text(response.content.decode(response.charset or "utf-8")))
