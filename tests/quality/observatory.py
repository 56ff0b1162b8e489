"""The Mozilla (MDN) HTTP Observatory's scoring, applied to responses fetched here.

The modifiers, grades and the bonus rule are the Observatory's published scoring table
(https://developer.mozilla.org/en-US/observatory/docs/tests_and_scoring, algorithm version 6:
twelve tests, CSP, cookies, CORS, redirection, Referrer-Policy, HSTS, SRI,
X-Content-Type-Options, X-Frame-Options, CORP, COOP and COEP), written down as facts. The
checks that choose a row are written here from the descriptions in that documentation. Two
simplifications, both harmless for this site: no host is taken to be on the HSTS preload list
(its rows only ever add points), and "the same site" for SRI compares the last two labels of
the host names.

Start at 100, add every modifier; bonuses (positive modifiers) count only when the score
without them is already 90 or more.
"""

import dataclasses
import re
from html.parser import HTMLParser
from http.cookies import CookieError, SimpleCookie
from urllib.parse import urlsplit

MODIFIERS = {
    # Content Security Policy
    "csp-implemented-with-no-unsafe-default-src-none": 10,
    "csp-implemented-with-no-unsafe": 5,
    "csp-implemented-with-unsafe-inline-in-style-src-only": 0,
    "csp-implemented-but-duplicate-directives": 0,
    "csp-implemented-with-insecure-scheme-in-passive-content-only": -10,
    "csp-implemented-with-unsafe-eval": -10,
    "csp-implemented-with-unsafe-inline": -20,
    "csp-implemented-with-insecure-scheme": -20,
    "csp-header-invalid": -25,
    "csp-not-implemented": -25,
    "csp-not-implemented-but-reporting-enabled": -25,
    # Cookies
    "cookies-secure-with-httponly-sessions-and-samesite": 5,
    "cookies-secure-with-httponly-sessions": 0,
    "cookies-not-found": 0,
    "cookies-without-secure-flag-but-protected-by-hsts": -5,
    "cookies-session-without-secure-flag-but-protected-by-hsts": -10,
    "cookies-without-secure-flag": -20,
    "cookies-samesite-flag-invalid": -20,
    "cookies-anticsrf-without-samesite-flag": -20,
    "cookies-session-without-httponly-flag": -30,
    "cookies-session-without-secure-flag": -40,
    # Cross-origin resource sharing
    "cross-origin-resource-sharing-not-implemented": 0,
    "cross-origin-resource-sharing-implemented-with-public-access": 0,
    "cross-origin-resource-sharing-implemented-with-restricted-access": 0,
    "cross-origin-resource-sharing-implemented-with-universal-access": -50,
    # Redirection
    "redirection-all-redirects-preloaded": 0,
    "redirection-to-https": 0,
    "redirection-not-needed-no-http": 0,
    "redirection-off-host-from-http": -5,
    "redirection-not-to-https-on-initial-redirection": -10,
    "redirection-not-to-https": -20,
    "redirection-missing": -20,
    # Referrer-Policy
    "referrer-policy-private": 5,
    "referrer-policy-not-implemented": 0,
    "referrer-policy-unsafe": -5,
    "referrer-policy-header-invalid": -5,
    # HTTP Strict Transport Security
    "hsts-preloaded": 5,
    "hsts-implemented-max-age-at-least-six-months": 0,
    "hsts-implemented-max-age-less-than-six-months": -10,
    "hsts-not-implemented": -20,
    "hsts-header-invalid": -20,
    "hsts-not-implemented-no-https": -20,
    # Subresource integrity
    "sri-implemented-and-all-scripts-loaded-securely": 5,
    "sri-implemented-and-external-scripts-loaded-securely": 5,
    "sri-not-implemented-response-not-html": 0,
    "sri-not-implemented-but-no-scripts-loaded": 0,
    "sri-not-implemented-but-all-scripts-loaded-from-secure-origin": 0,
    "sri-not-implemented-but-external-scripts-loaded-securely": -5,
    "sri-implemented-but-external-scripts-not-loaded-securely": -20,
    "sri-not-implemented-and-external-scripts-not-loaded-securely": -50,
    # X-Content-Type-Options
    "x-content-type-options-nosniff": 0,
    "x-content-type-options-not-implemented": -5,
    "x-content-type-options-header-invalid": -5,
    # X-Frame-Options
    "x-frame-options-implemented-via-csp": 5,
    "x-frame-options-sameorigin-or-deny": 5,
    "x-frame-options-allow-from-origin": 0,
    "x-frame-options-not-implemented": -20,
    "x-frame-options-header-invalid": -20,
    # Cross-Origin-Resource-Policy
    "cross-origin-resource-policy-implemented-with-same-origin": 10,
    "cross-origin-resource-policy-implemented-with-same-site": 10,
    "cross-origin-resource-policy-implemented-with-cross-origin": 0,
    "cross-origin-resource-policy-not-implemented": 0,
    "cross-origin-resource-policy-header-invalid": -5,
    # Cross-Origin-Opener-Policy
    "cross-origin-opener-policy-implemented-with-same-origin": 10,
    "cross-origin-opener-policy-implemented-with-same-origin-allow-popups": 10,
    "cross-origin-opener-policy-implemented-with-noopener-allow-popups": 10,
    "cross-origin-opener-policy-implemented-with-unsafe-none": 0,
    "cross-origin-opener-policy-not-implemented": 0,
    "cross-origin-opener-policy-header-invalid": -5,
    # Cross-Origin-Embedder-Policy
    "cross-origin-embedder-policy-implemented-with-require-corp": 10,
    "cross-origin-embedder-policy-implemented-with-credentialless": 10,
    "cross-origin-embedder-policy-implemented-with-unsafe-none": 0,
    "cross-origin-embedder-policy-not-implemented": 0,
    "cross-origin-embedder-policy-header-invalid": -5,
}
# The lowest score of each grade; a score above 100 is an A+.
GRADES = [
    (100, "A+"),
    (90, "A"),
    (85, "A-"),
    (80, "B+"),
    (70, "B"),
    (65, "B-"),
    (60, "C+"),
    (50, "C"),
    (45, "C-"),
    (40, "D+"),
    (30, "D"),
    (25, "D-"),
    (0, "F"),
]
MINIMUM_SCORE_FOR_BONUS = 90
SIX_MONTHS = 15_768_000

