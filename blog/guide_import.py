"""A guide document (.txt, .md, .docx, or pasted text) → a draft guide for the therapist to review.

Reading a format is the readers' job (guide_text, guide_markdown, guide_docx give a flat run
of elements); this module knows what a guide is made of:

- the title: the first heading (the first line of a text file); a second title line right
  after it, with no text of its own, is the title search engines show;
- the introduction: the first paragraph, before the first section or under a heading such as
  "Introduction"; it also suggests the search description (at most 160 characters);
- a section about when to see a doctor → a warning callout;
- a questions section → the one FAQ block, one item per question, in any of these forms:
  "Q:"/"A:" lines, a sub-heading ending in "?", a bold line ending in "?", "1. Does it hurt?";
- a closing section that invites a booking ("Ready to try massage…?") → the call-to-action
  block, its button linked to the booking page;
- every other section → its heading, its sub-headings and its text (paragraphs and lists,
  bold, italic and links);
- a picture → a Wagtail image at its place, with its caption; its description (Word's alt
  text) is the image's description;
- the live treatments named anywhere in it → suggested related treatments.

Nothing is published: the result is a draft under the guides index, by the practice's
therapist, last reviewed today. A guide imported again (the same title under the same
index) becomes a new draft of the guide that is there, unless she asks for a separate one.
"""

import dataclasses
import io
import re
from pathlib import Path

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.images import ImageFile
from django.db import transaction
from django.utils import timezone
from django.utils.html import escape
from django.utils.text import slugify
from PIL import Image as PillowImage
from wagtail.admin.rich_text.converters.editor_html import EditorHTMLConverter
from wagtail.coreutils import find_available_slug
from wagtail.images import get_image_model
from wagtail.models import Page

from home.blocks import RICH_TEXT_FEATURES
from home.private_sections import public

from .guide_docx import elements_from_docx
from .guide_elements import (
    ANSWER_PREFIX,
    BULLET,
    NUMBERED,
    QUESTION_PREFIX,
    Element,
    GuideImportError,
    Heading,
    ListItems,
    Paragraph,
    Picture,
    is_questions_heading,
    is_warning_heading,
    strip_leading_text,
)
from .guide_markdown import elements_from_markdown
from .guide_text import elements_from_text
from .models import Author, BlogIndexPage, BlogPage

MAX_BYTES = 5 * 1024 * 1024
SEARCH_DESCRIPTION_LENGTH = 160
INTRO_LENGTH = BlogPage._meta.get_field("intro").max_length
HEADING_LENGTH = 120  # the heading, callout and FAQ heading blocks' max_length
QUESTION_LENGTH = 200
TITLE_LENGTH = 255
INTRODUCTION_HEADING = re.compile(
    r"^(introduction|intro|overview|summary|in (brief|short)|about this (guide|article))$",
    re.IGNORECASE,
)
# The types a guide can come in, and the readers that read them.
TEXT_TYPES = (".txt", ".text")
MARKDOWN_TYPES = (".md", ".markdown")
WORD_TYPES = (".docx",)
ACCEPTED_TYPES = TEXT_TYPES + MARKDOWN_TYPES + WORD_TYPES
# Pasted text that uses Markdown's headings is read as Markdown.
MARKDOWN_HEADING = re.compile(r"^#{1,6}\s+\S", re.MULTILINE)
SERVICE_PAGE = ("services", "servicepage")  # by name: blog never imports the services app
BOOKING_PAGE = ("services", "bookingpage")
# A closing section that asks the reader to book: "Ready to try massage…?", "Book a session".
INVITATION_HEADING = re.compile(
    r"^(ready|want|book|interested|why not|get in touch|take the first step|next steps?)\b",
    re.IGNORECASE,
)
INVITATION_TEXT = re.compile(
    r"\b(book|booking|appointment|get in touch|contact me|call me)\b", re.IGNORECASE
)
CTA_TEXT_LENGTH = 400  # the call-to-action block's text
BUTTON_LABEL = "Book a session"
# The picture formats a page can show (Wagtail's, less the ones browsers cannot).
PICTURE_FORMATS = {"JPEG": "jpg", "PNG": "png", "GIF": "gif", "WEBP": "webp"}


# -- reading -------------------------------------------------------------------------------


