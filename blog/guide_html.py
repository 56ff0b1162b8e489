"""HTML (from a Markdown or Word document) → guide elements.

Only what a guide's rich text supports is kept: bold, italic and links (web, email and
phone; not a document's internal bookmarks). Everything else keeps its text and loses its
markup; scripts and styles are dropped.

A picture (``<img>``) becomes a Picture at its place, its bytes found by the reader's
``find_picture``; its caption is the paragraph under it in Word's Caption style, the
picture's title, or a wholly italic line right under it.
"""

import html
import re
from collections.abc import Callable
from html.parser import HTMLParser

from .guide_elements import Element, Heading, ListItems, Paragraph, Picture

# (the picture's address in the document, its alt text) → the picture, or None to drop it.
PictureFinder = Callable[[str, str], Picture | None]

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
        self.italic_chars = 0
        self.chars = 0

    def add_text(self, data: str, bold: bool, italic: bool = False):
        self.parts.append(html.escape(data, quote=False))
        self.text.append(data)
        visible = len(data.strip())
        self.chars += visible
        if bold:
            self.bold_chars += visible
        if italic:
            self.italic_chars += visible

    def rich(self) -> str:
        rich = SPACES.sub(" ", "".join(self.parts)).strip()
        # Markup around nothing ("<b> </b>") means nothing.
        return re.sub(r"<(b|i|a)\b[^>]*>\s*</\1>", " ", rich).strip()

    def plain(self) -> str:
        return SPACES.sub(" ", "".join(self.text)).strip()

    @property
    def all_bold(self) -> bool:
        return self.chars > 0 and self.bold_chars == self.chars

    @property
    def all_italic(self) -> bool:
        return self.chars > 0 and self.italic_chars == self.chars


class _GuideHTMLParser(HTMLParser):
    def __init__(self, find_picture: PictureFinder | None):
        super().__init__(convert_charrefs=True)
        self.find_picture = find_picture
        self.caption_block = False  # the open paragraph is in Word's Caption style
        self.pictures_after_list: list[Picture] = []
        self.elements: list[Element] = []
        self.inline: _Inline | None = None
        self.inline_tag: str | None = None
        self.lists: list[ListItems] = []
        self.bold = 0
        self.italic = 0
        self.open_links: list[bool] = []
        self.skipping = 0

    # -- blocks ----------------------------------------------------------------------------

    def _start_block(self, tag: str, caption: bool = False):
        self._end_block()
        self.caption_block = caption
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
        last = self.elements[-1] if self.elements else None
        if (
            isinstance(last, Picture)
            and not last.caption
            and tag == "p"
            and (self.caption_block or inline.all_italic)
        ):
            last.caption = text
        elif tag in HEADINGS:
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
            classes = (dict(attrs).get("class") or "").split()
            self._start_block(tag, caption="caption" in classes)
        elif tag == "img":
            self._picture(dict(attrs))
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

    def _picture(self, attrs: dict):
        if self.find_picture is None:
            return
        picture = self.find_picture((attrs.get("src") or "").strip(), attrs.get("alt") or "")
        if picture is None:
            return
        picture.caption = picture.caption or " ".join((attrs.get("title") or "").split())
        if self.lists:
            # A list keeps its text; a picture in it comes right after the list.
            self.pictures_after_list.append(picture)
            return
        self._end_block()
        self.elements.append(picture)

    def _finish_list(self, finished: ListItems):
        if finished.items:
            self.elements.append(finished)
        self.elements.extend(self.pictures_after_list)
        self.pictures_after_list = []

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
                if not self.lists:
                    self._finish_list(finished)
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
        self.inline.add_text(data, bool(self.bold), bool(self.italic))

    def close(self):
        super().close()
        self._end_block()
        while self.lists:
            finished = self.lists.pop()
            if not self.lists:
                self._finish_list(finished)


def elements_from_html(markup: str, find_picture: PictureFinder | None = None) -> list[Element]:
    parser = _GuideHTMLParser(find_picture)
    parser.feed(markup)
    parser.close()
    return parser.elements
