"""A plain-text guide → elements, read as the practice writes its guides.

The conventions, taken from the practice's own sciatica guide:

- the first line is the title;
- a heading is a short line in Title Case with no full stop ("What Causes Sciatica?",
  "Self-Care Between Massage Sessions"), or a short question; or a short line in sentence
  case ("When to seek medical advice") that stands alone, followed by its paragraph, with or
  without a blank line between;
- a line ending in ":" introduces a list of short lines in sentence case, or sub-headings
  that share a form ("Releasing Muscle Tension", "Improving Blood Flow", …);
- "Name – what it does." lines in a row are a list of terms;
- lines starting "-", "*" or "•" are bullets, "1." or "1)" numbered items;
- every other line is a paragraph. A paragraph that runs into the next heading with no line
  break ("…nerve compression.Improving Blood Flow") is split there.

Blank lines end a list, except between two items marked alike ("- a", blank, "- b"); text
pasted from an email or a word processor, with a blank line after every line, is read as
if it had none. Wrapped lines (a line continuing in lower case) are joined.
"""

import html
import re

from .guide_elements import (
    ANSWER_PREFIX,
    BULLET,
    NUMBERED,
    QUESTION_PREFIX,
    Element,
    Heading,
    ListItems,
    is_questions_heading,
    is_warning_heading,
    plain_paragraph,
)

SMALL_WORDS = {
    "a", "an", "and", "as", "at", "but", "by", "for", "from", "if", "in", "into", "is", "it",
    "nor", "of", "on", "or", "so", "than", "the", "to", "up", "vs", "via", "with", "yet",
}  # fmt: skip
WORD = re.compile(r"[^\W\d_][\w’'-]*")
TERM = re.compile(r"^(?P<term>[^\W\d_][^–—:]{1,60}?)\s+[–—-]\s+(?P<rest>\S.*)$")
RUN_TOGETHER = re.compile(r"^(?P<before>.*\S[.!?”\"’)])(?P<after>[A-Z][^.!?:]{2,80}\??)$")
MAX_HEADING = 100
# A heading in sentence case is short: "When to seek medical advice", "Why sitting hurts".
MAX_PLAIN_HEADING = 70
MAX_PLAIN_HEADING_WORDS = 10
# Characters pasting brings with it: no-break and zero-width spaces, Unicode line breaks.
PASTED = str.maketrans(
    {"\xa0": " ", "\t": " ", "\u200b": "", "\ufeff": "", "\u2028": "\n", "\u2029": "\n"}
)
MAX_LIST_ITEM = 160
ENDS_SENTENCE = (".", "!", ";", ",", ":", "…")


def title_case(text: str) -> bool:
    words = [word for word in WORD.findall(text) if word.lower() not in SMALL_WORDS]
    return bool(words) and all(word[0].isupper() for word in words)


def looks_like_heading(line: str) -> bool:
    if len(line) > MAX_HEADING or line.endswith(ENDS_SENTENCE):
        return False
    if QUESTION_PREFIX.match(line) or ANSWER_PREFIX.match(line) or BULLET.match(line):
        return False
    if NUMBERED.match(line):
        return False
    return title_case(line) or line.endswith("?")


def plain_heading(line: str, before: str, after: str) -> bool:
    """A short line in sentence case that stands alone: a blank line (or the start) before
    it, and a paragraph after it, a sentence longer than the line."""
    if len(line) > MAX_PLAIN_HEADING or len(line.split()) > MAX_PLAIN_HEADING_WORDS:
        return False
    if line.endswith(ENDS_SENTENCE) or not line[0].isupper() or not looks_like_text(after):
        return False
    if QUESTION_PREFIX.match(line) or ANSWER_PREFIX.match(line) or BULLET.match(line):
        return False
    return not before or looks_like_text(before) or before.endswith((".", "!"))


def special_heading(line: str) -> bool:
    """A short line naming the questions or the warning section, in any case."""
    return (
        len(line) <= MAX_PLAIN_HEADING
        and not line.endswith(ENDS_SENTENCE)
        and line[0].isupper()
        and not BULLET.match(line)
        and not NUMBERED.match(line)
        and (is_questions_heading(line) or is_warning_heading(line))
    )


def looks_like_text(line: str) -> bool:
    return len(line) > 40 and line.endswith((".", "!", "?", "…", ":", ")", "”", '"'))


def _form(heading: str) -> str:
    """The form sub-headings in a row share: how their first word ends ("…ing")."""
    first = WORD.findall(heading)
    return first[0][-3:].lower() if first else ""


def _double_spaced(raw: list[str]) -> bool:
    """A blank line after (nearly) every line: pasted from an email or a word processor."""
    texts = [index for index, line in enumerate(raw[:-1]) if line]
    if len(texts) < 4:
        return False
    followed_by_blank = sum(1 for index in texts if not raw[index + 1])
    return followed_by_blank >= 0.8 * len(texts)