def read_document(filename: str, data: bytes, folder: Path | None = None) -> list[Element]:
    """The elements of an uploaded or given file; GuideImportError when it cannot be read.

    ``folder`` is where the file is, for the pictures a Markdown file links beside it."""
    suffix = Path(filename).suffix.lower()
    if suffix not in ACCEPTED_TYPES:
        hint = " Save it from Word as a .docx first." if suffix in (".doc", ".rtf", ".odt") else ""
        raise GuideImportError(
            f"“{Path(filename).name}” is not a file a guide can be imported from: "
            f"choose a .txt, .md or .docx file.{hint}"
        )
    check_size(filename, len(data))
    if not data.strip():
        raise GuideImportError(f"“{Path(filename).name}” is empty.")
    if suffix in WORD_TYPES:
        return elements_from_docx(data)
    text = _decode(filename, data)
    if suffix in MARKDOWN_TYPES:
        return elements_from_markdown(text, folder)
    return elements_from_text(text)


def check_size(filename: str, size: int) -> None:
    """Refuses a file over 5 MB by its size alone, before it is read."""
    if size > MAX_BYTES:
        raise GuideImportError(
            f"“{Path(filename).name}” is larger than 5 MB: a guide's text is far smaller. "
            "Remove large pictures from the document and try again."
        )


def read_pasted(text: str) -> list[Element]:
    if len(text.encode()) > MAX_BYTES:
        raise GuideImportError(
            "The pasted text is larger than 5 MB: a guide's text is far smaller."
        )
    if not text.strip():
        raise GuideImportError("Nothing was pasted.")
    if MARKDOWN_HEADING.search(text):
        return elements_from_markdown(text)
    return elements_from_text(text)


def _decode(filename: str, data: bytes) -> str:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Older Windows editors save text as Windows-1252.
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError as error:
            raise GuideImportError(
                f"“{Path(filename).name}” is not a text file: its characters could not be read."
            ) from error
    if "\x00" in text:
        raise GuideImportError(f"“{Path(filename).name}” is not a text file.")
    return text


# -- a draft guide from the elements -------------------------------------------------------


def _plural(count: int, word: str, plural: str | None = None) -> str:
    return f"{count} {word if count == 1 else plural or word + 's'}"


@dataclasses.dataclass
class GuideDraft:
    title: str
    seo_title: str = ""
    intro: str = ""
    search_description: str = ""
    body: list[dict] = dataclasses.field(default_factory=list)
    headings: list[str] = dataclasses.field(default_factory=list)
    lists: int = 0
    faq_heading: str = ""
    questions: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    callouts: list[str] = dataclasses.field(default_factory=list)
    call_to_action: str = ""
    pictures: list[Picture] = dataclasses.field(default_factory=list)
    treatments: list[Page] = dataclasses.field(default_factory=list)
    unanswered: list[str] = dataclasses.field(default_factory=list)
    # What the document had that the guide does not, each said in a line.
    unplaced: list[str] = dataclasses.field(default_factory=list)
    # Set when the draft is saved.
    undescribed: list[str] = dataclasses.field(default_factory=list)
    revised: bool = False

    def counts(self) -> str:
        """What was made, counted: "5 headings, 2 lists, 3 questions, 1 callout, 2 pictures"."""
        parts = [
            _plural(len(self.headings), "heading"),
            _plural(self.lists, "list"),
            _plural(len(self.questions), "question"),
            _plural(len(self.callouts), "callout"),
            _plural(len(self.pictures), "picture"),
        ]
        if self.call_to_action:
            parts.append("a booking button")
        return ", ".join(parts)

    def notes(self) -> list[str]:
        """What she should know about the draft, a sentence each."""
        notes = [f"Made {self.counts()}."]
        if self.faq_heading:
            notes.append(f"The FAQ is “{self.faq_heading}”.")
        else:
            notes.append("No FAQ: no questions section was found.")
        if self.callouts:
            notes.append("The warning is " + ", ".join(f"“{c}”" for c in self.callouts) + ".")
        else:
            notes.append("No warning about when to see a doctor was found.")
        if self.call_to_action:
            notes.append(f"“{self.call_to_action}” is a button to the booking page.")
        if self.seo_title:
            notes.append(
                f"The title is the first line; the second, “{self.seo_title}”, is offered as "
                "the title search engines show (Promote tab): change or clear it there."
            )
        if self.treatments:
            notes.append(
                "Suggested treatments: " + ", ".join(page.title for page in self.treatments) + "."
            )
        else:
            notes.append("No treatment is named.")
        if self.undescribed:
            notes.append(
                "Describe "
                + ", ".join(self.undescribed)
                + " (what it shows, for people who cannot see it) before publishing: the "
                "guide cannot be published until then."
            )
        return notes

    def could_not_place(self) -> list[str]:
        lines = list(self.unplaced)
        lines.extend(
            f"The question “{q}” has no answer, so it was left out." for q in self.unanswered
        )
        return lines

    def summary(self) -> str:
        """What was made and what could not be, in a few sentences for the therapist."""
        text = " ".join(self.notes())
        unplaced = self.could_not_place()
        if unplaced:
            text += " Could not place: " + " ".join(unplaced)
        return text


