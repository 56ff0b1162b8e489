"""Two gunicorns on one PostgreSQL and one Redis, behind nginx's front cache.

A publish through one server shows at once on the other and through the proxy, though every
copy of the old page was cached. A booking posted to either server, or posted again to the
other, is stored once, and two email workers running side by side send each email once. A
visitor's posts count against one rate limit, whichever server takes them.
"""

import concurrent.futures
import email
import re
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter

import pytest

from blog.models import BlogPage

from . import load
from .two_app_servers import (
    EDITOR_PASSWORD,
    AdminBrowser,
    GatedMailServer,
    mail_env,
    make_editor,
    notification_workers,
    serve_two_app_servers,
    wait_until_sent,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.nginx]


@pytest.fixture(scope="module")
def servers(tmp_path_factory):
    with serve_two_app_servers(tmp_path_factory.mktemp("two-app-servers")) as pair:
        yield pair


def get(url: str) -> tuple[int, dict, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


def newest_guide(servers) -> tuple[int, str]:
    """The newest live guide's id and public path: the home page and the index list it."""
    ((page_id, url_path),) = servers.query(
        "SELECT p.id, p.url_path FROM blog_blogpage b "
        "JOIN wagtailcore_page p ON p.id = b.page_ptr_id WHERE p.live "
        "ORDER BY b.date DESC, p.path DESC LIMIT 1"
    )
    # url_path starts with the home page's own slug ("/home/blog/x/" is "/blog/x/").
    return page_id, "/" + url_path.strip("/").split("/", 1)[1] + "/"


def words(value) -> list[str]:
    """The text in a block's stored value, in order, without markup, ids or format."""
    if isinstance(value, dict):
        return [w for key in sorted(value) if key not in ("id", "type") for w in words(value[key])]
    if isinstance(value, list):
        return [w for item in value for w in words(item)]
    return [re.sub(r"<[^>]*>", "", str(value))]


def stored_body(servers, page_id: int) -> list[tuple[str, list[str]]]:
    """The guide's blocks and their text. A save through the editor stores the same content
    in its own form (keys on rich text paragraphs, ids on list items), as a browser's would."""
    ((body,),) = servers.query("SELECT body FROM blog_blogpage WHERE page_ptr_id = %s", page_id)
    return [(block["type"], words(block["value"])) for block in body]


def test_a_publish_through_one_server_shows_at_once_on_the_other_and_through_the_proxy(servers):
    page_id, guide_path = newest_guide(servers)
    paths = (guide_path, "/blog/", "/")
    # Every copy of the old pages is cached: in Redis for both servers, and in nginx.
    for path in paths:
        for server in (servers.server_a, servers.server_b):
            get(server + path)
            status, headers, _ = get(server + path)
            assert (status, headers["X-Page-Cache"]) == (200, "hit"), server + path
        get(servers.proxy + path)
        status, headers, _ = get(servers.proxy + path)
        assert (status, headers["X-Front-Cache"]) == (200, "HIT"), path
    body_before = stored_body(servers, page_id)

    make_editor(servers.env, "two-servers-editor")
    editor = AdminBrowser(servers.server_a)
    editor.sign_in("two-servers-editor", EDITOR_PASSWORD)
    new_intro = f"Reviewed again this winter ({uuid.uuid4().hex[:8]}): what still holds."
    answer = editor.publish_edit(
        page_id, {"intro": new_intro}, stream_blocks={"body": BlogPage.body.field.stream_block}
    )
    assert answer.status_code == 302, answer.text[:2000]

    # At once: no wait, no retry.
    stale = [
        base + path
        for base in (servers.server_b, servers.server_a, servers.proxy)
        for path in paths
        if new_intro not in get(base + path)[2]
    ]
    assert stale == []

    # It was the editor's publish, made through the admin, and it changed nothing else.
    ((publisher,),) = servers.query(
        "SELECT u.username FROM wagtailcore_page p "
        "JOIN wagtailcore_revision r ON r.id = p.live_revision_id "
        "JOIN auth_user u ON u.id = r.user_id WHERE p.id = %s",
        page_id,
    )
    assert publisher == "two-servers-editor"
    assert stored_body(servers, page_id) == body_before


def open_and_post(form_server: str, post_servers: list[str], email_address: str, n: int):
    """A visitor opens the booking form on one server and sends it to each of the others in
    turn (the second time is the same form sent again); returns the answers' statuses."""
    visitor = load.Visitor(form_server, load.address(n))
    booking = visitor.open_form(email_address)
    time.sleep(load.FILL_SECONDS)
    return [load.send_again(server, booking).status for server in post_servers]


def test_bookings_to_either_server_are_stored_once_and_each_email_is_sent_once(servers):
    a, b = servers.server_a, servers.server_b
    prefix = f"two-{uuid.uuid4().hex[:6]}-"
    visits = {
        # Posted to A, then the same form again to B; and the other way round.
        f"{prefix}a@example.com": (a, [a, b]),
        f"{prefix}b@example.com": (b, [b, a]),
        # The form served by one server, taken by the other (the proxy's round robin).
        f"{prefix}ab@example.com": (a, [b]),
    }
    with concurrent.futures.ThreadPoolExecutor(len(visits)) as pool:
        answers = {
            address: pool.submit(open_and_post, form_server, post_servers, address, n)
            for n, (address, (form_server, post_servers)) in enumerate(visits.items())
        }
    statuses = {address: answer.result() for address, answer in answers.items()}
    assert statuses == {address: [302] * len(posts) for address, (_, posts) in visits.items()}

    rows = load.booking_rows(servers.database, prefix)
    assert rows == {"counts": dict.fromkeys(visits, 1), "incomplete": 0}
    bookings = servers.query(
        "SELECT b.id, b.email FROM bookings_bookingrequest b WHERE b.email LIKE %s",
        prefix + "%",
    )
    ((practice_address,),) = servers.query(
        "SELECT COALESCE(NULLIF(booking_notification_email, ''), email) FROM home_practicesettings"
    )
    expected = Counter()
    for pk, visitor_address in bookings:
        expected[(visitor_address, f"We have your booking request #{pk}")] += 1
        expected[(practice_address, f"New booking request #{pk}")] += 1

    workdir = servers.workdir
    with GatedMailServer(hold_until=2) as mail:
        with notification_workers(mail_env(servers.env, mail.port), 2, workdir) as workers:
            assert mail.held_at_once(timeout=60), "the two workers never sent at the same time"
            mail.release()
            wait_until_sent(servers.database, workers, timeout=60)
        received = Counter(
            (to, email.message_from_bytes(envelope.content)["Subject"])
            for envelope in mail.handler.messages
            for to in envelope.rcpt_tos
        )

    assert [worker.process.returncode for worker in workers] == [0, 0]
    assert received == expected
    sent_by_worker = [
        sum(int(n) for n in re.findall(r"(\d+) sent", worker.log())) for worker in workers
    ]
    assert sum(sent_by_worker) == len(expected)
    assert min(sent_by_worker) >= 1, sent_by_worker
    assert servers.query(
        "SELECT n.status, n.attempts, COUNT(*) FROM bookings_notification n "
        "JOIN bookings_bookingrequest b ON b.id = n.booking_id WHERE b.email LIKE %s "
        "GROUP BY n.status, n.attempts",
        prefix + "%",
    ) == [("sent", 1, len(expected))]


def test_a_visitors_posts_to_both_servers_count_against_one_rate_limit(servers):
    """The limit's counter is in the shared Redis: posts alternating between the servers
    are refused after the limit for the minute, not after twice as many."""
    visitor = load.Visitor(servers.server_a, "10.254.0.9")
    booking = visitor.open_form("rate-limit@example.com")
    del booking.fields["name"]  # incomplete: refused with 400 while allowed, never stored
    time.sleep(load.FILL_SECONDS)
    alternating = [servers.server_a, servers.server_b] * ((load.RATE_LIMIT_POSTS + 2) // 2)
    for _ in range(3):
        # The limit counts in fixed minutes: a run that straddles one's end is sent again.
        minute = int(time.time() // 60)
        statuses = [load.send_again(server, booking).status for server in alternating]
        if int(time.time() // 60) == minute:
            break
        time.sleep(60 - time.time() % 60)
    assert statuses == [400] * load.RATE_LIMIT_POSTS + [429, 429]