def _single_spaced(raw: list[str]) -> list[str]:
    """Double-spaced lines with their blank lines taken out; two blank lines stay one."""
    lines: list[str] = []
    blanks = 0
    for line in raw:
        if not line:
            blanks += 1
            continue
        if blanks >= 2 and lines:
            lines.append("")
        blanks = 0
        lines.append(line)
    return lines


def _lines(text: str) -> list[str]:
    """The text's lines, wrapped lines joined and run-together headings split off."""
    text = text.translate(PASTED).replace("\r\n", "\n").replace("\r", "\n")
    raw = [" ".join(line.split()) for line in text.split("\n")]
    if _double_spaced(raw):
        raw = _single_spaced(raw)
    lines: list[str] = []
    for line in raw:
        previous = lines[-1] if lines else ""
        if (
            line
            and previous
            and line[0].islower()
            and not previous.endswith((".", "!", "?", ":"))
            and len(previous) > MAX_HEADING // 2
        ):
            lines[-1] = f"{previous} {line}"
            continue
        match = RUN_TOGETHER.match(line)
        if match and title_case(match["after"]) and len(match["after"].split()) <= 8:
            lines.extend([match["before"], match["after"]])
        else:
            lines.append(line)
    return lines


def _next_text(lines: list[str], index: int) -> str:
    for line in lines[index + 1 :]:
        if line:
            return line
    return ""


def _marked_alike(first: str, second: str) -> bool:
    """Two list items marked the same way, bullets or numbers."""
    return bool(
        (BULLET.match(first) and BULLET.match(second))
        or (NUMBERED.match(first) and NUMBERED.match(second))
    )


def _item_html(line: str) -> str:
    term = TERM.match(line)
    if term and title_case(term["term"]):
        return f"<b>{html.escape(term['term'], quote=False)}</b> – " + html.escape(
            term["rest"], quote=False
        )
    return html.escape(line, quote=False)


def elements_from_text(text: str) -> list[Element]:
    lines = _lines(text)
    elements: list[Element] = []
    in_questions = False
    after_colon = False  # the last paragraph ended with ":", introducing a list or sub-headings
    subheading_form: str | None = None
    open_list: ListItems | None = None
    list_marked = False  # the open list's items are marked ("-", "1."): unmarked lines end it

    def add_item(ordered: bool, rich: str, plain: str, marked: bool = False):
        nonlocal open_list, after_colon, list_marked
        after_colon = False  # a heading after a list is no sub-heading of the colon's line
        if open_list is None or open_list.ordered != ordered:
            open_list = ListItems(ordered=ordered, items=[], texts=[])
            list_marked = marked
            elements.append(open_list)
        open_list.items.append(rich)
        open_list.texts.append(plain)

    for index, line in enumerate(lines):
        if not line:
            previous = lines[index - 1] if index else ""
            if not _marked_alike(previous, _next_text(lines, index)):
                open_list = None
            continue
        if not elements:
            elements.append(Heading(1, line))
            continue
        following = _next_text(lines, index)
        before = lines[index - 1] if index else ""
        bullet, numbered = BULLET.match(line), NUMBERED.match(line)
        term = TERM.match(line)
        terms_in_a_row = bool(
            term and title_case(term["term"]) and (open_list is not None or TERM.match(following))
        )
        if bullet and not (in_questions and line.endswith("?")):
            add_item(False, _item_html(bullet["rest"]), bullet["rest"], marked=True)
            continue
        if numbered and not (in_questions and line.endswith("?")):
            add_item(True, _item_html(numbered["rest"]), numbered["rest"], marked=True)
            continue
        if terms_in_a_row:
            add_item(False, _item_html(line), line)
            continue
        if open_list is not None and list_marked:
            open_list = None  # an unmarked line after "- a", "- b" is not an item
        in_a_list = after_colon or open_list is not None
        if following and (
            looks_like_heading(line)
            or (not in_a_list and plain_heading(line, before, following))
            or (not after_colon and special_heading(line))
        ):
            open_list = None
            if in_questions and line.endswith("?"):
                elements.append(Heading(3, line))  # a question of the questions section
                continue
            level = 2
            special = is_questions_heading(line) or is_warning_heading(line)
            if after_colon and not special:
                subheading_form = _form(line)
                level = 3
            elif subheading_form and not special and _form(line) == subheading_form:
                level = 3
            else:
                subheading_form = None
            in_questions = level == 2 and is_questions_heading(line)
            after_colon = False
            elements.append(Heading(level, line))
            continue
        if (
            (after_colon or open_list is not None)
            and not line.endswith(ENDS_SENTENCE)
            and len(line) <= MAX_LIST_ITEM
            and not QUESTION_PREFIX.match(line)
            and not ANSWER_PREFIX.match(line)
        ):
            add_item(False, _item_html(line), line)
            continue
        open_list = None
        after_colon = line.endswith(":")
        elements.append(plain_paragraph(line))
    return elements
