"""`make bench-load`: the booking path under load and under faults, on the real stack.

Writes the "Load and faults" section of bench/RESULTS.md (and bench/out/load/results.json)
and exits 0 whatever it finds. The machinery is tests/load.py, which the bounded version in
the suite (tests/test_load_and_faults.py) uses too. Takes 10 to 20 minutes; needs PostgreSQL
and Redis on loopback for the second database (without them that part is reported skipped).

    a. 50 visitors × 10 bookings each, at once, on SQLite and on PostgreSQL with Redis
    b. a gunicorn worker killed with SIGKILL in the middle of a burst; the unanswered posts
       sent again with the same form token
    c. SQLite locked by another writer for 30 s, with the production busy timeout (20 s)
       and gunicorn's own worker timeout (30 s)
    d. the mail server down for an hour (unreachable, then refusing), then back
    e. Redis (a private one, never the shared server) stopped for 20 s while visitors book
       and read pages, on PostgreSQL and on SQLite, with the email worker running
"""

import json
import os
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))

from tests import load  # noqa: E402
from tests.optional_services import POSTGRES_URL, REDIS_URL, reachable, with_path  # noqa: E402
from tests.private_redis import REDIS_SERVER  # noqa: E402

OUT = BASE_DIR / "bench" / "out" / "load"
RESULTS = BASE_DIR / "bench" / "RESULTS.md"
START = "<!-- load-and-faults: written by `make bench-load` (bench/load.py) -->"
END = "<!-- /load-and-faults -->"

CLIENTS, POSTS_EACH = 50, 10
KILL_CLIENTS, KILL_POSTS_EACH, KILL_AFTER = 20, 10, 40
LOCK_SECONDS = 30
REDIS_DB = 13
REDIS_OUTAGE_CLIENTS, REDIS_OUTAGE_SECONDS = 12, 20


def log(message):
    print(f"[bench-load] {message}", flush=True)  # noqa: T201


def run_site(vendor: str, results: dict) -> None:
    workdir = OUT / vendor
    postgres = with_path(POSTGRES_URL, "")
    redis_url = with_path(REDIS_URL, f"/{REDIS_DB}")
    log(f"{vendor}: migrating and loading the demo site")
    with load.prepared_site(workdir, vendor, postgres, redis_url) as (env, database):
        with load.serve(env, workdir) as server:
            log(f"{vendor}: a. {CLIENTS} visitors × {POSTS_EACH} bookings")
            started = time.monotonic()
            bookings = load.booking_burst(server.base_url, CLIENTS, POSTS_EACH, "a-")
            burst = load.burst_report(database, bookings, "a-")
            burst["seconds"] = time.monotonic() - started
            burst["rate_limit_statuses"] = load.rate_limit_holds(server.base_url)
            results[vendor] = {"burst": burst}

            log(f"{vendor}: b. a worker killed mid-burst")
            run = load.burst_with_a_killed_worker(
                server, database, KILL_CLIENTS, KILL_POSTS_EACH, "b-", KILL_AFTER
            )
            retry = load.retry_unanswered(server, run["bookings"], database, "b-")
            killed = load.killed_worker_report(database, run, retry, "b-")
            killed["workers_after"] = len(server.worker_pids())
            results[vendor]["killed"] = killed

            if vendor == "sqlite":
                for name, clients, spread in (("lock", 3, 6), ("lock, busy", 12, 24)):
                    log(f"{vendor}: c. the database locked for {LOCK_SECONDS} s ({name})")
                    prefix = f"c{clients}-"
                    before = load.totals(database)
                    locked = load.posts_during_lock(
                        server, database, LOCK_SECONDS, clients, prefix, spread
                    )
                    for booking in locked["refused"]:
                        load.send_again(server.base_url, booking)
                    report = load.locked_report(database, locked, locked["refused"], prefix)
                    after = load.totals(database)
                    report["new_tokens_minus_new_bookings"] = (
                        after["tokens"] - before["tokens"] - after["bookings"] + before["bookings"]
                    )
                    report["spread_seconds"] = spread
                    results[vendor][name] = report
                results[vendor]["worker_timeouts"] = load.worker_timeouts(server)
        results[vendor]["totals"] = load.totals(database)
        if vendor == "sqlite":
            log("sqlite: d. the mail server down for an hour, then back")
            started = time.monotonic()
            results["email"] = load.email_outage_in_site(env)
            results["email"]["seconds"] = time.monotonic() - started


