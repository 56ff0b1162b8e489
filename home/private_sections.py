"""Private sections (Wagtail's page view restrictions), read once per request.

Wagtail reads every view restriction again for each ``.public()`` list and twice more to
check the page it serves. An article shows three such lists (the menu, related treatments,
related guides), so one request read the same few rows five times. Within a request they
are now read once (``home.request_memo``), and a saved or deleted restriction drops the
copy at once.
"""

from django.db.models import Q
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from modelcluster.queryset import FakeQuerySet
from wagtail.models import Page, PageViewRestriction

from .request_memo import forget, remember

_MEMO_KEY = "view_restrictions"


def view_restrictions() -> list[PageViewRestriction]:
    """Every view restriction on the site, with its page."""
    return remember(_MEMO_KEY, lambda: list(PageViewRestriction.objects.select_related("page")))


def private_q() -> Q:
    """Matches the pages inside a private section, as Wagtail's ``private_q`` does."""
    pages = Page.objects.all()
    q = Q()
    for restriction in view_restrictions():
        q |= pages.descendant_of_q(restriction.page, inclusive=True)
    return q if q else Q(pk__in=[])


def is_private(page: Page) -> bool:
    """``private_q`` for a page in hand: it or one of its ancestors has a restriction."""
    return any(page.path.startswith(restriction.page.path) for restriction in view_restrictions())


def in_database(pages):
    """A page queryset, or a page relation, as a queryset the database answers.

    Preview and the revision view build the page from the form or the revision, not from
    the database: its relations (ParentalKey, ParentalManyToManyField) are then
    modelcluster's FakeQuerySet, the chosen pages held in memory, without ``.live()`` or
    any other method of Wagtail's page queryset. They are read again by id, so a preview
    shows the pages that publishing would show.
    """
    pages = pages.all()
    if isinstance(pages, FakeQuerySet):
        return pages.model.objects.filter(pk__in=[page.pk for page in pages])
    return pages


def public(pages):
    """The pages that are in no private section: ``.public()``, read once."""
    return in_database(pages).exclude(private_q())


def live_public(pages):
    """The live pages in no private section, of a page queryset or a page relation."""
    return public(in_database(pages).live())


@receiver(post_save, sender=PageViewRestriction)
@receiver(post_delete, sender=PageViewRestriction)
def _forget_the_request_copy(**kwargs):
    forget(_MEMO_KEY)
