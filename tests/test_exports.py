"""Every spreadsheet the therapist downloads is safe to open: no cell runs as a formula.

Visitors send formulas through the real forms; the therapist then downloads each export
the admin offers, as CSV and as XLSX, through its own URL.
"""

import csv
import datetime
import io
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl.utils import get_column_letter

from bookings.models import BookingRequest
from bookings.spreadsheets import safe_cell
from services.models import ContactPage

from .factories import make_booking_request, make_staff_user, set_practice_details
from .page_reading import button, element, hrefs, words
from .posts import booking_data, contact_data

pytestmark = pytest.mark.django_db

# What spreadsheet programs read as the start of a formula (OWASP, CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
FORMULAS = [
    '=HYPERLINK("http://evil.test","Open")',
    "+cmd|' /C calc'!A0",
    "@SUM(A1:A9)",
    "-2+3",
]
PHONE = "+44 20 7946 0958"


def looks_like_a_formula(cell) -> bool:
    return isinstance(cell, str) and (
        cell.startswith(FORMULA_STARTS) or cell.lstrip().startswith(FORMULA_STARTS)
    )


def csv_cells(content: bytes) -> list[str]:
    rows = list(csv.reader(io.StringIO(content.decode())))
    assert len(rows) > 1, "a heading and at least one row"
    return [cell for row in rows for cell in row]


