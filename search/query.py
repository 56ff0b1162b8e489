"""Site search, with Wagtail's database backend, over the live pages of the types that say
``in_site_search = True`` (the treatments and the guides), found with Wagtail's page API.

What a visitor types is read as words, never as full-text syntax: only runs of letters
and digits count, so quotes, operators (AND OR NOT NEAR * ^ : ( ) -), NUL and control
characters merely separate words, and no text can be a syntax error on SQLite (FTS5) or
PostgreSQL. Common little words ("the", "for", "my") are dropped, and at most
``MAX_TERMS`` words of ``MAX_TERM_LENGTH`` characters are kept.

Each word matches every word that begins with its stem (see ``stem``): "sciatic" finds
"sciatica", "sciatica" finds "sciatic", "massages" finds "massage". SQLite does not stem
at all and PostgreSQL's English stemmer keeps "sciatic" and "sciatica" apart, so the
match is a prefix match on both databases: Wagtail's own whole-word search, with every
word marked as a prefix, as its ``autocomplete()`` marks the last one. It still searches
the pages' search fields (titles weigh more than text), not only their autocomplete
fields. A page must match every word; when none does, pages matching any word are shown.

On PostgreSQL the backend is PostgreSQL's full-text search in English (``SEARCH_CONFIG`` in
practice/settings/base.py), which stems each prefix again and drops English stop words:
"soreness" finds "sore", and "during" need not be on the page. A GIN index over the title
and body together (home/migrations/0008) serves the match.

Ranking by relevance on SQLite scores each match in a subquery of its own, so its cost
grows with the square of the number of matches: a blink at a few dozen, seconds at a few
thousand. Up to ``RANKED_MATCHES`` matches are ranked: the pages whose titles hold the
most of the words first, then by the backend's relevance. Beyond that, when a word is in
nearly every guide, the newest come first.

Every search starts with one full-text query for the ids of all matches, newest first.
It tells how many there are, and beyond ``RANKED_MATCHES`` it is the list itself: the
page shown then fetches only its own ten. Counting and listing apart would run the match
over every matching guide twice.

A search that finds nothing offers every treatment and the newest guides instead: see
templates/search/suggestions.html, which takes them from the apps' own template tags.
"""

import copy
import functools
import re
from collections.abc import Sequence

from wagtail.models import Page, get_page_models
from wagtail.search.backends import get_search_backend
from wagtail.search.query import And, Or, PlainText

from home.private_sections import public

RANKED_MATCHES = 100
MAX_QUERY_LENGTH = 200
MAX_TERMS = 8
MAX_TERM_LENGTH = 40

WORD = re.compile(r"[^\W_]+")
# Tried in this order; the first that leaves a stem of MIN_STEM letters is cut off.
SUFFIXES = ("ing", "ed", "es", "s", "a", "e", "y")
MIN_STEM = 3
# As prefixes these would match nearly every page ("the" matches "therapy").
STOP_WORDS = frozenset(
    """a about after am an and any are as at be been but by can could do does for from had
    has have how i if in into is it its me my no not of on or our should so some than that
    the their them then there these they this to too us was we were what when where which
    who why will with would you your""".split()
)


def clean_query(text: str) -> str:
    """The visitor's text as it is shown back: one line, printable, at most 200 characters."""
    printable = "".join(ch if ch.isprintable() else " " for ch in text[: MAX_QUERY_LENGTH * 2])
    return " ".join(printable.split())[:MAX_QUERY_LENGTH]


def stem(word: str) -> str:
    """A crude English stem, only ever used as a prefix: cutting too much finds more."""
    for suffix in SUFFIXES:
        if suffix == "s" and word.endswith("ss"):
            continue
        if word.endswith(suffix) and len(word) - len(suffix) >= MIN_STEM:
            return word[: -len(suffix)]
    return word


def search_terms(query: str) -> list[str]:
    """The stems to look for, in the order typed, without repeats."""
    terms = []
    for word in WORD.findall(query.lower()):
        if len(word) < 2 or word in STOP_WORDS:
            continue
        term = stem(word[:MAX_TERM_LENGTH])
        if term not in terms:
            terms.append(term)
    return terms[:MAX_TERMS]


@functools.cache
def _prefix_compiler(compiler_class):
    # The backend's compiler treats the last word of each PlainText as a prefix when this
    # is set; search_query() gives every word a PlainText of its own.
    return type(
        f"Prefix{compiler_class.__name__}", (compiler_class,), {"LAST_TERM_IS_PREFIX": True}
    )


def prefix_search_backend():
    """The configured search backend, with every word of a query matched as a prefix."""
    backend = copy.copy(get_search_backend())
    backend.query_compiler_class = _prefix_compiler(backend.query_compiler_class)
    return backend


def search_query(terms: list[str], operator: str):
    words = [PlainText(term) for term in terms]
    if len(words) == 1:
        return words[0]
    return And(words) if operator == "and" else Or(words)


def searchable_page_types() -> list[type[Page]]:
    return [model for model in get_page_models() if getattr(model, "in_site_search", False)]


def searchable_pages():
    return public(Page.objects.live().type(*searchable_page_types()))


def search_pages(query: str) -> Sequence:
    """Matching treatments and guides, best first; an empty list when nothing matches."""
    terms = search_terms(query)
    if not terms:
        return []
    backend = prefix_search_backend()
    pages = searchable_pages()
    newest_first = []
    for operator in ("and", "or") if len(terms) > 1 else ("and",):
        wanted = search_query(terms, operator)
        newest_first = matching_ids(backend, wanted, pages.order_by("-first_published_at"))
        if newest_first:
            break
    if not newest_first:
        return []
    if len(newest_first) > RANKED_MATCHES:
        return PagesInOrder(newest_first)
    by_relevance = backend.search(wanted, pages.values_list("pk", "title"))
    return PagesInOrder(titles_first(terms, by_relevance))


def matching_ids(backend, wanted, pages) -> list[int]:
    """The ids of the pages that match, in the order of ``pages``, from one query.

    Only the ids are selected: PostgreSQL's backend would send each match's whole text
    vector along with its id, which took half of a search's time at 10,000 articles.
    """
    results = backend.search(wanted, pages, order_by_relevance=False)
    return list(results.get_queryset().values_list("pk", flat=True))


def titles_first(terms: list[str], matches) -> list[int]:
    """Page ids, those whose title holds the most of the words first, then by relevance.

    Wagtail's SQLite backend scores a match in the title no higher than one in the text,
    and a treatment or guide named after what was asked for is what the visitor wants.
    """

    def words_in_title(title: str) -> int:
        title_words = WORD.findall(title.lower())
        return sum(any(word.startswith(term) for word in title_words) for term in terms)

    # (pk, title) rows; SQLite's backend appends the score. The sort is stable.
    rows = [(row[0], words_in_title(row[1])) for row in matches]
    rows.sort(key=lambda row: -row[1])
    return [pk for pk, _ in rows]


class PagesInOrder(Sequence):
    """Pages by id, in the order given, each slice fetched as its own types when read."""

    def __init__(self, page_ids: list[int]):
        self.page_ids = page_ids

    def __len__(self) -> int:
        return len(self.page_ids)

    def __getitem__(self, index):
        wanted = self.page_ids[index]
        if not isinstance(index, slice):
            return self._fetch([wanted])[0]
        return self._fetch(wanted)

    @staticmethod
    def _fetch(wanted: list[int]) -> list[Page]:
        pages = Page.objects.filter(pk__in=wanted).specific().in_bulk()
        return [pages[page_id] for page_id in wanted if page_id in pages]