def build_draft(elements: list[Element]) -> GuideDraft:
    elements = list(elements)
    if not any(isinstance(element, Paragraph | ListItems) for element in elements):
        raise GuideImportError("The document has no text to make a guide from.")
    draft = GuideDraft(title=_take_title(elements))
    draft.seo_title = _take_subtitle(elements)
    preamble, sections = _sections(_normalised_levels(elements))

    intro = _take_intro(preamble, sections)
    # The intro is required; a guide with no paragraph at all starts from its title.
    draft.intro = cut_at_word(intro or draft.title, INTRO_LENGTH)
    draft.search_description = cut_at_word(intro, SEARCH_DESCRIPTION_LENGTH)

    body: list[dict] = []
    body.extend(_content_blocks(preamble, draft))
    faq_index = None
    for position, (heading, content) in enumerate(sections):
        if is_questions_heading(heading.text):
            loose, questions = _questions(content, draft)
            if questions:
                body.extend(_content_blocks(loose, draft))
                if faq_index is None:
                    faq_index = len(body)
                    draft.faq_heading = _cut_heading(heading.text, draft)
                    body.append(_faq_block(draft.faq_heading, []))
                body[faq_index]["value"]["items"].extend(
                    {"question": question, "answer": answer} for question, answer in questions
                )
                draft.questions.extend(questions)
                body.extend(_picture_blocks(content, draft))
                continue
        if is_warning_heading(heading.text) and _has_text(content):
            callout_heading = _cut_heading(heading.text, draft)
            draft.callouts.append(callout_heading)
            body.append(
                {
                    "type": "callout",
                    "value": {
                        "variant": "warning",
                        "heading": callout_heading,
                        "body": rich_text(content, draft),
                    },
                }
            )
            body.extend(_picture_blocks(content, draft))
            continue
        is_last = all(not rest for _, rest in sections[position + 1 :])
        if is_last and _invites_booking(heading, content):
            body.append(_call_to_action(heading, content, draft))
            continue
        body.append(_heading_block(heading.text, "h2", draft))
        body.extend(_content_blocks(content, draft))
    draft.body = body
    draft.treatments = named_treatments(draft.title, elements)
    return draft


def _has_text(content: list[Element]) -> bool:
    return any(isinstance(element, Paragraph | ListItems) for element in content)


def _cut_heading(text: str, draft: GuideDraft) -> str:
    cut = cut_at_word(text, HEADING_LENGTH)
    if cut != " ".join(text.split()):
        draft.unplaced.append(
            f"The heading “{text}” is longer than {HEADING_LENGTH} characters; it was shortened."
        )
    return cut


def _take_title(elements: list[Element]) -> str:
    while elements and isinstance(elements[0], Picture):
        elements.pop(0)  # a picture above the title: the title is still the first line
    first = elements.pop(0) if elements else None
    if isinstance(first, Heading):
        title = first.text
    elif isinstance(first, Paragraph) and len(first.text) <= TITLE_LENGTH // 2:
        title = first.text
    else:
        raise GuideImportError(
            "The document has no title: start it with a heading, the guide's title."
        )
    return cut_at_word(title, TITLE_LENGTH, ellipsis="")