def xlsx_cells(content: bytes) -> list:
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    cells = [cell for sheet in workbook for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    return [cell.value for cell in cells]


def download(client, url: str, export_format: str) -> list:
    response = client.get(url, {"export": export_format})
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    return csv_cells(content) if export_format == "csv" else xlsx_cells(content)


@pytest.fixture
def bookings_with_formulas(client, demo_site):
    for number, formula in enumerate(FORMULAS):
        response = client.post(
            "/book/",
            booking_data(name=formula, email=f"-{number}+1@example.com", phone=PHONE),
            REMOTE_ADDR=f"192.0.2.{number + 1}",
        )
        assert response.status_code == 302
    assert BookingRequest.objects.count() == len(FORMULAS)


@pytest.fixture
def messages_with_formulas(client, demo_site):
    for number, formula in enumerate(FORMULAS):
        response = client.post(
            "/contact/",
            contact_data(name=formula, email=f"-{number}+1@example.com", message=formula),
            REMOTE_ADDR=f"198.51.100.{number + 1}",
        )
        assert response.status_code == 302
    return ContactPage.objects.get()


@pytest.mark.parametrize("export_format", ["csv", "xlsx"])
def test_booking_export_has_no_formula_and_the_phone_reads_as_a_number(
    staff_client, bookings_with_formulas, export_format
):
    cells = download(staff_client, "/admin/booking_requests/", export_format)

    # In XLSX the phone is a text cell, which no spreadsheet runs (below, and the next test).
    text_cells = [PHONE] if export_format == "xlsx" else []
    assert [c for c in cells if looks_like_a_formula(c) and c not in text_cells] == []
    for formula in FORMULAS:
        assert "'" + formula in cells
    assert "'-0+1@example.com" in cells
    if export_format == "csv":
        # The phone keeps every digit and space, behind the one apostrophe.
        assert cells.count("'" + PHONE) == len(FORMULAS)
    else:
        # A text cell: as typed, no apostrophe, and never a formula or a number.
        assert cells.count(PHONE) == len(FORMULAS)


def test_the_xlsx_phone_is_a_text_cell_the_columns_are_wide_and_the_file_is_dated(
    staff_client, bookings_with_formulas
):
    response = staff_client.get("/admin/booking_requests/", {"export": "xlsx"})
    today = timezone.localdate()
    assert f'filename="booking-requests-{today:%Y-%m-%d}.xlsx"' in response["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    heading = [cell.value for cell in sheet[1]]
    phones = [row[heading.index("Phone")] for row in sheet.iter_rows(min_row=2)]
    assert [(cell.value, cell.data_type, cell.number_format) for cell in phones] == [
        (PHONE, "s", "@")
    ] * len(FORMULAS)
    widths = {
        name: sheet.column_dimensions[get_column_letter(index)].width
        for index, name in enumerate(heading, start=1)
    }
    assert widths["Email"] >= 30 and widths["Phone"] >= len(PHONE)
    assert all(width >= 9 for width in widths.values())


def test_the_csv_file_is_dated_too(staff_client, bookings_with_formulas):
    response = staff_client.get("/admin/booking_requests/", {"export": "csv", "health_notes": "1"})
    today = timezone.localdate()
    assert (
        f'filename="booking-requests-with-health-notes-{today:%Y-%m-%d}.csv"'
        in response["Content-Disposition"]
    )


@pytest.mark.parametrize("export_format", ["csv", "xlsx"])
def test_contact_messages_export_has_no_formula(
    staff_client, messages_with_formulas, export_format
):
    url = reverse("wagtailforms:list_submissions", args=[messages_with_formulas.pk])
    cells = download(staff_client, url, export_format)

    assert [cell for cell in cells if looks_like_a_formula(cell)] == []
    for formula in FORMULAS:
        assert cells.count("'" + formula) == 2  # the name and the message
    assert "'-0+1@example.com" in cells


def test_a_cell_is_quoted_only_when_a_spreadsheet_would_run_it():
    assert safe_cell("  =1+1") == "'  =1+1"
    assert safe_cell("\n@SUM(A1)") == "'\n@SUM(A1)"
    assert safe_cell("\uff1dSUM(A1)") == "'\uff1dSUM(A1)"  # a full-width equals sign
    assert safe_cell("Jane = happy") == "Jane = happy"
    assert safe_cell("07700 900123") == "07700 900123"
    assert safe_cell(-2) == -2
    assert safe_cell("bell\x07") == "bell"  # a character XLSX cannot hold


# -- what the booking export holds: a sheet a person reads --------------------------------

BOOKINGS_URL = "/admin/booking_requests/"
UTC = datetime.UTC
HEADINGS = [
    "Request",
    "Received (Europe/London)",
    "Appointment start (Europe/London)",
    "First choice start (Europe/London)",
    "Treatment",
    "Length (minutes)",
    "Price (GBP)",
    "Status",
    "Client type",
    "Name",
    "Email",
    "Phone",
]
NOTES_HEADING = "Health notes (special-category data)"


@pytest.fixture
def two_requests(demo_site):
    """A confirmed appointment in summer time and a request never answered, with notes."""
    summer = datetime.datetime(2030, 7, 9, 9, 0, tzinfo=UTC)  # 10:00 in London
    confirmed = make_booking_request(
        "Ann Archer",
        summer,
        service_title="Swedish Massage",
        session_minutes=90,
        session_price=Decimal("62.50"),
        status=BookingRequest.Status.CONFIRMED,
        confirmed_window=1,
        appointment_start=summer + datetime.timedelta(minutes=30, seconds=12, microseconds=345),
        email="ann@example.com",
        phone="07700 900456",
        created_at=datetime.datetime(2030, 1, 15, 17, 4, 59, 123456, tzinfo=UTC),
        notes="Recovering from a slipped disc",
    )
    winter = datetime.datetime(2030, 12, 10, 14, 0, tzinfo=UTC)  # 14:00 in London
    asking = make_booking_request(
        "Bea Baker",
        winter,
        session_price=Decimal("60.00"),
        client_type=BookingRequest.ClientType.RETURNING,
        created_at=datetime.datetime(2030, 11, 1, 8, 0, tzinfo=UTC),
        notes="Pregnant, 20 weeks",
    )
    return confirmed, asking


def csv_rows(client, **query) -> list[list[str]]:
    response = client.get(BOOKINGS_URL, {"export": "csv", **query})
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))


def xlsx_rows(client, **query) -> list[list]:
    response = client.get(BOOKINGS_URL, {"export": "xlsx", **query})
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return [list(row) for row in workbook.active.iter_rows()]


def by_client(heading: list, rows: list[list], value=lambda cell: cell) -> dict[str, dict]:
    """{client's name: {heading: cell}}; ``value`` reads a cell (an XLSX cell's ``.value``)."""
    table = [dict(zip(heading, row, strict=True)) for row in rows]
    return {value(row["Name"]): row for row in table}


def test_csv_export_reads_as_the_therapist_would_write_it(staff_client, two_requests):
    confirmed, asking = two_requests
    heading, *rows = csv_rows(staff_client)
    assert heading == HEADINGS
    row = by_client(heading, rows)
    assert row["Ann Archer"] == {
        "Request": str(confirmed.pk),
        "Received (Europe/London)": "2030-01-15 17:04",
        "Appointment start (Europe/London)": "2030-07-09 10:30",
        "First choice start (Europe/London)": "2030-07-09 10:00",
        "Treatment": "Swedish Massage",
        "Length (minutes)": "90",
        "Price (GBP)": "62.50",
        "Status": "Confirmed",
        "Client type": "New client",
        "Name": "Ann Archer",
        "Email": "ann@example.com",
        "Phone": "07700 900456",
    }
    # Never confirmed: no appointment start; its first choice, in winter time.
    assert row["Bea Baker"]["Appointment start (Europe/London)"] == ""
    assert row["Bea Baker"]["First choice start (Europe/London)"] == "2030-12-10 14:00"
    assert row["Bea Baker"]["Status"] == "New"
    assert row["Bea Baker"]["Client type"] == "Returning client"


