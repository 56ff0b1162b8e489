"""Checks while she writes: warnings about a page's text, never reasons to refuse it.

Each check reads a page as the editor has it (a draft, or a page built from the edit form
before it is saved) and returns plain-language warnings. A page type may add its own by
defining ``writing_warnings()`` (a guide asks for an FAQ and a related treatment).
"""

import re
from dataclasses import dataclass

from django.utils.html import strip_tags
from wagtail.blocks import StreamValue, StructValue
from wagtail.blocks.list_block import ListValue
from wagtail.rich_text import RichText

# What search engines show before they cut the text off.
TITLE_MAX = 60
SEARCH_DESCRIPTION_MAX = 160
# Below this, Flesch reading ease says little.
READING_EASE_MIN_WORDS = 30

# Words a health regulator (the ASA, the CNHC's code) reads as a medical claim, with what
# to say instead. Matched as whole words, in any case.
CLAIM_WORDS = {
    "cure": "“relieve” or “ease”",
    "cures": "“relieves” or “eases”",
    "cured": "“relieved” or “eased”",
    "curing": "“relieving” or “easing”",
    "guarantee": "“many clients find” or “may help”",
    "guaranteed": "“many clients find” or “may help”",
    "guarantees": "“many clients find” or “may help”",
    "heal": "“help” or “support”",
    "heals": "“may help” or “supports”",
    "healing": "“recovery” or “easing”",
    "miracle": "a plain description of what clients notice",
    "miraculous": "a plain description of what clients notice",
    "permanent": "“lasting for many clients”",
    "permanently": "“for many clients, for some time”",
    "eliminate": "“reduce” or “ease”",
    "eliminates": "“may reduce” or “eases”",
    "detox": "“relax” (massage does not remove toxins)",
    "detoxify": "“relax” (massage does not remove toxins)",
    "proven": "“research suggests” (and link the research)",
}
CLAIM_PATTERN = re.compile(r"\b(" + "|".join(CLAIM_WORDS) + r")\b", re.IGNORECASE)
# A claim word is no claim in a question ("Is massage a cure?"), in quotation marks (it
# doesn't “cure”), or after a negation close before it ("not a cure", "no guarantee").
SENTENCE = re.compile(r"[^.!?]+(?:[.!?]+[”\"’]?|$)")
QUOTED = re.compile(r"“[^”]*”|\"[^\"]*\"|‘[^’]*’|(?<!\w)'[^']*'(?!\w)")
NEGATION = re.compile(
    r"\b(not|no|never|nor|without|cannot|neither|isn['’]t|aren['’]t|doesn['’]t|don['’]t|"
    r"didn['’]t|won['’]t|can['’]t|couldn['’]t|shouldn['’]t|wouldn['’]t|nothing|nobody)\b",
    re.IGNORECASE,
)
NEGATION_REACH = 4  # words before the claim word that a negation covers

# A paragraph or list item with nothing a reader would see.
EMPTY_PARAGRAPH = re.compile(r"<p(?:\s[^>]*)?>(?:\s|&nbsp;|<br\s*/?>)*</p>", re.IGNORECASE)
EMPTY_LIST_ITEM = re.compile(r"<li(?:\s[^>]*)?>(?:\s|&nbsp;|<br\s*/?>)*</li>", re.IGNORECASE)
EMPTY_LIST = re.compile(r"<(ul|ol)(?:\s[^>]*)?>\s*</\1>", re.IGNORECASE)
HTML_HEADING = re.compile(r"<h([1-6])[\s>]", re.IGNORECASE)
# Where one piece of text ends and the next begins, for counting sentences.
BLOCK_END = re.compile(r"</(?:p|li|h[1-6]|blockquote)>", re.IGNORECASE)
SENTENCE_END = re.compile(r"[.!?]+(?:\s|$)")
WORD = re.compile(r"[A-Za-z]+(?:['’][A-Za-z]+)*")


@dataclass(frozen=True)
class WritingWarning:
    check: str  # a short, stable name, e.g. "claim-words"
    message: str


@dataclass(frozen=True)
class ReadingEase:
    score: float | None
    words: int

    @property
    def in_plain_words(self) -> str:
        if self.score is None:
            return "Too little text to score yet."
        if self.score >= 80:
            return "Very easy to read."
        if self.score >= 60:
            return "Easy to read for most adults."
        if self.score >= 50:
            return "Fairly hard to read: some readers will struggle."
        if self.score >= 30:
            return "Hard to read: try shorter sentences and everyday words."
        return "Very hard to read: most people would give up. Shorten sentences and words."

    @property
    def is_hard(self) -> bool:
        return self.score is not None and self.score < 50


@dataclass(frozen=True)
class WritingReport:
    warnings: list[WritingWarning]
    reading_ease: ReadingEase


