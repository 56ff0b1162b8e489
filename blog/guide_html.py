"""HTML (from a Markdown or Word document) → guide elements.

Only what a guide's rich text supports is kept: bold, italic and links (web, email and
phone; not a document's internal bookmarks). Everything else keeps its text and loses its
markup. Images, scripts and styles are dropped.
"""

import html
import re
from html.parser import HTMLParser

from .guide_elements import Element, Heading, ListItems, Paragraph

HEADINGS = {f"h{level}": level for level in range(1, 7)}
BOLD = {"b", "strong"}
ITALIC = {"i", "em"}
# Text in these is not part of the document's prose.
SKIPPED = {"script", "style", "head", "title", "template", "svg"}
LINK = re.compile(r"^(https?://|mailto:|tel:|/)", re.IGNORECASE)
SPACES = re.compile(r"\s+")


class _Inline:
    """The rich text of one paragraph, heading or list item as it is read."""

    def __init__(self):
        self.parts: list[str] = []
        self.text: list[str] = []
        self.bold_chars = 0
        self.chars = 0

    def add_text(self, data: str, bold: bool):
        self.parts.append(html.escape(data, quote=False))
        self.text.append(data)
        visible = len(data.strip())
        self.chars += visible
        if bold:
            self.bold_chars += visible

    def rich(self) -> str:
        rich = SPACES.sub(" ", "".join(self.parts)).strip()
        # Markup around nothing ("<b> </b>") means nothing.
        return re.sub(r"<(b|i|a)\b[^>]*>\s*</\1>", " ", rich).strip()

    def plain(self) -> str:
        return SPACES.sub(" ", "".join(self.text)).strip()

    @property
    def all_bold(self) -> bool:
        return self.chars > 0 and self.bold_chars == self.chars


class _GuideHTMLParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.elements: list[Element] = []
        self.inline: _Inline | None = None
        self.inline_tag: str | None = None
        self.lists: list[ListItems] = []
        self.bold = 0
        self.italic = 0
        self.open_links: list[bool] = []
        self.skipping = 0

    # -- blocks ----------------------------------------------------------------------------

    def _start_block(self, tag: str):
        self._end_block()
        self.inline = _Inline()
        self.inline_tag = tag
        # Bold or italic that runs on across a line break goes on in the next block.
        self.inline.parts.append("<b>" * self.bold + "<i>" * self.italic)

    def _end_block(self):
        inline, tag = self.inline, self.inline_tag
        self.inline = self.inline_tag = None
        if inline is None:
            return
        if self.open_links and self.open_links[-1]:
            inline.parts.append("</a>")
            self.open_links[-1] = False
        inline.parts.append("</i>" * self.italic + "</b>" * self.bold)
        rich, text = inline.rich(), inline.plain()
        if not text:
            return
        if tag in HEADINGS:
            self.elements.append(Heading(HEADINGS[tag], text))
        elif tag == "li" and self.lists:
            self.lists[-1].items.append(rich)
            self.lists[-1].texts.append(text)
        else:
            self.elements.append(Paragraph(rich, text, bold=inline.all_bold))

    def _ensure_inline(self):
        # Text outside any paragraph (a bare <div>, a table cell) is a paragraph of its own.
        if self.inline is None:
            self._start_block("li" if self.lists else "p")

    # -- parser callbacks ------------------------------------------------------------------

    def handle_starttag(self, tag, attrs):
        if tag in SKIPPED:
            self.skipping += 1
            return
        if self.skipping:
            return
        if tag in HEADINGS or tag == "p" or tag == "li":
            if tag == "p" and self.inline_tag == "li":
                return  # a paragraph inside a list item belongs to the item
            self._start_block(tag)
        elif tag in ("ul", "ol"):
            self._end_block()
            if not self.lists:
                self.lists.append(ListItems(ordered=tag == "ol", items=[], texts=[]))
            else:
                # A nested list joins its parent's: guides keep lists one level deep.
                self.lists.append(self.lists[-1])
        elif tag in ("br", "hr", "div", "blockquote", "tr", "table", "section"):
            # A line break ends a line of its own: "Q: …<br>A: …" are two lines.
            self._end_block()
        elif tag in BOLD:
            self._ensure_inline()
            self.bold += 1
            self.inline.parts.append("<b>")
        elif tag in ITALIC:
            self._ensure_inline()
            self.italic += 1
            self.inline.parts.append("<i>")
        elif tag == "a":
            href = dict(attrs).get("href") or ""
            keep = bool(LINK.match(href.strip()))
            self.open_links.append(keep)
            if keep:
                self._ensure_inline()
                self.inline.parts.append(f'<a href="{html.escape(href.strip())}">')
        elif tag in ("td", "th"):
            if self.inline is not None and self.inline.plain():
                self.inline.add_text(" – ", bool(self.bold))

    def handle_endtag(self, tag):
        if tag in SKIPPED:
            self.skipping = max(0, self.skipping - 1)
            return
        if self.skipping:
            return
        if tag in HEADINGS or tag == "p" or tag == "li":
            if tag == "p" and self.inline_tag == "li":
                return
            self._end_block()
        elif tag in ("ul", "ol"):
            self._end_block()
            if self.lists:
                finished = self.lists.pop()
                if not self.lists and finished.items:
                    self.elements.append(finished)
        elif tag in ("div", "blockquote", "tr", "table", "section"):
            self._end_block()
        elif tag in BOLD and self.bold and self.inline is not None:
            self.bold -= 1
            self.inline.parts.append("</b>")
        elif tag in ITALIC and self.italic and self.inline is not None:
            self.italic -= 1
            self.inline.parts.append("</i>")
        elif tag == "a" and self.open_links:
            if self.open_links.pop() and self.inline is not None:
                self.inline.parts.append("</a>")

    def handle_data(self, data):
        if self.skipping or not data.strip() and self.inline is None:
            return
        self._ensure_inline()
        self.inline.add_text(data, bool(self.bold))

    def close(self):
        super().close()
        self._end_block()
        while self.lists:
            finished = self.lists.pop()
            if not self.lists and finished.items:
                self.elements.append(finished)


def elements_from_html(markup: str) -> list[Element]:
    parser = _GuideHTMLParser()
    parser.feed(markup)
    parser.close()
    return parser.elements
