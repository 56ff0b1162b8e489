"""What the hostile-input harness (tests/test_hostile_input.py) sends, and where.

- ``corpus``: the hostile requests, each built from a target's own fields, so that a form
  sees its real field names with hostile values, bodies or headers around them;
- ``url_pattern_samples``: one address for every URL pattern the site serves, read from the
  URL resolver, and ``page_paths``: every live page of Wagtail's tree;
- ``InProcess`` and ``OverHttp``: the two legs, Django's test client on SQLite and gunicorn
  with the production settings on PostgreSQL, behind one ``send``.
"""

import dataclasses
import json
import re
import secrets
import urllib.error
import urllib.request
from collections.abc import Callable
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.db import connection
from django.urls import URLPattern, URLResolver, get_resolver, resolve
from wagtail.models import Page

# The tables a post may store into. A refused post leaves all four as they were.
STORED_TABLES = (
    "bookings_bookingrequest",
    "wagtailforms_formsubmission",
    "bookings_notification",
    "services_quarantinedsubmission",
)
CSRF_SECRET = "h0stile" + "x" * 25  # 32 characters: Django accepts it as cookie and token
THERAPIST = ("therapist", "a-long-passphrase")


# -- the corpus --------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Hostile:
    """One hostile request body. ``before_the_view``: refused by the request guard or the
    CSRF check whatever the address, so it may go to any admin URL, delete views included;
    the others reach views and go only where a post cannot act (forms, pages, signed out)."""

    name: str
    content_type: str
    body: bytes
    before_the_view: bool
    csrf: bool = True


def form_body(pairs, *, csrf: bool = True, charset: str = "utf-8") -> bytes:
    pairs = list(pairs.items()) if isinstance(pairs, dict) else list(pairs)
    if csrf:
        pairs.insert(0, ("csrfmiddlewaretoken", CSRF_SECRET))
    return urlencode(pairs, doseq=True).encode(charset)


URLENCODED = "application/x-www-form-urlencoded"
NUL = "\x00"
CONTROL = "\x1b[31m\x01\x08\x0b\x0c\x7f"
HEADER_INJECTION = "Jane\r\nBcc: victim@example.com"
ODD_NAMES = {
    "name\"'<>": "x",
    "n" * 300: "x",
    "__proto__[x]": "y",
    "ümlaut 名前": "z",
    "": "a nameless value",
    "session[]": "1",
}


# What a form's own markup holds, not what a person types: left as the form sent it, so the
# hostile text reaches the form's checks instead of being taken for a bot's post.
NOT_TYPED = ("form_token", "website", "action", "confirmed")


def with_each_value(fields: dict[str, str], make: Callable[[str], str]) -> dict[str, str]:
    """Every typed value made hostile."""
    return {
        name: value
        if name in NOT_TYPED
        else [make(item) for item in value]
        if isinstance(value, list)
        else make(value)
        for name, value in fields.items()
    }


def corpus(fields: dict[str, str]) -> list[Hostile]:
    """Every hostile request, built on ``fields`` (a form's valid fields, or any)."""
    too_many = [("f", "1")] * (settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)
    boundary = "hostile" + secrets.token_hex(4)
    multipart_too_large = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="name"\r\n\r\n'.encode()
        + b"x" * (settings.PUBLIC_MAX_BODY_BYTES + 1)
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return [
        Hostile("NUL", URLENCODED, form_body(with_each_value(fields, lambda v: v + NUL)), True),
        Hostile(
            "control characters",
            URLENCODED,
            form_body(with_each_value(fields, lambda v: v + CONTROL)),
            True,
        ),
        Hostile(
            "charset utf-16",
            f"{URLENCODED}; charset=utf-16",
            form_body(fields, charset="utf-16"),
            True,
        ),
        Hostile("unknown charset", f"{URLENCODED}; charset=x-klingon", form_body(fields), True),
        Hostile(
            "multipart in utf-16",
            f"multipart/form-data; boundary={boundary}; charset=utf-16",
            f'--{boundary}\r\nContent-Disposition: form-data; name="name"\r\n\r\nJane\r\n'
            f"--{boundary}--\r\n".encode("utf-16"),
            True,
        ),
        Hostile(
            "invalid UTF-8",
            URLENCODED,
            form_body(fields) + b"&name=%ff%fe%c0%80&note=\xff\xfe",
            True,
        ),
        Hostile("too many fields", URLENCODED, form_body(too_many), True),
        Hostile("JSON", "application/json", json.dumps(fields).encode(), True),
        Hostile("no CSRF cookie", URLENCODED, form_body(fields, csrf=False), True, csrf=False),
        Hostile(
            "multipart too large",
            f"multipart/form-data; boundary={boundary}",
            multipart_too_large,
            True,
        ),
        Hostile(
            "line breaks",
            URLENCODED,
            form_body(with_each_value(fields, lambda v: HEADER_INJECTION)),
            False,
        ),
        Hostile(
            "very long values",
            URLENCODED,
            form_body(with_each_value(fields, lambda v: "x" * 6000)),
            False,
        ),
        Hostile("odd field names", URLENCODED, form_body({**fields, **ODD_NAMES}), False),
    ]


# -- where ----------------------------------------------------------------------------

CONVERTER_SAMPLES = {
    "int": "1",
    "str": "x",
    "slug": "x",
    "path": "x",
    "uuid": "00000000-0000-0000-0000-000000000000",
}
# The regular-expression patterns a sample cannot be made for mechanically.
REGEX_SAMPLES = {
    "documents/^(\\d+)/(.*)$": "/documents/1/x.pdf",
    "^((?:[\\w\\-]+/)*)$": "/",
    "^media/(?P<path>.*)$": "/media/images/x.jpg",
}


