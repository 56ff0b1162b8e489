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
- In XLSX, a view may name fields whose cells are written as text instead
  (``xlsx_text_fields``, the booking export's phone): a string cell whose format is Text
  ("@"), which no spreadsheet program runs, even when the cell is edited, so it needs no
  apostrophe: ``+44 20 7946 0958`` reads as it was typed. CSV has no types: there the
  apostrophe stays.

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


XLSX_TEXT_FORMAT = "@"


class FormulaSafeExportMixin:
    """Put first in the bases of a view with Wagtail's ``SpreadsheetExportMixin``."""

    def preprocess_field_value(self, field, value, export_format):
        value = super().preprocess_field_value(field, value, export_format)
        if (
            export_format == self.FORMAT_XLSX
            and field in self.text_fields()
            and isinstance(value, str)
        ):
            return ILLEGAL_CHARACTERS_RE.sub("", value)
        return safe_cell(value)

    def text_fields(self) -> tuple[str, ...]:
        """The fields whose XLSX cells are typed text: ``xlsx_text_fields`` of a base that
        comes after this mixin (the booking export's), if any."""
        return getattr(self, "xlsx_text_fields", ())

    def generate_xlsx_row(self, worksheet, row_dict, date_format=None):
        cells = super().generate_xlsx_row(worksheet, row_dict, date_format=date_format)
        for field, cell in zip(row_dict, cells, strict=True):
            if field in self.text_fields() and isinstance(cell.value, str):
                cell.data_type = "s"
                cell.number_format = XLSX_TEXT_FORMAT
            yield cell

    def get_heading(self, queryset, field):
        return safe_cell(super().get_heading(queryset, field))


class FormulaSafeSubmissionsListView(FormulaSafeExportMixin, SubmissionsListView):
    """Wagtail's list and export of a form page's submissions, formula-safe."""