def _take_subtitle(elements: list[Element]) -> str:
    if (
        len(elements) >= 2
        and isinstance(elements[0], Heading)
        and isinstance(elements[1], Heading)
        and elements[1].level <= elements[0].level
        and not is_questions_heading(elements[0].text)
        and not is_warning_heading(elements[0].text)
    ):
        return cut_at_word(elements.pop(0).text, TITLE_LENGTH, ellipsis="")
    return ""


def _normalised_levels(elements: list[Element]) -> list[Element]:
    """Headings as the guide has them: the document's top level → sections (2), deeper → 3."""
    levels = [element.level for element in elements if isinstance(element, Heading)]
    top = min(levels, default=2)
    return [
        Heading(2 if element.level == top else 3, element.text)
        if isinstance(element, Heading)
        else element
        for element in elements
    ]


def _sections(elements: list[Element]) -> tuple[list[Element], list[tuple[Heading, list]]]:
    preamble: list[Element] = []
    sections: list[tuple[Heading, list[Element]]] = []
    for element in elements:
        if isinstance(element, Heading) and element.level == 2:
            in_questions = sections and is_questions_heading(sections[-1][0].text)
            if not (in_questions and element.text.endswith("?")):
                sections.append((element, []))
                continue
            # A question written as a section heading stays in the questions section.
            element = Heading(3, element.text)
        (sections[-1][1] if sections else preamble).append(element)
    return preamble, sections


def _take_intro(preamble: list[Element], sections: list) -> str:
    """The first paragraph, taken out of the body: the guide shows it under its title."""
    for element in preamble:
        if isinstance(element, Paragraph):
            preamble.remove(element)
            return element.text
    if sections and INTRODUCTION_HEADING.match(sections[0][0].text.strip(" :")):
        _, content = sections.pop(0)
        for element in content:
            if isinstance(element, Paragraph):
                content.remove(element)
                # The rest of the introduction opens the body, with no heading of its own.
                preamble.extend(content)
                return element.text
        preamble.extend(content)
    for _, content in sections:
        for element in content:
            if isinstance(element, Paragraph):
                return element.text  # kept in its section too: it belongs to it
    return ""


def _questions(content: list[Element], draft: GuideDraft):
    """The questions section's (question, answer) pairs, and what came before the first."""
    loose: list[Element] = []
    questions: list[tuple[str, str]] = []
    question: str | None = None
    answer: list[Element] = []

    def finish():
        if question is None:
            return
        if _has_text(answer):
            questions.append((question, rich_text(answer, draft)))
        else:
            draft.unanswered.append(question)

    for element in content:
        if isinstance(element, Picture):
            continue  # placed after the FAQ (_picture_blocks)
        asked = _question_in(element)
        if asked is not None:
            finish()
            question, answer = asked
            continue
        if isinstance(element, ListItems) and _all_questions(element):
            # "1. Does it hurt?" or "- Does it hurt?" lines: each a question, the text
            # after the last its answer.
            for text in element.texts:
                finish()
                question, answer = cut_at_word(_unmarked(text), QUESTION_LENGTH), []
            continue
        if isinstance(element, Paragraph) and ANSWER_PREFIX.match(element.text):
            element = Paragraph(
                strip_leading_text(element.html, ANSWER_PREFIX),
                ANSWER_PREFIX.sub("", element.text, count=1),
            )
        if isinstance(element, Heading) and question is None:
            draft.unplaced.append(
                f"The heading “{element.text}” in the questions section, before any question, "
                "was left out."
            )
            continue
        (answer if question is not None else loose).append(element)
    finish()
    return loose, questions


def _unmarked(text: str) -> str:
    """A question without its "Q:", "1." or bullet."""
    text = QUESTION_PREFIX.sub("", text, count=1)
    text = NUMBERED.sub(r"\g<rest>", text)
    return BULLET.sub(r"\g<rest>", text)


