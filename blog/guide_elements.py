"""What every reader of a guide document produces: a flat run of headings, paragraphs, lists
and pictures.

A reader (guide_text, guide_markdown, guide_docx) knows its format; blog/guide_import.py
knows what a guide is made of (title, sections, the FAQ, the warning) and works on these
elements alone, whatever the document was.
"""

import dataclasses
import html
import re


class GuideImportError(ValueError):
    """A document that cannot become a guide; the message is shown to the therapist."""


@dataclasses.dataclass
class Heading:
    level: int  # 1 is the document's title, 2 a section, 3 and deeper a sub-heading
    text: str


@dataclasses.dataclass
class Paragraph:
    html: str  # inline rich text: <b>, <i>, <a href>, escaped text
    text: str
    bold: bool = False  # the whole paragraph is bold: a question, in a questions section


@dataclasses.dataclass
class ListItems:
    ordered: bool
    items: list[str]  # inline rich text, one per item
    texts: list[str]


@dataclasses.dataclass
class Picture:
    name: str  # how the therapist knows it: its file name, or "picture 2" in a Word document
    data: bytes | None  # None: the document names a picture it does not hold
    description: str = ""  # Word's alt text, Markdown's ![description](…)
    caption: str = ""


Element = Heading | Paragraph | ListItems | Picture


def plain_paragraph(text: str, **kwargs) -> Paragraph:
    return Paragraph(html=html.escape(text, quote=False), text=text, **kwargs)


# Words that mark the section about when to see a doctor, and the questions section.
WARNING_HEADING = re.compile(
    r"\b(doctors?|gps?|warnings?|medical (advice|help|attention)|when to (seek|stop|see|get)|"
    r"seek (help|advice)|red flags?|cautions?|safety|emergency|contraindications?|"
    r"who should not|who shouldn[’']t|precautions?|not suitable|urgent(ly)?|nhs 111|"
    r"when not to|when massage is not|when massage isn[’']t)\b",
    re.IGNORECASE,
)
QUESTIONS_HEADING = re.compile(
    r"\b(questions?|faqs?|q\s?&\s?a|q and a|asked|people ask|you ask|clients ask)\b",
    re.IGNORECASE,
)
# "1. Does it hurt?", "2) How long?" : a numbered question.
NUMBERED = re.compile(r"^\s*(\d{1,3})[.)]\s+(?P<rest>.+)$")
# "Q: …", "Q. …", "Question: …" and "A: …", "Answer: …".
QUESTION_PREFIX = re.compile(r"^\s*(q|question)\s*\d{0,3}\s*[:.)]\s*", re.IGNORECASE)
# "- Does it hurt?", "• How long?": a bulleted line.
BULLET = re.compile(r"^\s*[-*•·▪◦●○■□‣➢➤►✓✔–—]\s+(?P<rest>\S.*)$")
ANSWER_PREFIX = re.compile(r"^\s*(a|answer)\s*[:.)]\s*", re.IGNORECASE)


def is_warning_heading(text: str) -> bool:
    return bool(WARNING_HEADING.search(text))


def is_questions_heading(text: str) -> bool:
    return bool(QUESTIONS_HEADING.search(text)) and not is_warning_heading(text)


def strip_leading_text(rich: str, pattern: re.Pattern) -> str:
    """``rich`` without a leading marker ("Q: ", "1. ") that may sit inside a <b> or <i>."""
    match = re.match(r"^((?:<[^>]+>)*)(.*)$", rich, re.DOTALL)
    tags, rest = match.group(1), match.group(2)
    return tags + pattern.sub("", rest, count=1)
