"""Every spreadsheet the therapist downloads is safe to open: no cell runs as a formula.

Visitors send formulas through the real forms; the therapist then downloads each export
the admin offers, as CSV and as XLSX, through its own URL.
"""

import csv
import io

import openpyxl
import pytest
from django.urls import reverse

from home.spreadsheets import safe_cell
from services.models import BookingRequest, ContactPage

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

    assert [cell for cell in cells if looks_like_a_formula(cell)] == []
    for formula in FORMULAS:
        assert "'" + formula in cells
    assert "'-0+1@example.com" in cells
    # The phone keeps every digit and space, behind the one apostrophe.
    assert cells.count("'" + PHONE) == len(FORMULAS)


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