BROAD_SOURCES = {
    "ftp:",
    "http:",
    "https:",
    "*",
    "http://*",
    "http://*.*",
    "https://*",
    "https://*.*",
}
INLINE_SOURCES = {"'unsafe-inline'", "data:"}
NONCE_OR_HASH = ("'nonce-", "'sha256-", "'sha384-", "'sha512-")
PRIVATE_REFERRERS = {
    "no-referrer",
    "same-origin",
    "strict-origin",
    "strict-origin-when-cross-origin",
}
UNSAFE_REFERRERS = {
    "origin",
    "origin-when-cross-origin",
    "unsafe-url",
    "no-referrer-when-downgrade",
}


@dataclasses.dataclass
class Response:
    url: str
    status: int
    headers: list[tuple[str, str]]
    body: str = ""

    def all(self, name: str) -> list[str]:
        return [value for key, value in self.headers if key.lower() == name.lower()]

    def first(self, name: str) -> str | None:
        values = self.all(name)
        return values[0] if values else None


@dataclasses.dataclass
class Scan:
    """What the Observatory fetches for one page: the route from its http:// address, the page
    over https, and the page asked for again with an Origin header (for CORS)."""

    http_route: list[Response]
    page: Response
    cors: Response
    cors_origin: str


@dataclasses.dataclass
class Report:
    results: dict[str, str]
    score: int
    grade: str

    def explain(self) -> str:
        rows = [f"{MODIFIERS[r]:+4d}  {test}: {r}" for test, r in self.results.items()]
        return f"{self.score} ({self.grade})\n" + "\n".join(rows)