# -- reading ease -------------------------------------------------------------


def syllables(word: str) -> int:
    """An English word's syllables, estimated from its groups of vowels."""
    word = word.lower().replace("’", "'").split("'")[0]
    if not word:
        return 0
    groups = re.findall(r"[aeiouy]+", word)
    count = len(groups)
    # A silent final "e" ("ease", "make"), but not "-le" after a consonant ("gentle").
    consonant_le = word.endswith("le") and len(word) > 2 and word[-3] not in "aeiouy"
    if word.endswith("e") and not word.endswith(("ee", "ye")) and not consonant_le and count > 1:
        count -= 1
    return max(1, count)


def reading_ease(text_pieces: list[str]) -> ReadingEase:
    """Flesch reading ease of the text: 206.835 − 1.015 × words per sentence − 84.6 ×
    syllables per word. Each piece (a paragraph, a heading, a list item) ends a sentence."""
    sentences = 0
    words: list[str] = []
    for piece in text_pieces:
        piece_words = WORD.findall(piece)
        if not piece_words:
            continue
        words.extend(piece_words)
        ends = len(SENTENCE_END.findall(piece.strip()))
        # A piece not ending in a full stop (a heading, a bullet) still ends a sentence.
        if not SENTENCE_END.search(piece.strip()[-1:] + " "):
            ends += 1
        sentences += max(1, ends)
    if len(words) < READING_EASE_MIN_WORDS:
        return ReadingEase(None, len(words))
    score = (
        206.835
        - 1.015 * (len(words) / sentences)
        - 84.6 * (sum(syllables(word) for word in words) / len(words))
    )
    return ReadingEase(round(score, 1), len(words))


# -- reading a page's stream -----------------------------------------------------


def rich_texts(value):
    """Every rich text inside a block's value, at any depth."""
    if isinstance(value, RichText):
        yield value
    elif isinstance(value, StreamValue):
        for child in value:
            yield from rich_texts(child.value)
    elif isinstance(value, StructValue | dict):
        for item in value.values():
            yield from rich_texts(item)
    elif isinstance(value, ListValue | list | tuple):
        for item in value:
            yield from rich_texts(item)


def plain_pieces(html: str) -> list[str]:
    """An HTML fragment's text, one piece per paragraph, list item or heading."""
    return [strip_tags(part).replace("&nbsp;", " ").strip() for part in BLOCK_END.split(html)]


def stream_text_pieces(stream) -> list[str]:
    pieces: list[str] = []
    for child in stream or ():
        if child.block_type == "heading":
            pieces.append(child.value["text"])
        elif child.block_type == "quote":
            pieces.append(child.value["text"])
        elif child.block_type == "faq":
            for item in child.value["items"]:
                pieces.append(item["question"])
                pieces.extend(plain_pieces(item["answer"].source))
            continue
        elif child.block_type == "callout":
            pieces.append(child.value["heading"])
        for text in rich_texts(child.value):
            pieces.extend(plain_pieces(text.source))
    return [piece for piece in pieces if piece]


# -- the checks ----------------------------------------------------------------


def length_warnings(page) -> list[WritingWarning]:
    warnings = []
    title = (getattr(page, "seo_title", "") or page.title or "").strip()
    if len(title) > TITLE_MAX:
        warnings.append(
            WritingWarning(
                "title-length",
                f"The title is {len(title)} characters. Search results cut it off after "
                f"about {TITLE_MAX}: shorten it, or set a shorter title for search engines "
                "on the Promote tab.",
            )
        )
    description = (page.search_description or "").strip()
    if not description:
        warnings.append(
            WritingWarning(
                "search-description-missing",
                "There is no search description (Promote tab). Search engines then pick a "
                "sentence of their own.",
            )
        )
    elif len(description) > SEARCH_DESCRIPTION_MAX:
        warnings.append(
            WritingWarning(
                "search-description-length",
                f"The search description is {len(description)} characters. Search results "
                f"show about {SEARCH_DESCRIPTION_MAX}: the rest is cut off.",
            )
        )
    return warnings


def image_warnings(stream) -> list[WritingWarning]:
    warnings = []
    for position, child in enumerate(stream or (), start=1):
        if child.block_type != "image":
            continue
        image = child.value.get("image")
        if image is None or getattr(image, "decorative", False):
            continue
        if not (getattr(image, "contextual_alt_text", "") or "").strip():
            warnings.append(
                WritingWarning(
                    "image-alt-text",
                    f"The picture “{image.title}” (block {position}) has no alt text, so "
                    "people who cannot see it hear nothing. Describe it, or tick "
                    "“Image is decorative” if it adds nothing a reader needs.",
                )
            )
    return warnings


