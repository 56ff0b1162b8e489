"""A page's place among its siblings, from treebeard's own path encoding (public API only).

A materialised-path tree writes each child's place as one fixed-width step of its path, in
the tree's alphabet. Reading and writing those steps lets a list of children be cut into
ranges of places (the article sitemap's sections) and lets many children be written at once
(bench/generate_articles.py) without treebeard's private helpers.
"""

from wagtail.models import Page


def place_among_siblings(page: Page) -> int:
    """1 for the first child ever added to its parent, 2 for the second, and so on."""
    return page.numconv_obj().str2int(page.path[-page.steplen :])


def child_path(parent: Page, place: int) -> str:
    """The path the parent's child at ``place`` has, or would have."""
    step = parent.numconv_obj().int2str(place)
    return parent.path + step.rjust(parent.steplen, parent.alphabet[0])
