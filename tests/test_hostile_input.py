"""No input from a visitor answers 500, on SQLite and on PostgreSQL.

Each test runs twice: on SQLite in this process, through Django's test client, and on
PostgreSQL over HTTP, against gunicorn with the production settings (tests/postgres_site.py).
The same table of texts goes into every GET parameter a public page reads and into every
field of the booking and contact forms, field names included.
"""

import dataclasses
import json
import re
import time
import urllib.error
import urllib.request
from http.cookies import SimpleCookie
from urllib.parse import quote, urlencode

import pytest
from django.core import signing
from django.db import connection

from services.models import ServicePage
from services.protection import HONEYPOT_FIELD, TOKEN_FIELD, TOKEN_SALT, issue_form_token
from services.submissions import (
    LEFT_OUT,
    QUARANTINE_MAX_FIELDS,
    QUARANTINE_MAX_NAME,
    QUARANTINE_MAX_VALUE,
    TOO_LONG,
)

from .posts import booking_data, contact_data

pytestmark = pytest.mark.django_db

# These tests post far more than five times a minute from one address: the limit is raised
# for the test server only, through its environment, as a deployment would set it.
POSTGRES_SITE_ENV = {"FORM_RATE_LIMIT_POSTS": "100000"}

HOSTILE_TEXTS = {
    "empty": "",
    "a lone quote": '"',
    "unbalanced quotes": "sciatica \"back 'neck",
    "FTS operators": "sciatica AND back OR NOT neck NEAR(a b) * ^ : ( ) - +",
    "column filters": "title:sciatica {body} : pain",
    "tsquery syntax": "sciatica & !back | neck:* <-> (",
    "backslashes": "\\ \\' \\\" \\\\",
    "SQL": "'; DROP TABLE wagtailcore_page; --",
    "percent and underscore": "%_% _",
    "NUL byte": "sciatica\x00",
    "only NUL": "\x00",
    "control characters": "".join(chr(code) for code in range(1, 32)) + "\x7f",
    "Unicode": "síatica 坐骨神经痛 🙂 \u202e\u0301 ﷽",
    "4 KB of words": ("sciatica " * 456)[:4096],
    "4 KB in one word": "x" * 4096,
    "4 KB page number": "9" * 4096,
}
QUERY_VALUES = {name: quote(text, safe="") for name, text in HOSTILE_TEXTS.items()}
QUERY_VALUES["invalid UTF-8"] = "%ff%fe%c0%80%00"

# Every GET parameter a public page reads, and a parameter no page reads.
GET_PAGES = [
    "/search/?q={v}",
    "/search/?q=sciatica&page={v}",
    "/blog/?tag={v}",
    "/blog/?tag=sciatica&page={v}",
    "/book/?service={v}",
    "/?{v}={v}",
]
SITEMAP_PAGE = "/sitemap-articles.xml?p={v}"  # an unknown page of the sitemap is a 404
# gunicorn refuses a longer request line (414 URI Too Long) before the site sees it.
GUNICORN_REQUEST_LINE_LIMIT = 4094

BOOKING_FIELDS = ["name", "email", "phone", "client_type", "service", "session", "notes"]
BOOKING_FIELDS += [f"window_{n}_{part}" for n in (1, 2, 3) for part in ("date", "from", "until")]
CONTACT_FIELDS = ["name", "email", "message"]


@dataclasses.dataclass
class Answer:
    status: int
    text: str


class InProcess:
    """The SQLite leg: Django's test client, in this process."""

    def __init__(self, client):
        self.client = client

    def get(self, path: str) -> Answer:
        response = self.client.get(path)
        return Answer(response.status_code, response.content.decode(errors="replace"))

    def post(self, path: str, pairs: list[tuple[str, str]]) -> Answer:
        response = self.client.post(
            path, urlencode(pairs), content_type="application/x-www-form-urlencoded"
        )
        return Answer(response.status_code, response.content.decode(errors="replace"))

    def form_token(self) -> str:
        return issue_form_token(issued_at=time.time() - 10)

    def first_session(self) -> tuple[str, str]:
        """The first treatment's slug and its first session length's id."""
        service = ServicePage.objects.live().order_by("path").first()
        return service.slug, str(service.ordered_session_options().first().pk)

    def rows(self, sql: str) -> list[tuple]:
        with connection.cursor() as cursor:
            cursor.execute(sql)
            return cursor.fetchall()

    def assert_nothing_logged(self, *secrets_):
        """The test client raises any exception a view lets out: nothing to read here."""

    def refused_before_the_site(self, path: str) -> bool:
        return False


class KeepRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is the answer under test, not something to follow."""

    def redirect_request(self, *args, **kwargs):
        return None


class OverHttp:
    """The PostgreSQL leg: gunicorn with the production settings, over HTTP."""

    opener = urllib.request.build_opener(KeepRedirects)

    def __init__(self, site):
        self.site = site
        self._csrf = None

    def _open(self, request) -> Answer:
        try:
            with self.opener.open(request, timeout=60) as response:
                return Answer(response.status, response.read().decode(errors="replace"))
        except urllib.error.HTTPError as error:
            return Answer(error.code, error.read().decode(errors="replace"))

    def get(self, path: str) -> Answer:
        return self._open(urllib.request.Request(self.site.base_url + path))

    def csrf(self) -> tuple[str, str]:
        """The CSRF cookie and a form's token, read from the booking page once."""
        if self._csrf is None:
            with urllib.request.urlopen(self.site.base_url + "/book/", timeout=30) as response:
                cookie = SimpleCookie()
                for header in response.headers.get_all("Set-Cookie"):
                    cookie.load(header)
                html = response.read().decode()
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
            self._csrf = (cookie["csrftoken"].value, token)
        return self._csrf

    def post(self, path: str, pairs: list[tuple[str, str]]) -> Answer:
        cookie, token = self.csrf()
        body = urlencode([("csrfmiddlewaretoken", token), *pairs]).encode()
        request = urllib.request.Request(
            self.site.base_url + path,
            data=body,
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Cookie": f"csrftoken={cookie}",
            },
        )
        return self._open(request)

    def form_token(self) -> str:
        """A form token as the server signs it, shown ten seconds ago."""
        return signing.dumps(
            {"t": time.time() - 10, "n": f"{time.time_ns()}"},
            key=self.site.env["DJANGO_SECRET_KEY"],
            salt=TOKEN_SALT,
        )

    def first_session(self) -> tuple[str, str]:
        """The first treatment's slug and its first session length's id, in the site's database."""
        slug, session = self.site.query(
            "SELECT p.slug, o.id FROM services_sessionoption o JOIN wagtailcore_page p "
            "ON p.id = o.page_id WHERE p.live ORDER BY p.path, o.sort_order LIMIT 1"
        )[0]
        return slug, str(session)

    def rows(self, sql: str) -> list[tuple]:
        return self.site.query(sql)

    def assert_nothing_logged(self, *secrets_):
        log = self.site.log()
        assert "Traceback" not in log
        assert "Internal Server Error" not in log
        for secret in secrets_:
            assert secret not in log

    def refused_before_the_site(self, path: str) -> bool:
        return len(f"GET {path} HTTP/1.1") > GUNICORN_REQUEST_LINE_LIMIT


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def site(request):
    if request.param == "sqlite":
        request.getfixturevalue("demo_site")
        return InProcess(request.getfixturevalue("client"))
    return OverHttp(request.getfixturevalue("postgres_site"))


def count(site, table: str) -> int:
    # The table's name is one of ours, never a visitor's text.
    return site.rows(f"SELECT COUNT(*) FROM {table}")[0][0]


def newest_quarantined(site) -> dict:
    data = site.rows("SELECT data FROM services_quarantinedsubmission ORDER BY id DESC LIMIT 1")
    value = data[0][0]
    return json.loads(value) if isinstance(value, str) else value


FORMS = {
    "booking": ("/book/", "services_bookingrequest", BOOKING_FIELDS),
    "contact": ("/contact/", "wagtailforms_formsubmission", CONTACT_FIELDS),
}


def valid_fields(site, form: str, **overrides) -> dict[str, str]:
    if form == "booking":
        service, session = site.first_session()
        return booking_data(
            form_token=site.form_token(), service=service, session=session, **overrides
        )
    return contact_data(form_token=site.form_token(), **overrides)


# -- GET parameters ---------------------------------------------------------------------


@pytest.mark.parametrize("value", QUERY_VALUES.values(), ids=QUERY_VALUES.keys())
def test_any_text_in_any_query_parameter_answers_a_real_page(site, value):
    wrong = []
    for template in [*GET_PAGES, SITEMAP_PAGE]:
        path = template.format(v=value)
        answer = site.get(path)
        if site.refused_before_the_site(path):
            expected = {414}
        elif template == SITEMAP_PAGE:
            expected = {200, 404}
        else:
            expected = {200}
        if answer.status not in expected:
            wrong.append(f"{path[:80]}: {answer.status}")
        elif answer.status == 200 and template != SITEMAP_PAGE:
            assert answer.text.count("<h1") == 1, path[:80]
        if template.startswith("/search/") and answer.status == 200:
            # Results, or the treatments and the newest guides.
            assert "search-results" in answer.text, path[:80]
    assert wrong == []
    site.assert_nothing_logged()


