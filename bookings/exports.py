"""The booking requests' spreadsheet: what the therapist opens in Excel, Numbers or LibreOffice.

Through Wagtail's own export (the listing's "Download XLSX" and "Download CSV", with the
filters of the moment) and the site's formula-safe writer (``bookings.spreadsheets``), which
comes first among the view's bases. What this module adds is the sheet a person reads:

- times in the practice's time zone, to the minute, as real date cells in XLSX and as
  ``2030-07-09 10:00`` in CSV, with the zone in the heading;
- "Appointment start" only for a request that was given an appointment; a request never
  confirmed leaves it empty, and its "First choice start" says when the client asked for;
- the price as a number in the practice's currency (named in the heading, and shown with
  its symbol in XLSX), the length in minutes, the status and client type in words;
- the client's name, email and phone (in XLSX a text cell, without the apostrophe the
  CSV needs: ``bookings.spreadsheets``);
- in XLSX, columns wide enough to read and the heading row kept in view; the file is
  named after the day it was made, like ``booking-requests-2026-12-07.xlsx``;
- the health notes only when she asks for them on the download page, whose tick box says
  what they are (``ExportOptionsView``). They are special-category data.
"""

import datetime

from django import forms
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.views.generic import FormView
from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from wagtail.admin.views.generic.base import WagtailAdminTemplateMixin
from wagtail.admin.views.generic.permissions import PermissionCheckedMixin
from wagtail.admin.views.mixins import SpreadsheetExportMixin
from wagtail.admin.widgets.button import Button

from home.models import PracticeSettings
from home.prices import SYMBOLS

from .admin_breadcrumbs import UnderBookingRequestsMixin
from .appointments import practice_zone

HEALTH_NOTES_PARAM = "health_notes"
HEALTH_NOTES_LABEL = (
    "Include health notes: special-category data. Keep the file safe, share it with no "
    "one, and delete it once you have used it."
)
# The download page's own fields: never carried over as a filter of the listing.
OWN_PARAMS = ("export", HEALTH_NOTES_PARAM, "p")

COLUMNS = [
    "number",
    "received",
    "appointment",
    "first_choice",
    "treatment",
    "length",
    "price",
    "status",
    "client_type",
    "name",
    "email",
    "phone",
]
HEADINGS = {
    "number": "Request",
    "received": "Received ({zone})",
    "appointment": "Appointment start ({zone})",
    "first_choice": "First choice start ({zone})",
    "treatment": "Treatment",
    "length": "Length (minutes)",
    "price": "Price ({currency})",
    "status": "Status",
    "client_type": "Client type",
    "name": "Name",
    "email": "Email",
    "phone": "Phone",
    "notes": "Health notes (special-category data)",
}
# Widths in characters, as a spreadsheet counts them.
COLUMN_WIDTHS = {
    "number": 9,
    "received": 18,
    "appointment": 18,
    "first_choice": 18,
    "treatment": 28,
    "length": 10,
    "price": 11,
    "status": 12,
    "client_type": 16,
    "name": 24,
    "email": 32,
    "phone": 18,
    "notes": 60,
}
XLSX_DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
CSV_DATETIME_FORMAT = "%Y-%m-%d %H:%M"


def local_minute(moment):
    """A stored moment as the practice's wall-clock time, to the minute, without a zone."""
    if moment is None:
        return None
    local = timezone.localtime(moment, practice_zone())
    return local.replace(second=0, microsecond=0, tzinfo=None)


def appointment_start(booking):
    """The appointment's start, for a request that was given one; else None."""
    if booking.appointment_start:
        return booking.appointment_start
    for number, start, _end in booking.windows():
        if number == booking.confirmed_window:
            return start
    return None


ROW_VALUES = {
    "number": lambda booking: booking.pk,
    "received": lambda booking: local_minute(booking.created_at),
    "appointment": lambda booking: local_minute(appointment_start(booking)),
    "first_choice": lambda booking: local_minute(booking.window_1_start),
    "treatment": lambda booking: booking.service_title,
    "length": lambda booking: booking.session_minutes,
    "price": lambda booking: booking.session_price,
    "status": lambda booking: booking.get_status_display(),
    "client_type": lambda booking: booking.get_client_type_display(),
    "name": lambda booking: booking.name,
    "email": lambda booking: booking.email,
    "phone": lambda booking: booking.phone,
    "notes": lambda booking: booking.notes,
}


def price_number_format(currency: str) -> str:
    symbol = SYMBOLS.get(currency)
    return f'"{symbol}"#,##0.00' if symbol else f'#,##0.00" {currency}"'