def test_xlsx_export_has_real_dates_numbers_and_the_currency(staff_client, two_requests):
    set_practice_details(currency="EUR")
    heading, *rows = xlsx_rows(staff_client)
    heading = [cell.value for cell in heading]
    assert heading == [name.replace("GBP", "EUR") for name in HEADINGS]
    ann = by_client(heading, rows, value=lambda cell: cell.value)["Ann Archer"]
    start = ann["Appointment start (Europe/London)"]
    assert start.value == datetime.datetime(2030, 7, 9, 10, 30)  # no seconds, no zone shift
    assert start.number_format == "yyyy-mm-dd hh:mm"
    assert ann["Received (Europe/London)"].value == datetime.datetime(2030, 1, 15, 17, 4)
    assert ann["Price (EUR)"].value == Decimal("62.5") and ann["Price (EUR)"].data_type == "n"
    assert ann["Price (EUR)"].number_format == '"€"#,##0.00'
    assert ann["Length (minutes)"].value == 90
    assert ann["Status"].value == "Confirmed"


@pytest.mark.parametrize("export_format", ["csv", "xlsx"])
def test_health_notes_stay_out_unless_she_ticks_the_box(staff_client, two_requests, export_format):
    plain = download(staff_client, BOOKINGS_URL, export_format)
    assert NOTES_HEADING not in plain
    assert not [cell for cell in plain if isinstance(cell, str) and "slipped disc" in cell]

    response = staff_client.get(BOOKINGS_URL, {"export": export_format, "health_notes": "1"})
    assert "with-health-notes" in response["Content-Disposition"]
    content = b"".join(response.streaming_content)
    cells = csv_cells(content) if export_format == "csv" else xlsx_cells(content)
    assert NOTES_HEADING in cells
    assert "Recovering from a slipped disc" in cells and "Pregnant, 20 weeks" in cells


def test_the_download_page_explains_the_tick_box_and_keeps_the_filters(staff_client, two_requests):
    listing = staff_client.get(BOOKINGS_URL, {"status": "confirmed"}).content.decode()
    link = next(href for href in hrefs(listing) if href.startswith(BOOKINGS_URL + "download/"))
    assert link == "/admin/booking_requests/download/?status=confirmed"

    page = staff_client.get(link).content.decode()
    tick_box = element(page, "input[name=health_notes]")
    label = words(element(page, f"label[for={tick_box['id']}]").get_text(" "))
    assert "special-category data" in label and "delete it" in label
    assert (tick_box["type"], tick_box["value"]) == ("checkbox", "1")
    form = button(page, "Download").find_parent("form")
    assert (form["action"], form["method"]) == (BOOKINGS_URL, "get")
    kept = [(field["name"], field["value"]) for field in form.select("input[type=hidden]")]
    assert ("status", "confirmed") in kept

    # The form's fields, as the browser sends them: the filtered rows, with the notes.
    heading, *rows = csv_rows(staff_client, status="confirmed", health_notes="1")
    assert [row[heading.index("Name")] for row in rows] == ["Ann Archer"]
    assert rows[0][heading.index(NOTES_HEADING)] == "Recovering from a slipped disc"


def test_health_notes_in_the_export_are_formula_safe_too(staff_client, demo_site):
    make_booking_request("Cat Cole", notes='=HYPERLINK("http://evil.test","Open")')
    for export_format in ("csv", "xlsx"):
        response = staff_client.get(BOOKINGS_URL, {"export": export_format, "health_notes": "1"})
        content = b"".join(response.streaming_content)
        cells = csv_cells(content) if export_format == "csv" else xlsx_cells(content)
        assert [cell for cell in cells if looks_like_a_formula(cell)] == []
        assert '\'=HYPERLINK("http://evil.test","Open")' in cells


def test_editors_cannot_reach_the_download_page_or_the_export(client, two_requests):
    client.force_login(make_staff_user("eddie", "Editors"))
    assert client.get("/admin/booking_requests/download/").status_code == 302
    response = client.get(BOOKINGS_URL, {"export": "csv", "health_notes": "1"})
    assert response.status_code == 302