# -- reading HTML --------------------------------------------------------------------------


class _HeadReader(HTMLParser):
    def __init__(self):
        super().__init__()
        self.http_equiv: dict[str, list[str]] = {}
        self.scripts: list[dict[str, str | None]] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "meta" and attributes.get("http-equiv"):
            name = attributes["http-equiv"].lower()
            self.http_equiv.setdefault(name, []).append(attributes.get("content") or "")
        elif tag == "script":
            self.scripts.append(attributes)


def read_html(response: Response) -> _HeadReader:
    reader = _HeadReader()
    if is_html(response):
        reader.feed(response.body)
    return reader


def is_html(response: Response) -> bool:
    content_type = (response.first("Content-Type") or "text/html").split(";")[0].strip()
    return content_type in {"text/html", "application/xhtml+xml"}


# -- Content-Security-Policy ---------------------------------------------------------------


class InvalidPolicy(ValueError):
    pass


def parse_policy(text: str) -> dict[str, set[str]]:
    """One policy: directive names and sources, lower-cased. A repeated directive (other than
    the reporting ones) makes it invalid, as the Observatory counts it."""
    text = text.replace("\r", "").replace("\n", "").strip()
    if len(text) < len("img-src") - 1:
        raise InvalidPolicy(text)
    policy: dict[str, set[str]] = {}
    for entry in text.split(";"):
        if not entry.strip():
            continue
        name, *sources = entry.strip().split()
        name = name.lower()
        if name in policy and name not in {"report-uri", "report-to"}:
            raise InvalidPolicy(f"{name} twice")
        values = {source.lower() for source in sources}
        if not values and name.endswith("-src"):
            values = {"'none'"}
        policy[name] = values
    return policy


def combined_policy(texts: list[str]) -> dict[str, set[str]]:
    """Several policies all apply: a source counts only if every policy naming the directive
    allows it."""
    combined: dict[str, set[str]] = {}
    for text in texts:
        for name, sources in parse_policy(text).items():
            combined[name] = combined[name] & sources if name in combined else set(sources)
    return combined


def csp_policies(response: Response) -> tuple[list[str], list[str]]:
    header = [
        part.strip()
        for value in response.all("Content-Security-Policy")
        for part in value.split(",")
    ]
    meta = [
        part.strip()
        for value in read_html(response).http_equiv.get("content-security-policy", [])
        for part in value.split(",")
    ]
    return [p for p in header if p], [p for p in meta if p]


def csp_test(response: Response) -> str:
    header, meta = csp_policies(response)
    if not header and not meta:
        if response.first("Content-Security-Policy-Report-Only"):
            return "csp-not-implemented-but-reporting-enabled"
        return "csp-not-implemented"
    try:
        policy = combined_policy(header + meta)
    except InvalidPolicy:
        return "csp-header-invalid"

    default = policy.get("default-src")
    script_src = set(policy.get("script-src") or default or {"*"})
    style_src = set(policy.get("style-src") or default or {"*"})
    object_src = set(policy.get("object-src") or default or {"*"})
    for sources in (script_src, style_src):
        if any(s.startswith(NONCE_OR_HASH) for s in sources):
            sources.discard("'unsafe-inline'")
    if "'strict-dynamic'" in script_src:
        if not any(s.startswith(NONCE_OR_HASH) for s in script_src):
            return "csp-header-invalid"
        script_src = {
            s
            for s in script_src
            if s not in {"'self'", "'unsafe-inline'"}
            and not any(s.startswith(broad) for broad in BROAD_SOURCES)
        }

    passive = {"img-src", "media-src"}
    active_sources = [
        s for name, v in policy.items() if name not in passive | {"script-src"} for s in v
    ]
    active_sources += list(script_src)
    passive_sources = [s for name in passive for s in (policy.get(name) or default or set())]
    https = urlsplit(response.url).scheme == "https"

    def insecure(sources):
        return https and any(s.startswith(("http:", "ftp:")) for s in sources)

    if script_src & (BROAD_SOURCES | INLINE_SOURCES) or object_src & BROAD_SOURCES:
        return "csp-implemented-with-unsafe-inline"
    if insecure(active_sources):
        return "csp-implemented-with-insecure-scheme"
    if "'unsafe-eval'" in script_src | style_src:
        return "csp-implemented-with-unsafe-eval"
    if insecure(passive_sources):
        return "csp-implemented-with-insecure-scheme-in-passive-content-only"
    if style_src & (BROAD_SOURCES | INLINE_SOURCES):
        return "csp-implemented-with-unsafe-inline-in-style-src-only"
    # The documentation's row: default-src 'none', nothing unsafe, and form-action restricted.
    if default == {"'none'"} and policy.get("form-action", {"*"}) <= {"'none'", "'self'"}:
        return "csp-implemented-with-no-unsafe-default-src-none"
    return "csp-implemented-with-no-unsafe"