def _question_in(element: Element) -> tuple[str, list[Element]] | None:
    """(the question, the start of its answer) if the element asks one."""
    if isinstance(element, Heading) and element.text.endswith("?"):
        return cut_at_word(_unmarked(element.text), QUESTION_LENGTH), []
    if not isinstance(element, Paragraph):
        return None
    text = element.text
    if QUESTION_PREFIX.match(text):
        text = QUESTION_PREFIX.sub("", text, count=1)
        # "Q: Does it hurt? A: No." on one line.
        parts = re.split(r"\s+(?:A|Answer)\s*:\s*", text, maxsplit=1)
        answer = [Paragraph(escape(parts[1]), parts[1])] if len(parts) == 2 else []
        return cut_at_word(parts[0], QUESTION_LENGTH), answer
    if text.endswith("?") and (element.bold or NUMBERED.match(text) or BULLET.match(text)):
        return cut_at_word(_unmarked(text), QUESTION_LENGTH), []
    return None


def _all_questions(element: ListItems) -> bool:
    return all(text.endswith("?") for text in element.texts)


def _invites_booking(heading: Heading, content: list[Element]) -> bool:
    """A short closing section that asks the reader to book."""
    paragraphs = [element for element in content if isinstance(element, Paragraph)]
    if not paragraphs or len(paragraphs) != len(content) or len(paragraphs) > 2:
        return False
    text = " ".join(paragraph.text for paragraph in paragraphs)
    return bool(INVITATION_HEADING.match(heading.text)) and (
        bool(INVITATION_TEXT.search(text)) or bool(INVITATION_TEXT.search(heading.text))
    )


def _call_to_action(heading: Heading, content: list[Element], draft: GuideDraft) -> dict:
    draft.call_to_action = _cut_heading(heading.text, draft)
    text = " ".join(element.text for element in content if isinstance(element, Paragraph))
    if len(text) > CTA_TEXT_LENGTH:
        draft.unplaced.append(
            f"The booking invitation’s text is longer than {CTA_TEXT_LENGTH} characters; "
            "it was shortened."
        )
    return {
        "type": "call_to_action",
        "value": {
            "heading": draft.call_to_action,
            "text": cut_at_word(text, CTA_TEXT_LENGTH),
            "button_label": BUTTON_LABEL,
            "page": None,  # the booking page, found when the draft is saved
        },
    }


# -- blocks --------------------------------------------------------------------------------


def _heading_block(text: str, level: str, draft: GuideDraft) -> dict:
    text = _cut_heading(text, draft)
    draft.headings.append(text)
    return {"type": "heading", "value": {"text": text, "level": level}}


def _faq_block(heading: str, items: list[dict]) -> dict:
    return {"type": "faq", "value": {"heading": heading, "items": items}}


def _picture_block(picture: Picture, draft: GuideDraft) -> dict:
    draft.pictures.append(picture)
    # The image is made when the draft is saved (save_pictures); until then, the picture.
    return {"type": "image", "value": {"picture": picture, "caption": picture.caption[:250]}}


def _picture_blocks(content: list[Element], draft: GuideDraft) -> list[dict]:
    return [_picture_block(element, draft) for element in content if isinstance(element, Picture)]


def _content_blocks(content: list[Element], draft: GuideDraft) -> list[dict]:
    """Sub-headings as heading blocks; each run of paragraphs and lists as one text block;
    each picture as an image block."""
    blocks: list[dict] = []
    run: list[Element] = []
    for element in [*content, None]:
        if isinstance(element, Paragraph | ListItems):
            run.append(element)
            continue
        if run:
            blocks.append({"type": "paragraph", "value": rich_text(run, draft)})
            run = []
        if isinstance(element, Heading):
            blocks.append(_heading_block(element.text, "h3", draft))
        elif isinstance(element, Picture):
            blocks.append(_picture_block(element, draft))
    return blocks


_converter = EditorHTMLConverter(features=RICH_TEXT_FEATURES)


def rich_text(elements: list[Element], draft: GuideDraft | None = None) -> str:
    """Wagtail rich text of paragraphs and lists, with only the features guides allow.
    Pictures are not text: the callers place them as blocks of their own."""
    parts = []
    for element in elements:
        if isinstance(element, ListItems):
            tag = "ol" if element.ordered else "ul"
            items = "".join(f"<li>{item}</li>" for item in element.items)
            parts.append(f"<{tag}>{items}</{tag}>")
            if draft is not None:
                draft.lists += 1
        elif isinstance(element, Paragraph):
            parts.append(f"<p>{element.html}</p>")
        elif isinstance(element, Heading):
            # A sub-heading inside a callout or an answer: bold, as text allows no headings.
            parts.append(f"<p><b>{escape(element.text)}</b></p>")
    return _converter.to_database_format("".join(parts))