def run_redis_outage(vendor: str, results: dict) -> None:
    """e. on ``vendor``, with the cache on a private Redis that is stopped under load."""
    workdir = OUT / f"redis-outage-{vendor}"
    postgres = with_path(POSTGRES_URL, "") if vendor == "postgresql" else ""
    mail = load.MailServer()
    mail.switch("up")
    log(f"{vendor}: e. Redis stopped for {REDIS_OUTAGE_SECONDS} s under load")
    report = load.redis_outage_in_site(
        workdir, vendor, postgres, mail, REDIS_OUTAGE_CLIENTS, REDIS_OUTAGE_SECONDS
    )
    mail.switch("down")
    report["emails_received"] = len(mail.received())
    results.setdefault("redis_outage", {})[vendor] = report


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    results: dict = {}
    before = os.getloadavg()[0]
    run_site("sqlite", results)
    if reachable(POSTGRES_URL, 5432) and reachable(REDIS_URL, 6379):
        run_site("postgresql", results)
    else:
        log("PostgreSQL or Redis is not reachable: that part is skipped")
    if Path(REDIS_SERVER).exists():
        run_redis_outage("sqlite", results)
        if reachable(POSTGRES_URL, 5432):
            run_redis_outage("postgresql", results)
    else:
        log("redis-server is not installed: the Redis outage is skipped")
    results["elapsed"] = time.monotonic() - started
    results["machine_note"] = (
        f"Load average of the machine ({os.cpu_count()} cores) at the start and the end of "
        f"this run: {before:.1f} and {os.getloadavg()[0]:.1f}."
    )
    (OUT / "results.json").write_text(json.dumps(results, indent=2))
    write_section(results)
    log(f"done in {results['elapsed']:.0f}s: bench/RESULTS.md")


# -- the report --------------------------------------------------------------------------


def _yes(ok: bool) -> str:
    return "yes" if ok else "NO"