def drop_empty_list_items(stream) -> int:
    """Take empty bullets (and lists left with none) out of every rich text of a stream, in
    place; returns how many bullets went."""
    dropped = 0
    for child in stream or ():
        for text in rich_texts(child.value):
            source = text.source or ""
            count = len(EMPTY_LIST_ITEM.findall(source))
            if count:
                text.source = EMPTY_LIST.sub("", EMPTY_LIST_ITEM.sub("", source))
                dropped += count
    return dropped


def heading_levels(stream) -> list[tuple[int, str]]:
    """The stream's headings in order, as (level, text); heading blocks and any in rich text."""
    levels = []
    for child in stream or ():
        if child.block_type == "heading":
            levels.append((int(child.value["level"][1]), child.value["text"]))
        else:
            for text in rich_texts(child.value):
                for match in HTML_HEADING.finditer(text.source):
                    levels.append((int(match.group(1)), ""))
    return levels


def heading_warnings(stream) -> list[WritingWarning]:
    warnings = []
    previous = 1  # the page title is the one h1
    for level, text in heading_levels(stream):
        if level > previous + 1:
            named = f"“{text}”" if text else "A heading"
            warnings.append(
                WritingWarning(
                    "skipped-heading-level",
                    f"{named} is a level-{level} heading straight after a level-{previous} "
                    f"one. Screen-reader users move by headings: make it a "
                    f"{'section heading' if previous == 1 else 'subheading'}, or add the "
                    "heading above it.",
                )
            )
        previous = level
    return warnings


def empty_text_warnings(stream) -> list[WritingWarning]:
    paragraphs = items = 0
    for child in stream or ():
        for text in rich_texts(child.value):
            source = text.source or ""
            empty_paragraphs = len(EMPTY_PARAGRAPH.findall(source))
            empty_items = len(EMPTY_LIST_ITEM.findall(source))
            if child.block_type == "paragraph" and not strip_tags(source).strip():
                # A text block with nothing in it is one empty paragraph at least.
                empty_paragraphs = max(1, empty_paragraphs)
            paragraphs += empty_paragraphs
            items += empty_items
    warnings = []
    if paragraphs:
        warnings.append(
            WritingWarning(
                "empty-paragraph",
                f"{paragraphs} empty paragraph{'s' if paragraphs > 1 else ''}: "
                "they show as gaps on the page. Delete them.",
            )
        )
    if items:
        warnings.append(
            WritingWarning(
                "empty-list-item",
                f"{items} empty bullet{'s' if items > 1 else ''} in a list: "
                "a bullet with nothing after it would be published. Delete it.",
            )
        )
    return warnings


def claims(text: str) -> list[str]:
    """The claim words of ``text`` that make a claim: not asked, quoted or negated."""
    found = []
    for sentence in SENTENCE.findall(text):
        if sentence.strip().rstrip('”"’').endswith("?"):
            continue
        quoted = [match.span() for match in QUOTED.finditer(sentence)]
        for match in CLAIM_PATTERN.finditer(sentence):
            if any(start <= match.start() < end for start, end in quoted):
                continue
            before = sentence[: match.start()].split()[-NEGATION_REACH:]
            if NEGATION.search(" ".join(before)):
                continue
            found.append(match.group(1).lower())
    return found


def claim_word_warnings(text_pieces: list[str]) -> list[WritingWarning]:
    found: dict[str, int] = {}
    for piece in text_pieces:
        for word in claims(piece):
            found[word] = found.get(word, 0) + 1
    return [
        WritingWarning(
            "claim-words",
            f"“{word}”{f' ({count} times)' if count > 1 else ''} reads as a medical claim "
            f"that the advertising rules do not allow. Try {CLAIM_WORDS[word]}.",
        )
        for word, count in found.items()
    ]


def page_text_pieces(page) -> list[str]:
    pieces = [page.title or "", getattr(page, "intro", "") or "", page.search_description or ""]
    intro = pieces[1]
    if isinstance(intro, str) and "<" in intro:
        pieces[1:2] = plain_pieces(intro)
    return [piece for piece in pieces if piece] + stream_text_pieces(getattr(page, "body", None))


def check_page(page) -> WritingReport:
    body = getattr(page, "body", None)
    pieces = page_text_pieces(page)
    warnings = [
        *length_warnings(page),
        *image_warnings(body),
        *heading_warnings(body),
        *empty_text_warnings(body),
        *claim_word_warnings(pieces),
    ]
    ease = reading_ease(pieces[1:])  # the text she wrote, without the title
    if ease.is_hard:
        warnings.append(WritingWarning("reading-ease", ease.in_plain_words))
    own_checks = getattr(page, "writing_warnings", None)
    if own_checks is not None:
        warnings.extend(own_checks())
    return WritingReport(warnings, ease)