def frame_ancestors_in_header(response: Response) -> bool:
    header, _meta = csp_policies(response)
    try:
        return "frame-ancestors" in combined_policy(header)
    except InvalidPolicy:
        return False


# -- Cookies -------------------------------------------------------------------------------


@dataclasses.dataclass
class Cookie:
    name: str
    secure: bool
    http_only: bool
    same_site: str


def cookies_set(responses: list[Response]) -> tuple[list[Cookie], bool]:
    """Every cookie set by the responses, and whether any SameSite value was malformed."""
    cookies, malformed = {}, False
    for response in responses:
        for header in response.all("Set-Cookie"):
            for part in header.split(";")[1:]:
                key, _, value = part.strip().partition("=")
                if key.strip().lower() == "samesite" and value.strip().lower() not in {
                    "lax",
                    "strict",
                    "none",
                }:
                    malformed = True
            parsed = SimpleCookie()
            try:
                parsed.load(header)
            except CookieError:
                continue
            for name, morsel in parsed.items():
                cookies[name] = Cookie(
                    name=name,
                    secure=bool(morsel["secure"]),
                    http_only=bool(morsel["httponly"]),
                    same_site=str(morsel["samesite"]),
                )
    return list(cookies.values()), malformed


COOKIE_BADNESS = [
    "cookies-without-secure-flag-but-protected-by-hsts",
    "cookies-without-secure-flag",
    "cookies-session-without-secure-flag-but-protected-by-hsts",
    "cookies-samesite-flag-invalid",
    "cookies-anticsrf-without-samesite-flag",
    "cookies-session-without-httponly-flag",
    "cookies-session-without-secure-flag",
]


def cookies_test(scan: Scan) -> str:
    cookies, malformed = cookies_set([*scan.http_route, scan.page, scan.cors])
    hsts = hsts_test(scan.page) in {
        "hsts-implemented-max-age-at-least-six-months",
        "hsts-preloaded",
    }
    found = ["cookies-samesite-flag-invalid"] if malformed else []
    if not cookies and not found:
        return "cookies-not-found"
    for cookie in cookies:
        session = any(word in cookie.name.lower() for word in ("login", "sess"))
        if not cookie.secure and cookie.same_site.lower() == "none":
            found.append("cookies-samesite-flag-invalid")
        if not cookie.secure:
            found.append(
                "cookies-without-secure-flag-but-protected-by-hsts"
                if hsts
                else "cookies-without-secure-flag"
            )
        if "csrf" in cookie.name.lower() and not cookie.same_site:
            found.append("cookies-anticsrf-without-samesite-flag")
        if session and not cookie.secure:
            found.append(
                "cookies-session-without-secure-flag-but-protected-by-hsts"
                if hsts
                else "cookies-session-without-secure-flag"
            )
        if session and not cookie.http_only:
            found.append("cookies-session-without-httponly-flag")
    if found:
        return max(found, key=COOKIE_BADNESS.index)
    if all(cookie.same_site for cookie in cookies):
        return "cookies-secure-with-httponly-sessions-and-samesite"
    return "cookies-secure-with-httponly-sessions"


