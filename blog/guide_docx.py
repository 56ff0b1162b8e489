"""A Word (.docx) guide → elements, through mammoth (docx → clean HTML).

mammoth keeps what a guide needs from a Word document: headings by their style, bold,
italic, hyperlinks, and bulleted and numbered lists from Word's own numbering.
"""

import io
import zipfile
from xml.parsers.expat import ExpatError

import mammoth

from .guide_elements import Element, GuideImportError
from .guide_html import elements_from_html

# Word's own Title and Subtitle styles are headings too: the title, and the line under it.
STYLE_MAP = """
p[style-name='Title'] => h1:fresh
p[style-name='Subtitle'] => h2:fresh
"""
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
    try:
        result = mammoth.convert_to_html(io.BytesIO(data), style_map=STYLE_MAP)
    except (ExpatError, KeyError, ValueError, zipfile.BadZipFile) as error:
        raise GuideImportError(
            "This Word document is damaged: its text could not be read."
        ) from error
    return elements_from_html(result.value)
