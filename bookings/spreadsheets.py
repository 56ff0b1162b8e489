"""The one way the admin writes a spreadsheet: no cell that a spreadsheet would run.

Every export goes through ``FormulaSafeExportMixin``, in CSV and in XLSX: the booking
requests (``bookings.wagtail_hooks.BookingIndexView``) and the contact form's messages
(``FormulaSafeSubmissionsListView``, the ``ContactPage``'s submissions view). A new export
is a view with this mixin first among its bases.

The rule, for every text cell and heading:

- A cell whose first character, or first after leading spaces and line breaks, is one a
  spreadsheet reads as the start of a formula (``= + - @``, their full-width forms, a tab
  or a carriage return) gets an apostrophe in front: ``=HYPERLINK(...)`` goes out as
  ``'=HYPERLINK(...)``, and every spreadsheet program shows it as the text it is.
- That includes a phone number written with its country code: ``+44 20 7946 0958`` goes
  out as ``'+44 20 7946 0958``. It stays readable, every digit and space in place, where
  raw it would open as a formula error or as the number 4.42E+11. There is no exception
  for "harmless" numbers: ``-2+3`` is a formula too, and one rule cannot be talked round.
- The control characters an XLSX file cannot hold are dropped (openpyxl refuses them).

Numbers, dates and every other text go out unchanged.
"""

from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from wagtail.contrib.forms.views import SubmissionsListView

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def safe_cell(value):
    """A value as it may go into any spreadsheet cell."""
    if not isinstance(value, str):
        return value
    value = ILLEGAL_CHARACTERS_RE.sub("", value)
    if value.startswith(FORMULA_STARTS) or value.lstrip().startswith(FORMULA_STARTS):
        return "'" + value
    return value


class FormulaSafeExportMixin:
    """Put first in the bases of a view with Wagtail's ``SpreadsheetExportMixin``."""

    def preprocess_field_value(self, field, value, export_format):
        return safe_cell(super().preprocess_field_value(field, value, export_format))

    def get_heading(self, queryset, field):
        return safe_cell(super().get_heading(queryset, field))


class FormulaSafeSubmissionsListView(FormulaSafeExportMixin, SubmissionsListView):
    """Wagtail's list and export of a form page's submissions, formula-safe."""