def url_patterns(patterns=None, prefix: str = ""):
    """(route, pattern) for every URL pattern the resolver knows, included ones too."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        if isinstance(pattern, URLResolver):
            yield from url_patterns(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            yield prefix + str(pattern.pattern), pattern


def sample_path(route: str) -> str:
    if route in REGEX_SAMPLES:
        return REGEX_SAMPLES[route]
    path = re.sub(r"\(\?P<\w+>(\w+)[^)]*\)", r"\1", route)  # a named group: its first choice
    path = re.sub(r"\((\w+)\|[^)]*\)", r"\1", path)  # a group of choices: the first
    path = path.replace("(\\d+)", "1").replace("\\.", ".")
    path = re.sub(r"<(?:(\w+):)?\w+>", lambda m: CONVERTER_SAMPLES[m.group(1) or "str"], path)
    return "/" + path.replace("^", "").replace("$", "")


def url_pattern_samples() -> dict[str, str]:
    """An address for every URL pattern, by its route; each resolves to its own pattern."""
    samples = {}
    for route, pattern in url_patterns():
        path = sample_path(route)
        match = resolve(urlsplit(path).path)
        # A route the site serves twice (page_chooser_start's before Wagtail's, the documents
        # view wrapped at Wagtail's address) is the first's, however its anchors are placed.
        shadowed = match.route.replace("^", "") == route.replace("^", "")
        assert match.func is pattern.callback or shadowed, f"{route}: {path} is another view's"
        samples[route] = path
    return samples


def page_paths() -> list[str]:
    return sorted({page.url for page in Page.objects.live().specific() if page.url})


def is_staff_url(path: str) -> bool:
    return path.startswith(tuple(settings.STAFF_PATH_PREFIXES))


# -- the two legs -----------------------------------------------------------------------


@dataclasses.dataclass
class Answer:
    status: int
    headers: dict[str, str]
    text: str


class InProcess:
    """The SQLite leg: Django's test client, CSRF checks on, exceptions as 500s."""

    name = "sqlite"

    def __init__(self, client_class, therapist):
        self.anonymous = client_class(enforce_csrf_checks=True, raise_request_exception=False)
        self.signed_in = client_class(enforce_csrf_checks=True, raise_request_exception=False)
        self.signed_in.force_login(therapist)

    def send(self, method: str, path: str, hostile: Hostile | None, signed_in=False) -> Answer:
        client = self.signed_in if signed_in else self.anonymous
        client.cookies.pop(settings.CSRF_COOKIE_NAME, None)
        if hostile is not None and hostile.csrf:
            client.cookies[settings.CSRF_COOKIE_NAME] = CSRF_SECRET
        if hostile is None:
            response = client.generic(method, path)
        else:
            response = client.generic(
                method, path, data=hostile.body, content_type=hostile.content_type
            )
        headers = {name.lower(): value for name, value in response.headers.items()}
        body = b"" if response.streaming else response.content
        return Answer(response.status_code, headers, body.decode(errors="replace"))

    def counts(self) -> tuple[int, ...]:
        with connection.cursor() as cursor:
            cursor.execute(counts_sql())
            return tuple(cursor.fetchone())

    def log(self) -> str:
        return ""


def counts_sql() -> str:
    return "SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {table})" for table in STORED_TABLES)


class KeepRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


class OverHttp:
    """The PostgreSQL leg: gunicorn with the production settings, over HTTP."""

    name = "postgresql"
    opener = urllib.request.build_opener(KeepRedirects)

    def __init__(self, site, session_cookie: str):
        self.site = site
        self.session_cookie = session_cookie

    def send(self, method: str, path: str, hostile: Hostile | None, signed_in=False) -> Answer:
        cookies = []
        if hostile is not None and hostile.csrf:
            cookies.append(f"{settings.CSRF_COOKIE_NAME}={CSRF_SECRET}")
        if signed_in:
            cookies.append(f"{settings.SESSION_COOKIE_NAME}={self.session_cookie}")
        headers = {"Cookie": "; ".join(cookies)} if cookies else {}
        data = None
        if hostile is not None:
            headers["Content-Type"] = hostile.content_type
            data = hostile.body
        request = urllib.request.Request(
            self.site.base_url + path, data=data, headers=headers, method=method
        )
        try:
            with self.opener.open(request, timeout=60) as response:
                return Answer(response.status, lower(response.headers), read_text(response))
        except urllib.error.HTTPError as error:
            return Answer(error.code, lower(error.headers), read_text(error))

    def counts(self) -> tuple[int, ...]:
        return tuple(self.site.query(counts_sql())[0])

    def log(self) -> str:
        return self.site.log()


def lower(headers) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()}


def read_text(response) -> str:
    try:
        return response.read().decode(errors="replace")
    except (ConnectionError, OSError):  # the server answered before reading a large body
        return ""


def sign_in_over_http(base_url: str) -> str:
    """The therapist's session cookie, from the admin's sign-in form."""
    username, password = THERAPIST
    body = form_body({"username": username, "password": password, "next": "/admin/"})
    request = urllib.request.Request(
        base_url + "/admin/login/",
        data=body,
        headers={
            "Content-Type": URLENCODED,
            "Cookie": f"{settings.CSRF_COOKIE_NAME}={CSRF_SECRET}",
        },
    )
    try:
        OverHttp.opener.open(request, timeout=30)
    except urllib.error.HTTPError as error:
        assert error.code == 302, f"signing in answered {error.code}"
        cookies = error.headers.get_all("Set-Cookie") or []
    else:
        raise AssertionError("signing in did not redirect")
    for cookie in cookies:
        name, _, rest = cookie.partition("=")
        if name == settings.SESSION_COOKIE_NAME:
            return rest.split(";", 1)[0]
    raise AssertionError("no session cookie after signing in")
