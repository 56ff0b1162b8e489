"""Hostile spellings of a private file's address under the media URL: the one table the
Django, nginx and S3 tests all run.

Each spelling names a stored file that is not a rendition (an original image, a document)
by way of the renditions folder, by an encoded or doubled slash, an encoded or dotted dot
segment, a backslash, a second encoding, a trailing dot or a NUL, or directly. Whoever
serves media must answer every one of them with a refusal: never the file, never a cache
header that lets a CDN keep the answer.
"""

import http.client
from urllib.parse import urlsplit

RENDITIONS = "images"


def hostile_spellings(private: str) -> dict[str, str]:
    """Addresses relative to the media URL (no leading slash) that try to reach ``private``,
    a stored name such as ``original_images/photo.jpg``; keyed by what each one tries."""
    folder, _, name = private.partition("/")
    encoded_slash = f"{folder}%2f{name}"
    backslashed = private.replace("/", "\\")
    every_byte_encoded = "/".join(
        "".join(f"%{byte:02x}" for byte in part.encode()) for part in private.split("/")
    )
    return {
        "direct": private,
        "every byte percent-encoded": every_byte_encoded,
        "dot-dot": f"{RENDITIONS}/../{private}",
        "encoded dot-dot": f"{RENDITIONS}/%2e%2e/{private}",
        "encoded dot-dot, capitals": f"{RENDITIONS}/%2E%2E/{private}",
        "half-encoded dot-dot": f"{RENDITIONS}/.%2e/{private}",
        "other half encoded": f"{RENDITIONS}/%2e./{private}",
        "encoded slash after dot-dot": f"{RENDITIONS}/..%2f{private}",
        "encoded slash, capital": f"{RENDITIONS}/..%2F{private}",
        "all encoded": f"{RENDITIONS}%2f%2e%2e%2f{encoded_slash}",
        "encoded slash inside the name": f"{RENDITIONS}/../{encoded_slash}",
        "double slash then dot-dot": f"{RENDITIONS}//../{private}",
        "double slash at the start": f"/{private}",
        "dot then dot-dot": f"{RENDITIONS}/./../{private}",
        "dot segment at the start": f"./{private}",
        "deeper then up twice": f"{RENDITIONS}/x/../../{private}",
        "backslashes": f"{RENDITIONS}\\..\\{backslashed}",
        "encoded backslash": f"{RENDITIONS}/..%5c{private}",
        "double-encoded dot-dot": f"{RENDITIONS}/%252e%252e/{private}",
        "double-encoded slash": f"{RENDITIONS}/..%252f{private}",
        "overlong UTF-8 dots": f"{RENDITIONS}/%c0%ae%c0%ae/{private}",
        "semicolon segment": f"{RENDITIONS}/..;/{private}",
        "trailing dot": f"{RENDITIONS}/../{private}.",
        "trailing dot on the folder": f"{RENDITIONS}./../{private}",
        "trailing slash": f"{RENDITIONS}/../{private}/",
        "NUL": f"{RENDITIONS}/../{private}%00",
        "capital folder": f"{RENDITIONS.upper()}/../{private}",
    }


def refused(status: int, cache_control: str | None) -> bool:
    """A refusal: an error status, and nothing telling a shared cache to keep it."""
    return status >= 400 and "public" not in (cache_control or "").lower()


def raw_get(url: str) -> tuple[int, str | None, bytes]:
    """GET with the path exactly as given (no client-side decoding or dot-segment
    removal): status, Cache-Control and body. ``url`` is an http:// address."""
    scheme, rest = url.split("://", 1)
    assert scheme == "http", url
    netloc, _, path = rest.partition("/")
    host = urlsplit(f"http://{netloc}")
    connection = http.client.HTTPConnection(host.hostname, host.port or 80, timeout=10)
    try:
        connection.putrequest("GET", "/" + path, skip_accept_encoding=True)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.getheader("Cache-Control"), response.read()
    finally:
        connection.close()
