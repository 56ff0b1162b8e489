"""A Markdown guide → elements, through markdown-it-py (CommonMark, with tables)."""

from markdown_it import MarkdownIt

from .guide_elements import Element
from .guide_html import elements_from_html


def elements_from_markdown(text: str) -> list[Element]:
    # "html": False: raw HTML in the document is shown as text, never passed on as markup.
    markdown = MarkdownIt("commonmark", {"html": False}).enable("table")
    return elements_from_html(markdown.render(text))