def cut_at_word(text: str, limit: int, ellipsis: str = "…") -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - len(ellipsis) + 1]
    cut = cut[: cut.rfind(" ")] if " " in cut else cut[: limit - len(ellipsis)]
    return cut.rstrip(" ,;:–—-") + ellipsis


# -- treatments ----------------------------------------------------------------------------


def live_treatments():
    """The live, public treatment pages, read through Wagtail's page tree."""
    try:
        service_type = ContentType.objects.get_by_natural_key(*SERVICE_PAGE)
    except ContentType.DoesNotExist:
        return Page.objects.none()
    return public(Page.objects.live().filter(content_type=service_type)).order_by("path")


def named_treatments(title: str, elements: list[Element]) -> list[Page]:
    text = " ".join([title, *_texts(elements)])
    named = []
    for page in live_treatments():
        words = r"\s+".join(re.escape(word) for word in page.title.split())
        if re.search(rf"(?<!\w){words}(?!\w)", text, re.IGNORECASE):
            named.append(page)
    return named


def _texts(elements: list[Element]):
    for element in elements:
        if isinstance(element, ListItems):
            yield from element.texts
        elif isinstance(element, Picture):
            yield element.caption
        else:
            yield element.text


def booking_page() -> Page | None:
    """The live booking page, read through Wagtail's page tree."""
    try:
        booking_type = ContentType.objects.get_by_natural_key(*BOOKING_PAGE)
    except ContentType.DoesNotExist:
        return None
    return Page.objects.live().filter(content_type=booking_type).order_by("path").first()


# -- her defaults --------------------------------------------------------------------------


def default_author(user=None) -> Author | None:
    """The practice's therapist: the author named as the importing user is, or the one author."""
    if user is not None and user.get_full_name():
        named = Author.objects.filter(name__iexact=user.get_full_name()).first()
        if named is not None:
            return named
    authors = list(Author.objects.order_by("pk")[:2])
    return authors[0] if len(authors) == 1 else None


# -- pictures ------------------------------------------------------------------------------


def save_pictures(draft: GuideDraft, user=None) -> None:
    """Each picture of the draft's body → a Wagtail image, in place; one that cannot be
    shown leaves the body and is said in ``draft.unplaced``."""
    body = []
    saved: list[Picture] = []
    for block in draft.body:
        if block["type"] != "image":
            body.append(block)
            continue
        picture = block["value"]["picture"]
        image = _save_picture(picture, draft, len(saved) + 1, user)
        if image is None:
            continue
        saved.append(picture)
        if not image.description:
            draft.undescribed.append(f"the picture “{image.title}”")
        body.append(
            {
                "type": "image",
                "value": {
                    "image": {
                        "image": image.pk,
                        "alt_text": image.description,
                        "decorative": False,
                    },
                    "caption": block["value"]["caption"],
                },
            }
        )
    draft.body = body
    draft.pictures = saved


def _save_picture(picture: Picture, draft: GuideDraft, number: int, user):
    if picture.data is None:
        draft.unplaced.append(
            f"The picture {picture.name} is not in what was imported: add it under Images, "
            "then to the guide."
        )
        return None
    try:
        with PillowImage.open(io.BytesIO(picture.data)) as opened:
            kind, size = opened.format, opened.size
    except (OSError, PillowImage.DecompressionBombError, ValueError):
        kind, size = None, (0, 0)
    if kind not in PICTURE_FORMATS:
        draft.unplaced.append(
            f"The picture {picture.name} is in a form a web page cannot show "
            "(save it as a JPEG or PNG and add it under Images)."
        )
        return None
    if size[0] * size[1] > settings.WAGTAILIMAGES_MAX_IMAGE_PIXELS:
        draft.unplaced.append(
            f"The picture {picture.name} is far too large to show; add a smaller copy."
        )
        return None
    title = picture.caption or picture.description or f"{draft.title}, {picture.name}"
    name = f"{slugify(draft.title)[:60] or 'guide'}-{number}.{PICTURE_FORMATS[kind]}"
    image = get_image_model()(
        title=cut_at_word(title, TITLE_LENGTH),
        description=picture.description,
        file=ImageFile(io.BytesIO(picture.data), name=name),
        uploaded_by_user=user,
    )
    image.save()
    return image


