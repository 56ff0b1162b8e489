"""The page's word count, counted as Wagtail's own Checks panel counts it.

Wagtail 7.4's Checks panel (client/src/includes/contentMetrics.ts) takes the ``innerText``
of the preview's ``<main>`` and counts the word-like segments of ``Intl.Segmenter(lang,
{granularity: "word"})``. With the Checks panel open on its own, the preview's frame is not
rendered, and a browser then gives ``innerText`` as ``textContent``: every piece of text in
``<main>``, joined with nothing between, the answers of closed FAQ items included (seen in
Chromium, tests/test_browser_guide_journey.py). So this counts the page as its preview
renders it, in the same way: the text of ``<main>`` joined as it stands, in Unicode's word
segments: letters and digits, joined across an apostrophe ("it’s"), and across a point or a
comma between digits ("1.5").
"""

import re
from html.parser import HTMLParser

WORD = re.compile(r"\w+(?:(?:['’]|(?<=\d)[.,](?=\d))\w+)*")


def count_words(text: str) -> int:
    return len(WORD.findall(text))


class _MainText(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.depth = 0  # how many <main> elements are open
        self.parts: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag == "main":
            self.depth += 1

    def handle_endtag(self, tag):
        if tag == "main" and self.depth:
            self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.parts.append(data)


def main_text(html: str) -> str:
    """The text of the page's ``<main>``, as the DOM's ``textContent`` gives it."""
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
