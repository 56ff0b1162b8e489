"""Her free times on the booking page, for the treatment and length a visitor picks.

A GET form of its own above the booking form, so it works without JavaScript and leaves the
booking form's post as it is. The times come from ``availability.free_times``, the function
the desk and ``manage.py free_times`` use too.
"""

import itertools

from django import template
from django.utils import timezone

from availability.free_times import free_times

from ..models import BookingPage, SessionOption

register = template.Library()


def chosen_session(page: BookingPage, value: str) -> SessionOption | None:
    """The bookable session length named by ``value`` (a SessionOption id)."""
    if not value.isdigit():
        return None
    return page.bookable_sessions().filter(pk=int(value)).first()


def by_day(moments) -> list[tuple]:
    """(local day, its start times), in order."""
    zone = timezone.get_default_timezone()
    return [
        (day, list(times))
        for day, times in itertools.groupby(moments, key=lambda m: m.astimezone(zone).date())
    ]


@register.inclusion_tag("services/includes/free_times.html", takes_context=True)
def free_times_to_choose_from(context):
    request = context.get("request")
    form = context["form"]
    chosen = request.GET.get("session", "")[:12] if request else ""
    option = chosen_session(context["page"], chosen)
    return {
        "page": context["page"],
        # The booking form's own lengths, grouped by treatment, without its prompt.
        "groups": [choice for choice in form.fields["session"].choices if choice[0]],
        "chosen": chosen if option else "",
        "option": option,
        "days": by_day(free_times(option.duration_minutes)) if option else [],
    }
