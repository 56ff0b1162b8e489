"""A Word (.docx) guide → elements, through mammoth (docx → clean HTML).

mammoth keeps what a guide needs from a Word document: headings by their style, bold,
italic, hyperlinks, bulleted and numbered lists from Word's own numbering, and pictures with
their alt text (Word's "Edit Alt Text", the picture's description) and their captions.
"""

import io
import zipfile
from xml.parsers.expat import ExpatError

import mammoth

from .guide_elements import Element, GuideImportError, Picture
from .guide_html import elements_from_html

# Word's own Title and Subtitle styles are headings too: the title, and the line under it.
# A paragraph in the Caption style is the caption of the picture above it.
STYLE_MAP = """
p[style-name='Title'] => h1:fresh
p[style-name='Subtitle'] => h2:fresh
p[style-name='Caption'] => p.caption:fresh
"""
# Word writes this after the alt text it guessed itself: no one has described the picture.
GUESSED_ALT_TEXT = "description automatically generated"
# A .docx is a zip; one that unpacks to far more than any guide is refused before reading.
MAX_UNPACKED_BYTES = 50 * 1024 * 1024


def elements_from_docx(data: bytes) -> list[Element]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            if "word/document.xml" not in archive.namelist():
                raise GuideImportError("This is not a Word document (.docx): it has no text part.")
            if sum(entry.file_size for entry in archive.infolist()) > MAX_UNPACKED_BYTES:
                raise GuideImportError("This Word document is too large to import.")
    except zipfile.BadZipFile as error:
        raise GuideImportError(
            "This file is not a Word document (.docx), or it is damaged: it could not be opened."
        ) from error
    pictures: dict[str, Picture] = {}

    @mammoth.images.img_element
    def keep_picture(image) -> dict:
        with image.open() as picture_file:
            picture_data = picture_file.read()
        key = f"picture-{len(pictures) + 1}"
        pictures[key] = Picture(
            name=f"picture {len(pictures) + 1}",
            data=picture_data,
            description=_described(image.alt_text or ""),
        )
        return {"src": key}

    try:
        result = mammoth.convert_to_html(
            io.BytesIO(data), style_map=STYLE_MAP, convert_image=keep_picture
        )
    except (ExpatError, KeyError, ValueError, zipfile.BadZipFile) as error:
        raise GuideImportError(
            "This Word document is damaged: its text could not be read."
        ) from error
    return elements_from_html(result.value, lambda src, alt: pictures.get(src))


def _described(alt_text: str) -> str:
    alt_text = " ".join(alt_text.split())
    return "" if GUESSED_ALT_TEXT in alt_text.lower() else alt_text