# -- the draft page ------------------------------------------------------------------------


def default_parent() -> Page:
    index = BlogIndexPage.objects.first()
    if index is None:
        raise GuideImportError("There is no guides index to put the guide under.")
    return index


def check_parent(parent: Page) -> Page:
    parent = parent.specific
    if not BlogPage.can_create_at(parent):
        raise GuideImportError(f"A guide cannot be added under “{parent.title}”.")
    return parent


def existing_guide(title: str, parent: Page | None = None) -> BlogPage | None:
    """The guide under ``parent`` that this document already is: the same title, as
    published or as drafted, or the address its title gives."""
    parent = check_parent(parent or default_parent())
    guides = BlogPage.objects.child_of(parent)
    title = " ".join(title.split())
    return (
        guides.filter(title__iexact=title).first()
        or guides.filter(draft_title__iexact=title).first()
        or guides.filter(slug=slugify(title)[:200]).first()
    )


def _link_call_to_action(draft: GuideDraft) -> None:
    page = booking_page()
    for index, block in enumerate(draft.body):
        if block["type"] != "call_to_action":
            continue
        if page is not None:
            block["value"]["page"] = page.pk
            continue
        # No booking page to link to: the invitation stays as the heading and text it was.
        value = block["value"]
        draft.body[index : index + 1] = [
            _heading_block(value["heading"], "h2", draft),
            {"type": "paragraph", "value": f"<p>{escape(value['text'])}</p>"},
        ]
        draft.call_to_action = ""
        draft.unplaced.append("There is no booking page, so the booking invitation is plain text.")


def _fill(guide: BlogPage, draft: GuideDraft, user) -> None:
    guide.title = guide.draft_title = draft.title
    guide.seo_title = draft.seo_title
    guide.search_description = draft.search_description
    guide.intro = draft.intro
    guide.body = draft.body
    guide.author = guide.author or default_author(user)
    guide.last_reviewed = timezone.localdate()


@transaction.atomic
def create_draft(
    draft: GuideDraft, parent: Page | None = None, user=None, revise: BlogPage | None = None
) -> BlogPage:
    """The guide as a draft page (never live) with one revision, under ``parent``; or, given
    the guide it already is (``revise``), a new draft revision of that guide, its live
    version left as it is."""
    parent = check_parent(parent or default_parent())
    save_pictures(draft, user)
    _link_call_to_action(draft)
    if revise is not None:
        guide = revise.get_latest_revision_as_object()
        _fill(guide, draft, user)
        guide.related_services = [page.specific for page in draft.treatments]
        guide.save_revision(user=user, log_action=True)
        draft.revised = True
        return BlogPage.objects.get(pk=guide.pk)
    guide = BlogPage(
        slug=find_available_slug(parent, slugify(draft.title)[:200] or "guide"),
        date=timezone.localdate(),
        live=False,
        owner=user,
    )
    _fill(guide, draft, user)
    try:
        parent.add_child(instance=guide)
    except ValidationError as error:
        raise GuideImportError(" ".join(error.messages)) from error
    guide.related_services = [page.specific for page in draft.treatments]
    guide.save_revision(user=user, log_action=True)
    return guide


def import_guide(
    elements: list[Element], parent: Page | None = None, user=None, separate: bool = False
):
    """(the draft page, what was made) from a document's elements. A guide already under
    ``parent`` with the same title gets a new draft, unless ``separate``."""
    draft = build_draft(elements)
    revise = None if separate else existing_guide(draft.title, parent)
    return create_draft(draft, parent=parent, user=user, revise=revise), draft


def made(guide, draft) -> str:
    """The first words of what the import says: which draft it made, and what is in it."""
    if draft.revised:
        opening = (
            f"“{guide.title}” was already a guide: this is a new draft of it. Compare it "
            "with the earlier version under History."
        )
        if guide.live:
            opening += " The published guide stays as it is until you publish the draft."
    else:
        opening = f"“{guide.title}” is a draft: nothing is published yet."
    return " ".join([opening, *draft.notes()])
