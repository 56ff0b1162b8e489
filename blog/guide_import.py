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
- every other section → its heading, its sub-headings and its text (paragraphs and lists,
  bold, italic and links);
- the live treatments named anywhere in it → suggested related treatments.

Nothing is published: the result is a draft under the guides index.
"""

import dataclasses
import re
from pathlib import Path

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.html import escape
from django.utils.text import slugify
from wagtail.admin.rich_text.converters.editor_html import EditorHTMLConverter
from wagtail.coreutils import find_available_slug
from wagtail.models import Page

from home.blocks import RICH_TEXT_FEATURES
from home.private_sections import public

from .guide_docx import elements_from_docx
from .guide_elements import (
    ANSWER_PREFIX,
    NUMBERED,
    QUESTION_PREFIX,
    Element,
    GuideImportError,
    Heading,
    ListItems,
    Paragraph,
    is_questions_heading,
    is_warning_heading,
    strip_leading_text,
)
from .guide_markdown import elements_from_markdown
from .guide_text import elements_from_text
from .models import BlogIndexPage, BlogPage

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


# -- reading -------------------------------------------------------------------------------


def read_document(filename: str, data: bytes) -> list[Element]:
    """The elements of an uploaded or given file; GuideImportError when it cannot be read."""
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
        return elements_from_markdown(text)
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


@dataclasses.dataclass
class GuideDraft:
    title: str
    seo_title: str = ""
    intro: str = ""
    search_description: str = ""
    body: list[dict] = dataclasses.field(default_factory=list)
    headings: list[str] = dataclasses.field(default_factory=list)
    faq_heading: str = ""
    questions: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    callouts: list[str] = dataclasses.field(default_factory=list)
    treatments: list[Page] = dataclasses.field(default_factory=list)
    unanswered: list[str] = dataclasses.field(default_factory=list)

    def summary(self) -> str:
        """What was recognised, in a sentence or two for the therapist."""
        parts = [f"{len(self.headings)} heading{'s' if len(self.headings) != 1 else ''}"]
        if self.questions:
            parts.append(
                f"{len(self.questions)} question{'s' if len(self.questions) != 1 else ''} "
                "in the FAQ"
            )
        else:
            parts.append("no FAQ")
        if self.callouts:
            parts.append("the warning " + ", ".join(f"“{c}”" for c in self.callouts))
        else:
            parts.append("no warning about when to see a doctor")
        if self.treatments:
            parts.append(
                "suggested treatments: " + ", ".join(page.title for page in self.treatments)
            )
        else:
            parts.append("no treatment named")
        text = "Recognised " + "; ".join(parts) + "."
        if self.unanswered:
            text += " Questions with no answer, left out: " + "; ".join(self.unanswered) + "."
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
    for heading, content in sections:
        if is_questions_heading(heading.text):
            loose, questions = _questions(content, draft)
            if questions:
                body.extend(_content_blocks(loose, draft))
                if faq_index is None:
                    faq_index = len(body)
                    draft.faq_heading = cut_at_word(heading.text, HEADING_LENGTH)
                    body.append(_faq_block(draft.faq_heading, []))
                body[faq_index]["value"]["items"].extend(
                    {"question": question, "answer": answer} for question, answer in questions
                )
                draft.questions.extend(questions)
                continue
        if is_warning_heading(heading.text) and content:
            callout_heading = cut_at_word(heading.text, HEADING_LENGTH)
            draft.callouts.append(callout_heading)
            body.append(
                {
                    "type": "callout",
                    "value": {
                        "variant": "warning",
                        "heading": callout_heading,
                        "body": rich_text(content),
                    },
                }
            )
            continue
        body.append(_heading_block(heading.text, "h2", draft))
        body.extend(_content_blocks(content, draft))
    draft.body = body
    draft.treatments = named_treatments(draft.title, elements)
    return draft


def _take_title(elements: list[Element]) -> str:
    first = elements.pop(0)
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
        if answer:
            questions.append((question, rich_text(answer)))
        else:
            draft.unanswered.append(question)

    for element in content:
        asked = _question_in(element)
        if asked is not None:
            finish()
            question, answer = asked
            continue
        if isinstance(element, ListItems) and element.ordered and _all_questions(element):
            for text in element.texts:
                finish()
                question, answer = cut_at_word(text, QUESTION_LENGTH), []
            continue
        if isinstance(element, Paragraph) and ANSWER_PREFIX.match(element.text):
            element = Paragraph(
                strip_leading_text(element.html, ANSWER_PREFIX),
                ANSWER_PREFIX.sub("", element.text, count=1),
            )
        if isinstance(element, Heading) and question is None:
            continue  # a grouping heading before any question
        (answer if question is not None else loose).append(element)
    finish()
    return loose, questions


def _question_in(element: Element) -> tuple[str, list[Element]] | None:
    """(the question, the start of its answer) if the element asks one."""
    if isinstance(element, Heading) and element.text.endswith("?"):
        text = QUESTION_PREFIX.sub("", element.text, count=1)
        return cut_at_word(NUMBERED.sub(r"\g<rest>", text), QUESTION_LENGTH), []
    if not isinstance(element, Paragraph):
        return None
    text = element.text
    if QUESTION_PREFIX.match(text):
        text = QUESTION_PREFIX.sub("", text, count=1)
        # "Q: Does it hurt? A: No." on one line.
        parts = re.split(r"\s+(?:A|Answer)\s*:\s*", text, maxsplit=1)
        answer = [Paragraph(escape(parts[1]), parts[1])] if len(parts) == 2 else []
        return cut_at_word(parts[0], QUESTION_LENGTH), answer
    if text.endswith("?") and (element.bold or NUMBERED.match(text)):
        return cut_at_word(NUMBERED.sub(r"\g<rest>", text), QUESTION_LENGTH), []
    return None


def _all_questions(element: ListItems) -> bool:
    return all(text.endswith("?") for text in element.texts)


# -- blocks --------------------------------------------------------------------------------


def _heading_block(text: str, level: str, draft: GuideDraft) -> dict:
    text = cut_at_word(text, HEADING_LENGTH)
    draft.headings.append(text)
    return {"type": "heading", "value": {"text": text, "level": level}}


def _faq_block(heading: str, items: list[dict]) -> dict:
    return {"type": "faq", "value": {"heading": heading, "items": items}}


def _content_blocks(content: list[Element], draft: GuideDraft) -> list[dict]:
    """Sub-headings as heading blocks; each run of paragraphs and lists as one text block."""
    blocks: list[dict] = []
    run: list[Element] = []
    for element in [*content, None]:
        if isinstance(element, Paragraph | ListItems):
            run.append(element)
            continue
        if run:
            blocks.append({"type": "paragraph", "value": rich_text(run)})
            run = []
        if isinstance(element, Heading):
            blocks.append(_heading_block(element.text, "h3", draft))
    return blocks


_converter = EditorHTMLConverter(features=RICH_TEXT_FEATURES)


def rich_text(elements: list[Element]) -> str:
    """Wagtail rich text of paragraphs and lists, with only the features guides allow."""
    parts = []
    for element in elements:
        if isinstance(element, ListItems):
            tag = "ol" if element.ordered else "ul"
            items = "".join(f"<li>{item}</li>" for item in element.items)
            parts.append(f"<{tag}>{items}</{tag}>")
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
        else:
            yield element.text


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


@transaction.atomic
def create_draft(draft: GuideDraft, parent: Page | None = None, user=None) -> BlogPage:
    """The guide as a draft page (never live) with one revision, under ``parent``."""
    parent = check_parent(parent or default_parent())
    guide = BlogPage(
        title=draft.title,
        draft_title=draft.title,
        slug=find_available_slug(parent, slugify(draft.title)[:200] or "guide"),
        seo_title=draft.seo_title,
        search_description=draft.search_description,
        intro=draft.intro,
        date=timezone.localdate(),
        body=draft.body,
        live=False,
        owner=user,
    )
    try:
        parent.add_child(instance=guide)
    except ValidationError as error:
        raise GuideImportError(" ".join(error.messages)) from error
    guide.related_services = [page.specific for page in draft.treatments]
    guide.save_revision(user=user, log_action=True)
    return guide


def import_guide(elements: list[Element], parent: Page | None = None, user=None):
    """(the draft page, what was recognised) from a document's elements."""
    draft = build_draft(elements)
    return create_draft(draft, parent=parent, user=user), draft
