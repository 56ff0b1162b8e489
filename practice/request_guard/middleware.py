"""The guard in front of every view: nothing past it can be made to fail by the bytes of a
request body.

Django reads a body lazily, the first time anything touches ``request.POST``. When the body
declares a charset Django refuses (``utf-16``, an unknown name) or holds bytes it cannot parse,
that first touch raises, wherever it is: inside ``CsrfViewMiddleware``, in a view, in the 400
handler itself. Here the body is read once, on the way in, inside a ``try``; what cannot be read
is answered with a 400 page before anything else sees it.

The rules, by where a request goes:

- public addresses (everything but the admin): at most ``PUBLIC_MAX_BODY_BYTES``, and only the
  two types a browser's form sends (url-encoded and multipart), else 413 and 415;
- the admin (``STAFF_PATH_PREFIXES``), signed in: uploads of images and documents need more,
  so up to ``STAFF_MAX_BODY_BYTES`` of any type; Django's own limits (``DATA_UPLOAD_MAX_*``)
  still hold. Signed out (the sign-in and password-reset forms), the public rules apply;
- every post: invalid UTF-8, and NUL and other control characters (TAB, LF and CR allowed, but
  not in ``ONE_LINE_FIELDS``, which are also kept short) in a field's name or value are
  refused with a 400 page, except on the site's own page forms (Wagtail pages:
  booking, contact, the client's link), whose validators show the visitor a form error beside
  the field instead (``services.protection``). Query strings are left to the views that read
  them: search shows its text back cleaned (``search.query.clean_query``).
"""

from urllib.parse import unquote_to_bytes

from django.conf import settings
from django.core.exceptions import BadRequest, RequestDataTooBig, SuspiciousOperation
from django.http.multipartparser import MultiPartParserError
from django.urls import Resolver404, resolve
from wagtail.views import serve as wagtail_serve

from . import views

URLENCODED = "application/x-www-form-urlencoded"
FORM_TYPES = (URLENCODED, "multipart/form-data")
READABLE_CHARSETS = ("utf-8", "utf8", "us-ascii", "ascii")
CONTROL_CHARACTERS = frozenset(chr(code) for code in range(32)) | {"\x7f"}
ALLOWED_IN_TEXT = frozenset("\t\n\r")
REFUSED_CHARACTERS = CONTROL_CHARACTERS - ALLOWED_IN_TEXT
# The one-line fields of the forms the site does not own (Django's and Wagtail's sign-in and
# password reset): no line break either, so none reaches a log line or an email header, and
# no longer than an email address may be (axes stores the username in 255 characters, and
# PostgreSQL refuses more).
ONE_LINE_FIELDS = ("username", "email", "password")
ONE_LINE_MAX_LENGTH = 254


def is_staff_request(request) -> bool:
    """A signed-in user in the admin; the sign-in form itself is public."""
    prefixes = tuple(settings.STAFF_PATH_PREFIXES)
    return request.path_info.startswith(prefixes) and request.user.is_authenticated


def declared_length(request) -> int | None:
    """The body's declared length; None when the header is not a number."""
    value = request.META.get("CONTENT_LENGTH") or "0"
    try:
        length = int(value)
    except ValueError:
        return None
    return length if length >= 0 else None


def has_refused_characters(text: str) -> bool:
    return not REFUSED_CHARACTERS.isdisjoint(text)


def refused_text(request) -> bool:
    for name, values in request.POST.lists():
        one_line = name in ONE_LINE_FIELDS
        refused = REFUSED_CHARACTERS | (ALLOWED_IN_TEXT if one_line else set())
        if has_refused_characters(name) or any(not refused.isdisjoint(v) for v in values):
            return True
        if one_line and any(len(value) > ONE_LINE_MAX_LENGTH for value in values):
            return True
    return any(has_refused_characters(name) for name in request.FILES)


def invalid_utf8(request) -> bool:
    """Whether a url-encoded body holds bytes, raw or %-escaped, that are not UTF-8. Django
    would read them as something else (Latin-1, or U+FFFD) and pass them on."""
    if request.content_type != URLENCODED:
        return False
    try:
        for pair in request.body.split(b"&"):
            for part in pair.split(b"=", 1):
                unquote_to_bytes(part.replace(b"+", b" ")).decode("utf-8")
    except UnicodeDecodeError:
        return True
    return False


def checks_its_own_text(request) -> bool:
    """Whether the address is a Wagtail page: the site's own forms validate their text."""
    try:
        return resolve(request.path_info).func is wagtail_serve
    except Resolver404:
        return False


def read_body(request):
    """Parse the body once, here; a refusal page if it cannot be parsed, else None."""
    try:
        request.POST  # noqa: B018 - parsing is the point
        request.FILES  # noqa: B018
    except RequestDataTooBig:
        return views.too_large(request)
    except (
        BadRequest,
        SuspiciousOperation,
        MultiPartParserError,
        UnicodeDecodeError,
        LookupError,
        ValueError,
    ):
        return views.unreadable(request)
    return None


def refusal(request):
    """The page that refuses this request, or None to let it through."""
    length = declared_length(request)
    if length is None:
        return views.unreadable(request)
    staff = is_staff_request(request)
    if length > (settings.STAFF_MAX_BODY_BYTES if staff else settings.PUBLIC_MAX_BODY_BYTES):
        return views.too_large(request)
    content_type = request.content_type or ""
    if length and not staff and content_type not in FORM_TYPES:
        return views.unsupported_type(request)
    charset = request.content_params.get("charset")
    if charset is not None and charset.strip().lower() not in READABLE_CHARSETS:
        return views.unreadable(request)
    if request.method == "POST" and content_type in FORM_TYPES:
        problem = read_body(request)
        if problem is not None:
            return problem
        if invalid_utf8(request):
            return views.unreadable(request)
        if refused_text(request) and not checks_its_own_text(request):
            return views.unreadable(request, control_characters=True)
    return None


class RequestGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return refusal(request) or self.get_response(request)