def test_sciatic_finds_the_guide_and_the_treatments_that_help_it(site):
    answer = site.get("/search/?q=sciatic")
    results = answer.text.split('<ol class="search-results">', 1)[1].split("</ol>", 1)[0]
    links = re.findall(r'<a href="([^"]+)"', results)
    assert links[0] == "/blog/massage-for-sciatica-relief/"
    assert set(links[1:]) == {"/services/deep-tissue-massage/", "/services/swedish-massage/"}


# -- form posts -------------------------------------------------------------------------


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("text", HOSTILE_TEXTS.values(), ids=HOSTILE_TEXTS.keys())
def test_any_text_in_every_field_gets_a_clear_error_and_stores_nothing(site, form, text):
    path, table, fields = FORMS[form]
    before = count(site, table)
    pairs = [(TOKEN_FIELD, site.form_token()), (HONEYPOT_FIELD, "")]
    pairs += [(name, text) for name in fields]

    answer = site.post(path, pairs)

    assert answer.status == 400
    assert 'class="form__errors"' in answer.text
    assert count(site, table) == before
    site.assert_nothing_logged()


HOSTILE_NAME = "na\x00me\x01 \"'<>" + "x" * 200
CLEANED_NAME = ("name \"'<>" + "x" * 200)[:QUARANTINE_MAX_NAME]


@pytest.mark.parametrize("form", FORMS)
def test_a_field_name_of_any_text_in_a_real_post_is_ignored(site, form):
    path, table, _ = FORMS[form]
    before = count(site, table)
    fields = valid_fields(site, form, email="nul-name@example.com")

    answer = site.post(path, [*fields.items(), (HOSTILE_NAME, "\x00"), ("\x00", "x")])

    assert answer.status == 302
    assert count(site, table) == before + 1
    site.assert_nothing_logged("nul-name@example.com")


@pytest.mark.parametrize("form", FORMS)
def test_a_bot_post_with_nul_in_field_names_is_quarantined_cleanly(site, form):
    path, table, _ = FORMS[form]
    before = count(site, table), count(site, "services_quarantinedsubmission")
    fields = valid_fields(site, form, email="bot@example.com", website="https://spam.test")

    answer = site.post(path, [*fields.items(), (HOSTILE_NAME, "a\x00b"), ("e\x00mail", "x")])

    assert answer.status == 302
    assert count(site, table) == before[0]
    assert count(site, "services_quarantinedsubmission") == before[1] + 1
    data = newest_quarantined(site)
    assert all(name.isprintable() and len(name) <= QUARANTINE_MAX_NAME for name in data)
    assert "\x00" not in json.dumps(data, ensure_ascii=False)
    # The names without their control characters, cut; the first "email" is kept.
    assert data[CLEANED_NAME] == "ab"
    assert data["email"] == "bot@example.com"
    assert data[LEFT_OUT] == "1"
    newest_email = "SELECT email FROM services_quarantinedsubmission ORDER BY id DESC LIMIT 1"
    assert site.rows(newest_email)[0][0] == "bot@example.com"
    site.assert_nothing_logged("bot@example.com")


def test_a_bot_post_of_4000_fields_keeps_at_most_the_documented_size(site):
    before = count(site, "services_quarantinedsubmission")
    pairs = [(f"field\x00{n}", "v" * 500) for n in range(4000)]

    answer = site.post("/contact/", pairs)

    assert answer.status == 302
    assert count(site, "services_quarantinedsubmission") == before + 1
    data = newest_quarantined(site)
    assert data.pop(LEFT_OUT) == str(4000 - QUARANTINE_MAX_FIELDS)
    assert len(data) == QUARANTINE_MAX_FIELDS
    assert all(len(value) <= QUARANTINE_MAX_VALUE for value in data.values())
    assert len(json.dumps(data)) < 20_000
    site.assert_nothing_logged()


@pytest.mark.parametrize("form", FORMS)
def test_4000_fields_with_a_real_form_token_get_a_clear_error_and_store_nothing(site, form):
    path, table, _ = FORMS[form]
    before = count(site, table)
    fields = valid_fields(site, form)
    pairs = [*fields.items(), *((f"extra{n}", "x") for n in range(4000))]

    answer = site.post(path, pairs)

    assert answer.status == 400
    assert TOO_LONG in answer.text
    assert count(site, table) == before
    site.assert_nothing_logged()
