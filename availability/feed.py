"""Reading her private calendar's address: over https only, and never from inside.

The address is hers, but the request leaves from the server: before connecting, the host is
resolved and every address it has must be a public one (not private, loopback, link-local,
shared, reserved or multicast), and the connection goes to the address that was checked, so
a second lookup cannot point it elsewhere. Redirects are followed a few times, each checked
the same way. The answer is read with a timeout and a size limit. ``webcal://`` (what phones
hand out) is https.

Loopback is allowed only when the setting ``BUSY_CALENDAR_ALLOW_LOOPBACK`` is true, which
only the tests set (their server is on 127.0.0.1).
"""

import http.client
import ipaddress
import socket
import ssl
import time
import urllib.parse

from django.conf import settings

MAX_BYTES = 5 * 1024 * 1024
TIMEOUT_SECONDS = 10
MAX_REDIRECTS = 3


class FeedError(Exception):
    """Why the calendar could not be read, in words for her. Never holds the address."""


def address_allowed(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if getattr(ip, "ipv4_mapped", None):
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return bool(getattr(settings, "BUSY_CALENDAR_ALLOW_LOOPBACK", False))
    return ip.is_global and not ip.is_multicast


def https_parts(url: str) -> urllib.parse.SplitResult:
    parts = urllib.parse.urlsplit(url.strip())
    if parts.scheme.lower() == "webcal":
        parts = parts._replace(scheme="https")
    if parts.scheme.lower() != "https" or not parts.hostname:
        raise FeedError("The address must start with https:// (or webcal://).")
    return parts


def checked_address(host: str, port: int) -> str:
    try:
        answers = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise FeedError("The calendar's server name could not be found.") from error
    addresses = [answer[4][0] for answer in answers]
    if not addresses or not all(address_allowed(address) for address in addresses):
        raise FeedError("The address points inside a private network, so it is not read.")
    return addresses[0]


class CheckedHTTPSConnection(http.client.HTTPSConnection):
    """An HTTPS connection to an address checked beforehand, verifying the certificate for
    the host name."""

    def __init__(self, host, port, *, address, timeout, context):
        super().__init__(host, port, timeout=timeout, context=context)
        self.checked_address = address
        self.tls_context = context

    def connect(self):
        sock = socket.create_connection((self.checked_address, self.port), self.timeout)
        self.sock = self.tls_context.wrap_socket(sock, server_hostname=self.host)


def fetch(url: str, *, max_bytes: int = MAX_BYTES, timeout: float = TIMEOUT_SECONDS) -> bytes:
    """The body at ``url``; raises FeedError with the reason when it cannot be read."""
    deadline = time.monotonic() + timeout
    context = ssl.create_default_context()
    for _redirect in range(MAX_REDIRECTS + 1):
        parts = https_parts(url)
        port = parts.port or 443
        connection = CheckedHTTPSConnection(
            parts.hostname,
            port,
            address=checked_address(parts.hostname, port),
            timeout=timeout,
            context=context,
        )
        target = urllib.parse.urlunsplit(("", "", parts.path or "/", parts.query, ""))
        try:
            connection.request(
                "GET", target, headers={"Accept": "text/calendar", "User-Agent": "practice"}
            )
            response = connection.getresponse()
            if response.status in (301, 302, 303, 307, 308) and response.getheader("Location"):
                url = urllib.parse.urljoin(
                    urllib.parse.urlunsplit(parts), response.getheader("Location")
                )
                continue
            if response.status != 200:
                raise FeedError(f"The calendar's server answered {response.status}.")
            return read_limited(response, max_bytes, deadline)
        except ssl.SSLError as error:
            raise FeedError("The calendar's server has no valid certificate.") from error
        except (OSError, http.client.HTTPException) as error:
            raise FeedError("The calendar's server could not be reached.") from error
        finally:
            connection.close()
    raise FeedError("The calendar's address redirects too many times.")


def read_limited(response, max_bytes: int, deadline: float) -> bytes:
    chunks, size = [], 0
    # read1: at most one receive per call, so a server that sends a byte at a time still
    # meets the deadline.
    while chunk := response.read1(64 * 1024):
        size += len(chunk)
        if size > max_bytes:
            raise FeedError(f"The calendar is larger than {max_bytes // (1024 * 1024)} MB.")
        if time.monotonic() > deadline:
            raise FeedError("The calendar took too long to arrive.")
        chunks.append(chunk)
    return b"".join(chunks)