# -- The other headers ---------------------------------------------------------------------


def cors_test(scan: Scan) -> str:
    allowed = (scan.cors.first("Access-Control-Allow-Origin") or "").strip().lower()
    if not allowed:
        return "cross-origin-resource-sharing-not-implemented"
    if allowed == "*":
        return "cross-origin-resource-sharing-implemented-with-public-access"
    credentials = (scan.cors.first("Access-Control-Allow-Credentials") or "").strip().lower()
    if allowed == scan.cors_origin.lower() and credentials == "true":
        return "cross-origin-resource-sharing-implemented-with-universal-access"
    return "cross-origin-resource-sharing-implemented-with-restricted-access"


def redirection_test(scan: Scan) -> str:
    route = [urlsplit(response.url) for response in scan.http_route]
    if not route:
        return "redirection-not-needed-no-http"
    if len(route) == 1:
        return "redirection-missing"
    if route[-1].scheme != "https":
        return "redirection-not-to-https"
    if route[1].scheme == "http":
        return "redirection-not-to-https-on-initial-redirection"
    if route[0].hostname != route[1].hostname:
        return "redirection-off-host-from-http"
    return "redirection-to-https"


def referrer_policy_test(response: Response) -> str:
    values = response.all("Referrer-Policy") + read_html(response).http_equiv.get(
        "referrer-policy", []
    )
    if not values:
        return "referrer-policy-not-implemented"
    tokens = [t.strip().lower() for t in ",".join(values).split(",")]
    known = [t for t in tokens if t in PRIVATE_REFERRERS | UNSAFE_REFERRERS]
    if not known:
        return "referrer-policy-header-invalid"
    if known[-1] in PRIVATE_REFERRERS:
        return "referrer-policy-private"
    return "referrer-policy-unsafe"


def hsts_test(response: Response) -> str:
    if urlsplit(response.url).scheme != "https":
        return "hsts-not-implemented-no-https"
    header = response.first("Strict-Transport-Security")
    if header is None:
        return "hsts-not-implemented"
    if "," in header:
        return "hsts-header-invalid"
    max_age = None
    for parameter in header.split(";"):
        parameter = parameter.strip().lower()
        if parameter.startswith("max-age="):
            digits = parameter.removeprefix("max-age=")
            max_age = int(digits) if digits.isdigit() else None
    if max_age is None:
        return "hsts-header-invalid"
    if max_age < SIX_MONTHS:
        return "hsts-implemented-max-age-less-than-six-months"
    return "hsts-implemented-max-age-at-least-six-months"


def _site_of(host: str) -> str:
    return ".".join(host.split(".")[-2:])


SRI_BADNESS = [
    "sri-implemented-and-all-scripts-loaded-securely",
    "sri-implemented-and-external-scripts-loaded-securely",
    "sri-implemented-but-external-scripts-not-loaded-securely",
    "sri-not-implemented-but-external-scripts-loaded-securely",
    "sri-not-implemented-and-external-scripts-not-loaded-securely",
]


def sri_test(response: Response) -> str:
    if not is_html(response):
        return "sri-not-implemented-response-not-html"
    scripts = read_html(response).scripts
    if not scripts:
        return "sri-not-implemented-but-no-scripts-loaded"
    page = urlsplit(response.url)
    found, foreign = [], False
    for script in scripts:
        src = script.get("src")
        if not src:
            continue
        integrity = bool(script.get("integrity"))
        if src.startswith("//"):
            same_origin, secure = False, False
        elif re.match(r"^https?://", src):
            target = urlsplit(src)
            same_origin = _site_of(target.hostname or "") == _site_of(page.hostname or "")
            secure = target.scheme == "https"
        else:
            same_origin, secure = True, page.scheme == "https"
        if same_origin:
            if integrity and secure and not found:
                found.append("sri-implemented-and-all-scripts-loaded-securely")
            continue
        foreign = True
        if integrity and not secure:
            found.append("sri-implemented-but-external-scripts-not-loaded-securely")
        elif not integrity and secure:
            found.append("sri-not-implemented-but-external-scripts-loaded-securely")
        elif not integrity:
            found.append("sri-not-implemented-and-external-scripts-not-loaded-securely")
    if found:
        return max(found, key=SRI_BADNESS.index)
    if foreign:
        return "sri-implemented-and-external-scripts-loaded-securely"
    return "sri-not-implemented-but-all-scripts-loaded-from-secure-origin"