class BookingExportMixin:
    """The booking list's export columns; put after ``FormulaSafeExportMixin``."""

    list_export = COLUMNS
    export_filename = "booking-requests"
    custom_value_preprocess = {
        **SpreadsheetExportMixin.custom_value_preprocess,
        # Already the practice's wall-clock time (``local_minute``): written as it is.
        datetime.datetime: {
            SpreadsheetExportMixin.FORMAT_XLSX: None,
            SpreadsheetExportMixin.FORMAT_CSV: lambda value: value.strftime(CSV_DATETIME_FORMAT),
        },
    }
    export_options_url_name = "booking_export_options"
    xlsx_text_fields = ("phone",)

    def setup(self, request, *args, **kwargs):
        super().setup(request, *args, **kwargs)
        self.with_health_notes = self.is_export and request.GET.get(HEALTH_NOTES_PARAM) == "1"
        if self.with_health_notes:
            self.list_export = [*self.list_export, "notes"]
            self.export_filename = f"{self.export_filename}-with-health-notes"

    def get_filename(self) -> str:
        """Like ``booking-requests-2026-12-07``: the day it was made, in the practice's zone."""
        return f"{super().get_filename()}-{timezone.localdate(timezone=practice_zone()):%Y-%m-%d}"

    def write_xlsx(self, queryset, output):
        workbook = Workbook(write_only=True, iso_dates=True)
        sheet = workbook.create_sheet(title="Booking requests")
        # A write-only sheet takes its columns' widths before its first row.
        for index, field in enumerate(self.list_export, start=1):
            sheet.column_dimensions[get_column_letter(index)].width = COLUMN_WIDTHS[field]
        sheet.freeze_panes = "A2"
        sheet.append(self.get_heading(queryset, field) for field in self.list_export)
        for item in queryset:
            sheet.append(self.generate_xlsx_row(sheet, self.to_row_dict(item)))
        workbook.save(output)

    @cached_property
    def currency(self) -> str:
        return PracticeSettings.for_request(self.request).currency

    def to_row_dict(self, item):
        return {field: ROW_VALUES[field](item) for field in self.list_export}

    def get_heading(self, queryset, field):
        return HEADINGS[field].format(zone=practice_zone(), currency=self.currency)

    def generate_xlsx_row(self, worksheet, row_dict, date_format=None):
        cells = super().generate_xlsx_row(worksheet, row_dict, date_format=XLSX_DATETIME_FORMAT)
        for field, cell in zip(row_dict, cells, strict=True):
            if field == "price" and cell.value is not None:
                cell.number_format = price_number_format(self.currency)
            yield cell

    @cached_property
    def header_more_buttons(self):
        buttons = super().header_more_buttons.copy()
        if self.show_export_buttons:
            query = self.request.GET.copy()
            for name in OWN_PARAMS:
                query.pop(name, None)
            url = reverse(self.export_options_url_name)
            buttons.append(
                Button(
                    "Download with health notes…",
                    url=f"{url}?{query.urlencode()}" if query else url,
                    icon_name="download",
                    priority=110,
                )
            )
        return buttons


class ExportOptionsForm(forms.Form):
    export = forms.ChoiceField(
        label="File type",
        choices=[("xlsx", "Excel (XLSX)"), ("csv", "CSV")],
        initial="xlsx",
        widget=forms.RadioSelect,
    )
    health_notes = forms.BooleanField(
        label=HEALTH_NOTES_LABEL,
        required=False,
        # Sent as ?health_notes=1, the one value the listing's export reads (``setup``).
        widget=forms.CheckboxInput(attrs={"value": "1"}),
    )


class ExportOptionsView(
    UnderBookingRequestsMixin, PermissionCheckedMixin, WagtailAdminTemplateMixin, FormView
):
    """The download page: the file type, and the tick box for the health notes.

    The form is sent by GET to the listing itself, with the listing's filters carried in
    hidden fields, so that Wagtail's export makes the file from the same rows.
    """

    permission_required = "view"
    form_class = ExportOptionsForm
    template_name = "bookings/admin/export_options.html"
    page_title = "Download booking requests"
    header_icon = "download"
    index_url_name = "booking_requests:index"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        filters = [
            (name, value)
            for name, values in self.request.GET.lists()
            if name not in OWN_PARAMS
            for value in values
        ]
        context.update(
            {
                "action_url": reverse(self.index_url_name),
                "filters": filters,
                "is_filtered": bool(filters),
            }
        )
        return context
