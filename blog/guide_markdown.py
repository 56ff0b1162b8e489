"""A Markdown guide → elements, through markdown-it-py (CommonMark, with tables).

A picture (``![what it shows](couch.jpg "Its caption")``) is read from the folder the
Markdown file is in, when it is given one (``manage.py import_guide``); a picture that is
not there, or that lies outside that folder, is reported, never looked for elsewhere.
"""

from pathlib import Path
from urllib.parse import unquote

from markdown_it import MarkdownIt

from .guide_elements import Element, Picture
from .guide_html import elements_from_html

MAX_PICTURE_BYTES = 20 * 1024 * 1024


def elements_from_markdown(text: str, folder: Path | None = None) -> list[Element]:
    # "html": False: raw HTML in the document is shown as text, never passed on as markup.
    markdown = MarkdownIt("commonmark", {"html": False}).enable("table")

    def find_picture(src: str, alt: str) -> Picture:
        src = unquote(src)
        name = src.rsplit("/", 1)[-1] or src
        return Picture(name=name, data=_read_beside(folder, src), description=" ".join(alt.split()))

    return elements_from_html(markdown.render(text), find_picture)


def _read_beside(folder: Path | None, src: str) -> bytes | None:
    if folder is None or not src or "://" in src or src.startswith(("/", "data:")):
        return None
    folder = folder.resolve()
    path = (folder / src).resolve()
    if not path.is_relative_to(folder) or not path.is_file():
        return None
    if path.stat().st_size > MAX_PICTURE_BYTES:
        return None
    return path.read_bytes()