def burst_rows(results: dict) -> list[str]:
    lines = [
        "| Database | Posts | Answers | Accepted | Rows | Duplicates | 5xx | p50 ms | p99 ms | max ms | Run s |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for vendor, label in (("sqlite", "SQLite"), ("postgresql", "PostgreSQL + Redis")):
        if vendor not in results:
            lines.append(f"| {label} | skipped: not reachable | | | | | | | | | |")
            continue
        b = results[vendor]["burst"]
        answers = ", ".join(f"{n}× {s}" for s, n in sorted(b["statuses"].items()))
        lines.append(
            f"| {label} | {b['posts']} | {answers} | {b['accepted']} | {b['rows']} | "
            f"{b['duplicates']} | {b['server_errors']} | {b['p50_ms']:.0f} | "
            f"{b['p99_ms']:.0f} | {b['max_ms']:.0f} | {b['seconds']:.0f} |"
        )
    return lines


def killed_rows(results: dict) -> list[str]:
    lines = [
        "| Database | Posts | Workers killed | Answered 2xx/3xx | …of them not stored | No answer | …already stored when sent again | Sent again (same token) | Rows missing after | Duplicates | 5xx |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for vendor, label in (("sqlite", "SQLite"), ("postgresql", "PostgreSQL + Redis")):
        if vendor not in results:
            continue
        k = results[vendor]["killed"]
        lines.append(
            f"| {label} | {k['posts']} | {k['killed_workers']} | {k['answered_2xx_3xx']} | "
            f"{k['answered_but_missing']} | {k['unanswered']} | {k['unanswered_already_stored']} | "
            f"{k['unanswered'] + k['answered_posts_sent_again']} (answers: "
            f"{', '.join(k['retry_statuses'])}) | {k['posts_without_row_after_retry']} | "
            f"{k['duplicates']} | {k['server_errors']} |"
        )
    return lines


def lock_rows(results: dict) -> list[str]:
    lines = [
        "| Run | Posts during the lock | Answers | 503 with Retry-After | Slowest 503 s | 503 but stored | 500s | Token without its booking | Sent again after (answers) | Duplicates | Cached GETs (200, hits) | Slowest cached GET ms |",
        "|---|---:|---|---:|---:|---:|---:|---:|---|---:|---|---:|",
    ]
    for name in ("lock", "lock, busy"):
        r = results["sqlite"].get(name)
        if not r:
            continue
        answers = ", ".join(f"{n}× {s}" for s, n in sorted(r["statuses"].items()))
        lines.append(
            f"| {r['posts']} visitors over {r['spread_seconds']} s | {r['posts']} | {answers} | "
            f"{r['refused_with_retry_after']} | {r['refused_seconds_max']:.1f} | "
            f"{r['refused_but_stored']} | {r['server_errors_not_503']} | "
            f"{r['new_tokens_minus_new_bookings']} | {r['retried_after_lock']} "
            f"({', '.join(r['retry_statuses']) or 'none'}) | {r['duplicates']} | "
            f"{r['cached_page_gets']} ({r['cached_page_gets_ok']}, {r['cached_page_hits']}) | "
            f"{r['cached_page_max_ms']:.0f} |"
        )
    return lines


def email_rows(results: dict) -> list[str]:
    e = results["email"]
    phases: dict[str, dict] = {}
    for r in e["rounds"]:
        phase = phases.setdefault(r["mail server"], {"rounds": 0, "first": r["minute"]})
        phase.update(rounds=phase["rounds"] + 1, last=r["minute"], sent=r["sent"])
    described = "; ".join(
        f"{state}: {p['rounds']} rounds from minute {p['first']:g} to {p['last']:g}, "
        f"{p['sent']} sent by the end"
        for state, p in phases.items()
    )
    return [
        "| Emails queued | Sent | Failed for good | Received by the mail server | Distinct | Most attempts | Run s |",
        "|---:|---:|---:|---:|---:|---:|---:|",
        f"| {e['emails']} | {e['sent']} | {e['failed']} | {e['received']} | "
        f"{e['received_distinct']} | {e['most_attempts']} | {e['seconds']:.0f} |",
        "",
        f"Worker rounds on the simulated clock, by the mail server's state: {described}.",
    ]


def redis_outage_rows(results: dict) -> list[str]:
    lines = [
        "| Database | Phase | Posts | GETs | Answers | 5xx or none | Accepted but missing | Page cache |",
        "|---|---|---:|---:|---|---:|---:|---|",
    ]
    for vendor, label in (("sqlite", "SQLite + Redis"), ("postgresql", "PostgreSQL + Redis")):
        r = results.get("redis_outage", {}).get(vendor)
        if not r:
            lines.append(f"| {label} | not run | | | | | | |")
            continue
        for phase in ("before", "during", "after"):
            p = r[phase]
            answers = ", ".join(f"{n}× {s}" for s, n in sorted(p["statuses"].items()))
            lines.append(
                f"| {label} | {phase} | {p['posts']} | {p['gets']} | {answers} | "
                f"{p['server_errors']} | {p['accepted_but_missing']} | "
                f"{', '.join(p['page_cache'])} |"
            )
    for vendor, label in (("sqlite", "SQLite + Redis"), ("postgresql", "PostgreSQL + Redis")):
        r = results.get("redis_outage", {}).get(vendor)
        if r:
            lines += [
                "",
                f"{label}: {r['posts']} posts, {r['rows']} rows, {r['lost']} lost, "
                f"{r['duplicates']} duplicates; emails {r['emails']} "
                f"({r['emails_received']} received by the mail server); the worker "
                f"{'kept running' if r['worker_alive'] else 'EXITED'}. One address over the "
                "rate limit during the outage got "
                f"{', '.join(map(str, r['rate_limit_statuses_during']))}.",
            ]
    return lines


def redis_outage_ok(r: dict) -> bool:
    return (
        all(r[p]["server_errors"] == r[p]["accepted_but_missing"] == 0 for p in r if p in PHASES)
        and r["lost"] == r["duplicates"] == 0
        and r["worker_alive"]
        and r["emails_received"] == 2 * r["posts"]
    )


PHASES = ("before", "during", "after")


def targets(results: dict) -> list[str]:
    rows = ["| Target | Measured | Met |", "|---|---|---|"]
    for vendor, label in (("sqlite", "SQLite"), ("postgresql", "PostgreSQL + Redis")):
        if vendor not in results:
            rows.append(f"| {label}: the burst | not run (no PostgreSQL or Redis) | NO |")
            continue
        b, k = results[vendor]["burst"], results[vendor]["killed"]
        ok = (
            b["rows"] == b["accepted"] == b["posts"]
            and b["duplicates"] == b["server_errors"] == b["incomplete"] == 0
        )
        rows.append(
            f"| {label}: every accepted post one row, 0 duplicates, 0 5xx | "
            f"{b['accepted']} accepted of {b['posts']}, {b['rows']} rows, {b['duplicates']} "
            f"duplicates, {b['server_errors']} 5xx, p99 {b['p99_ms']:.0f} ms | {_yes(ok)} |"
        )
        ok = (
            k["answered_but_missing"] == k["posts_without_row_after_retry"] == 0
            and k["duplicates"] == 0
            and k["unanswered"] >= 1
        )
        rows.append(
            f"| {label}: worker killed; answered posts stored, retried posts not duplicated | "
            f"{k['answered_but_missing']} answered posts missing, {k['unanswered']} unanswered "
            f"sent again, {k['duplicates']} duplicates | {_yes(ok)} |"
        )
    for name in ("lock", "lock, busy"):
        r = results["sqlite"].get(name)
        if r:
            ok = (
                r["server_errors_not_503"] == r["no_answer"] == r["refused_but_stored"] == 0
                and r["refused_with_retry_after"] == r["refused_503"]
                and r["new_tokens_minus_new_bookings"] == 0
                and r["duplicates"] == 0
            )
            rows.append(
                f"| Locked {LOCK_SECONDS} s ({r['posts']} visitors): 503 + Retry-After, never "
                f"500, nothing half-stored | {r['refused_503']} × 503, "
                f"{r['server_errors_not_503']} other 5xx, {r['no_answer']} unanswered | {_yes(ok)} |"
            )
    for vendor, r in results.get("redis_outage", {}).items():
        rows.append(
            f"| Redis stopped {REDIS_OUTAGE_SECONDS} s under load ({vendor}): 0 responses of "
            f"500, 0 lost bookings, the worker keeps sending | "
            f"{sum(r[p]['server_errors'] for p in PHASES)} 5xx, {r['lost']} lost, "
            f"{r['emails_received']} of {2 * r['posts']} emails | {_yes(redis_outage_ok(r))} |"
        )
    e = results["email"]
    ok = e["sent"] == e["emails"] == e["received"] == e["received_distinct"]
    rows.append(
        f"| Mail server down an hour: every email exactly once | {e['received']} received for "
        f"{e['emails']} queued, {e['received_distinct']} distinct | {_yes(ok)} |"
    )
    return rows


def section(results: dict) -> str:
    lines = [
        START,
        "## Load and faults",
        "",
        "Written by `make bench-load` (bench/load.py, with tests/load.py). Production settings "
        "under gunicorn with 4 sync workers and gunicorn's default worker timeout (30 s), as "
        "the README deploys it; SQLite with its production busy timeout (20 s), and "
        "PostgreSQL with Redis for the cache and the rate limits. Each visitor is a browser "
        "behind the TLS proxy: it opens `/book/` (a fresh form token and CSRF cookie), takes "
        f"{load.FILL_SECONDS} s to fill it in (the form's minimum is 3 s), and posts it from "
        "its own address (`X-Real-IP`, named by `DJANGO_CLIENT_IP_HEADER`). The rate limit "
        f"stays on at `FORM_RATE_LIMIT_POSTS={load.RATE_LIMIT_POSTS}` a minute per address; "
        "after each burst one address posts over it and is refused (the statuses are listed). "
        "Rows are counted in the database itself; a booking counts as whole when it has its "
        "two queued emails. p50/p99 are the posts' times, from sending to the redirect.",
        "",
        *([results["machine_note"], ""] if results.get("machine_note") else []),
        f"### a. {CLIENTS} visitors × {POSTS_EACH} bookings, at once",
        "",
        *burst_rows(results),
        "",
    ]
    for vendor, label in (("sqlite", "SQLite"), ("postgresql", "PostgreSQL + Redis")):
        if vendor in results:
            statuses = results[vendor]["burst"]["rate_limit_statuses"]
            lines += [
                f"Rate limit on ({label}): one address posting an incomplete form "
                f"{len(statuses)} times in a minute got {', '.join(map(str, statuses))}.",
                "",
            ]
    lines += [
        "### b. A worker killed with SIGKILL in the middle of a burst",
        "",
        f"{KILL_CLIENTS} visitors open {KILL_POSTS_EACH} forms each, then send them all at "
        f"once. After {KILL_AFTER} answers, a worker holding a visitor's connection (read from "
        "/proc) gets SIGKILL; if its post was answered anyway, another busy worker is killed "
        "(at most three). Every post left without an answer is sent again with the same form "
        "token, and so are five answered ones (an answer lost on its way back looks the same).",
        "",
        *killed_rows(results),
        "",
        f"### c. SQLite locked by another writer for {LOCK_SECONDS} s",
        "",
        "Another process holds `BEGIN EXCLUSIVE` on the database file. Visitors send forms "
        "they opened before, one after another over the given time, while one more reads two "
        "cached pages (`/` and a guide) every half second. Posts refused with 503 are sent "
        "again, same token, after the lock.",
        "",
        *lock_rows(results),
        "",
        f"Worker timeouts in gunicorn's log: {results['sqlite'].get('worker_timeouts', 'n/a')}.",
        "",
        "### d. The mail server down for an hour, then back",
        "",
        "Every booking above queued two emails. The real worker "
        "(`send_pending_notifications`) runs against a real SMTP server (aiosmtpd): for the "
        "first 30 minutes nothing listens on its port, for the next 30 it answers every "
        "message with 451, then it accepts. The hour is simulated: after each round the clock "
        "moves to the next round of the looping worker (every 5 s) after the earliest email "
        "is due, by moving every waiting email's `next_attempt_at` back by that step; the "
        "minutes below are real time plus those moves. The backoff is the worker's own "
        "(1, 2, 4 … minutes). Emails that failed seconds apart fall due seconds apart, so a "
        "queue this long takes many rounds at each step.",
        "",
        *email_rows(results),
        "",
        f"### e. Redis stopped for {REDIS_OUTAGE_SECONDS} s under load",
        "",
        f"The cache on a private Redis (never the shared one). {REDIS_OUTAGE_CLIENTS} "
        "visitors book again and again and one more reads five public pages; then Redis is "
        f"shut down for {REDIS_OUTAGE_SECONDS} s and started again, empty, and the load goes "
        "on for 8 s. The email worker (`send_pending_notifications --loop`) runs all along "
        "against a real SMTP server. Phases are by when the form was opened or the page "
        "answered.",
        "",
        *redis_outage_rows(results),
        "",
        "### Targets",
        "",
        *targets(results),
        "",
        f"Whole load run: {results['elapsed']:.0f} s.",
        END,
    ]
    return "\n".join(lines)


def write_section(results: dict) -> None:
    """Put the section in RESULTS.md, in place of the last one or before the notes."""
    text = RESULTS.read_text() if RESULTS.exists() else "# Benchmark results\n"
    new = section(results)
    if START in text and END in text:
        before, rest = text.split(START, 1)
        text = before + new + rest.split(END, 1)[1]
    elif "\n## How to read this" in text:
        before, after = text.split("\n## How to read this", 1)
        text = before + new + "\n\n## How to read this" + after
    else:
        text = text.rstrip("\n") + "\n\n" + new + "\n"
    RESULTS.write_text(text)


if __name__ == "__main__":
    if "--report" in sys.argv:
        write_section(json.loads((OUT / "results.json").read_text()))
    else:
        main()