def content_type_options_test(response: Response) -> str:
    header = response.first("X-Content-Type-Options")
    if header is None:
        return "x-content-type-options-not-implemented"
    if header.strip().lower() == "nosniff":
        return "x-content-type-options-nosniff"
    return "x-content-type-options-header-invalid"


def frame_options_test(response: Response) -> str:
    if frame_ancestors_in_header(response):
        return "x-frame-options-implemented-via-csp"
    header = (response.first("X-Frame-Options") or "").strip().lower()
    if not header:
        return "x-frame-options-not-implemented"
    if header in {"deny", "sameorigin"}:
        return "x-frame-options-sameorigin-or-deny"
    if header.startswith("allow-from"):
        return "x-frame-options-allow-from-origin"
    return "x-frame-options-header-invalid"


def resource_policy_test(response: Response) -> str:
    values = (
        response.all("Cross-Origin-Resource-Policy")
        or read_html(response).http_equiv.get("cross-origin-resource-policy", [])[-1:]
    )
    if not values:
        return "cross-origin-resource-policy-not-implemented"
    value = ", ".join(values).strip().lower()
    name = {"same-origin": "same-origin", "same-site": "same-site", "cross-origin": "cross-origin"}
    if value in name:
        return f"cross-origin-resource-policy-implemented-with-{name[value]}"
    return "cross-origin-resource-policy-header-invalid"


def _token_policy_test(response: Response, header: str, prefix: str, tokens: set[str]) -> str:
    values = response.all(header)
    if not values:
        return f"{prefix}-not-implemented"
    # A structured-field token, perhaps with parameters (";report-to=...").
    token = values[0].split(";")[0].strip().strip('"')
    if len(values) > 1 or token not in tokens:
        return f"{prefix}-header-invalid"
    return f"{prefix}-implemented-with-{token}"


def opener_policy_test(response: Response) -> str:
    tokens = {"same-origin", "same-origin-allow-popups", "noopener-allow-popups", "unsafe-none"}
    return _token_policy_test(
        response, "Cross-Origin-Opener-Policy", "cross-origin-opener-policy", tokens
    )


def embedder_policy_test(response: Response) -> str:
    tokens = {"require-corp", "credentialless", "unsafe-none"}
    return _token_policy_test(
        response, "Cross-Origin-Embedder-Policy", "cross-origin-embedder-policy", tokens
    )


# -- The score -----------------------------------------------------------------------------


def score(scan: Scan) -> Report:
    page = scan.page
    results = {
        "content-security-policy": csp_test(page),
        "cookies": cookies_test(scan),
        "cross-origin-resource-sharing": cors_test(scan),
        "redirection": redirection_test(scan),
        "referrer-policy": referrer_policy_test(page),
        "strict-transport-security": hsts_test(page),
        "subresource-integrity": sri_test(page),
        "x-content-type-options": content_type_options_test(page),
        "x-frame-options": frame_options_test(page),
        "cross-origin-resource-policy": resource_policy_test(page),
        "cross-origin-opener-policy": opener_policy_test(page),
        "cross-origin-embedder-policy": embedder_policy_test(page),
    }
    modifiers = [MODIFIERS[result] for result in results.values()]
    with_bonus = 100 + sum(modifiers)
    without_bonus = 100 + sum(m for m in modifiers if m < 0)
    total = max(with_bonus if without_bonus >= MINIMUM_SCORE_FOR_BONUS else without_bonus, 0)
    grade = next(letter for floor, letter in GRADES if total >= floor)
    return Report(results=results, score=total, grade=grade)
