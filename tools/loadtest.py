"""Mixed load: readers and reviewers at once, against a factcheck server.

    python -m tools.loadtest --serve [--workers 4] [--clients 16] [--seconds 20] …
    python -m tools.loadtest --base-url URL --username U --password P --claims SLUG …

Each client reads public pages and, for a share of its requests, changes a
prediction's status as a logged-in reviewer. Reports throughput, latency,
conflicts and errors, and fails unless there are no errors and the timeline
gained one row per successful change. ``--serve`` first starts gunicorn in
production mode on a throwaway site seeded from seeds/ (on ``DATABASE_URL`` if
set, else a fresh SQLite file), as ``.ci/load`` does; otherwise it drives the
server at ``--base-url``.

It speaks plain HTTP to a server on this machine and says it is behind a TLS
proxy (X-Forwarded-Proto: https), as production would be; it never targets
anything but that one server. ``Session`` and ``run_mixed_load`` serve
tests/test_production.py too.
"""

import argparse
import http.client
import json
import os
import random
import re
import secrets
import statistics
import sys
import tempfile
import threading
import time
from urllib.parse import urlencode, urlsplit

from tools.server import seeded_site

# The predictions of the seeded article that --serve writes to.
SEEDED_PREDICTIONS = [
    "russians-may-settle-if-war-lasts-over-two-years",
    "further-waves-of-migration-from-russia",
    "russia-destabilization-in-2022-2023",
    "more-russian-women-will-follow-husbands",
    "continued-war-could-drive-more-emigration-from-russia",
]
VERSION = re.compile(r'name="version" value="(\d+)"')
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
CURRENT_STATUS = re.compile(r'<h2 id="claim-overview-heading">Status: ([^<]+)</h2>')
# Open prediction statuses a writer moves between (never to a final one).
WRITER_STATUSES = {"Pending": "on_track", "On track": "off_track", "Off track": "pending"}


class Session:
    """One client with its own cookies, as one browser would be."""

    def __init__(self, base_url):
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port or 80
        self.origin = f"https://{parts.netloc}"
        self.cookies = {}

    def request(self, method, path, form=None, headers=None):
        connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
        all_headers = {
            "X-Forwarded-Proto": "https",
            "Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items()),
            **(headers or {}),
        }
        body = None
        if form is not None:
            body = urlencode(form)
            all_headers.update(
                {
                    "Content-Type": "application/x-www-form-urlencoded",
                    "Origin": self.origin,
                    "Referer": self.origin + path,
                    "X-CSRFToken": self.cookies.get("csrftoken", ""),
                }
            )
        started = time.perf_counter()
        try:
            connection.request(method, path, body=body, headers=all_headers)
            response = connection.getresponse()
            text = response.read().decode("utf-8", "replace")
        finally:
            connection.close()
        elapsed = time.perf_counter() - started
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]
        return response.status, text, elapsed, dict(response.getheaders())

    def log_in(self, username, password):
        status, page, _, _ = self.request("GET", "/accounts/login/")
        token = CSRF.search(page).group(1)
        status, _, _, headers = self.request(
            "POST",
            "/accounts/login/",
            {"csrfmiddlewaretoken": token, "username": username, "password": password},
        )
        if status != 302:
            raise RuntimeError(f"login as {username} failed with HTTP {status}")

    def review_form(self, slug):
        """(version, CSRF token, current status label) from the review page."""
        status, page, _, _ = self.request("GET", f"/review/claims/{slug}/")
        if status != 200:
            raise RuntimeError(f"review page of {slug}: HTTP {status}")
        return (
            int(VERSION.search(page).group(1)),
            CSRF.search(page).group(1),
            CURRENT_STATUS.search(page).group(1),
        )

    def change_status(self, slug, version, token, to_status, rationale):
        return self.request(
            "POST",
            f"/review/claims/{slug}/status/",
            {
                "csrfmiddlewaretoken": token,
                "version": version,
                "to_status": to_status,
                "rationale": rationale,
                "summary": "",
                "next_review_on": "",
            },
        )


def timeline_rows(session):
    """Status changes across the site, counted from the public JSON export."""
    status, text, _, _ = session.request("GET", "/exports/claims.json")
    claims = json.loads(text)["claims"]
    return sum(1 for c in claims for e in c["timeline"] if e["type"] == "status_change")


def percentile(values, fraction):
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def run_mixed_load(*, base_url, username, password, clients, write_share, seconds, claims):
    """``clients`` threads, each a reader (no cookies) who is also a logged-in
    reviewer: every request is a status change with probability ``write_share``
    (the review page, then the save), otherwise a public page."""
    probe = Session(base_url)
    read_paths = ["/", "/claims/", "/claims/?kind=prediction", "/methodology/"] + [
        f"/claims/{slug}/" for slug in claims
    ]
    before = timeline_rows(probe)
    lock = threading.Lock()
    outcome = {"reads": [], "writes": [], "saved": 0, "conflicts": 0, "errors": 0, "locked": 0}
    reviewers = []
    for _ in range(clients):
        reviewer = Session(base_url)
        reviewer.log_in(username, password)
        reviewers.append(reviewer)
    deadline = time.monotonic() + seconds

    def record(kind, status, text, elapsed):
        with lock:
            outcome[kind].append(elapsed)
            if status >= 500:
                outcome["errors"] += 1
            if "database is locked" in text:
                outcome["locked"] += 1

    def read(reader):
        status, text, elapsed, _ = reader.request("GET", random.choice(read_paths))
        record("reads", status, text, elapsed)

    def write(reviewer, number):
        slug = random.choice(claims)
        started = time.perf_counter()
        version, token, label = reviewer.review_form(slug)
        to_status = WRITER_STATUSES.get(label, "pending")
        status, text, _, _ = reviewer.change_status(
            slug, version, token, to_status, f"Load test client {number}."
        )
        record("writes", status, text, time.perf_counter() - started)
        with lock:
            if status == 302:
                outcome["saved"] += 1
            elif status == 409:
                outcome["conflicts"] += 1

    def client(number):
        reader, reviewer = Session(base_url), reviewers[number]
        while time.monotonic() < deadline:
            if random.random() < write_share:
                write(reviewer, number)
            else:
                read(reader)

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    duration = time.monotonic() - started
    after = timeline_rows(probe)

    def millis(values, fraction):
        value = percentile(values, fraction)
        return None if value is None else round(value * 1000, 1)

    reads, writes = outcome["reads"], outcome["writes"]
    return {
        "seconds": round(duration, 1),
        "clients": clients,
        "write_share": write_share,
        "reads": len(reads),
        "reads_per_second": round(len(reads) / duration, 1),
        "read_p50_ms": millis(reads, 0.5),
        "read_p99_ms": millis(reads, 0.99),
        "writes": len(writes),
        "writes_per_second": round(len(writes) / duration, 1),
        "write_p50_ms": millis(writes, 0.5),
        "write_p99_ms": millis(writes, 0.99),
        "saved": outcome["saved"],
        "conflicts": outcome["conflicts"],
        "errors": outcome["errors"],
        "locked": outcome["locked"],
        "new_timeline_rows": after - before,
        "timeline_matches": after - before == outcome["saved"],
        "read_mean_ms": round(statistics.fmean(reads) * 1000, 1) if reads else None,
    }


def main(argv=None):
    parser = argparse.ArgumentParser(
        prog="python -m tools.loadtest",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--serve",
        action="store_true",
        help="Start gunicorn on a throwaway seeded site and drive that "
        "(then the reviewer and the claims are its own).",
    )
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers, with --serve.")
    parser.add_argument("--base-url", default="http://127.0.0.1:8000")
    parser.add_argument("--username")
    parser.add_argument("--password")
    parser.add_argument("--claims", nargs="+", help="Slugs of predictions to write to.")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument(
        "--write-share",
        type=float,
        default=0.05,
        help="Share of requests that are status changes (default 0.05: 95%% reads).",
    )
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--json", action="store_true", help="Print the result as JSON.")
    options = parser.parse_args(argv)
    load = {
        "clients": options.clients,
        "write_share": options.write_share,
        "seconds": options.seconds,
    }
    if options.serve:
        database_url = os.environ.get("DATABASE_URL")
        password = secrets.token_urlsafe(16)
        print(
            f"Database: {(database_url or 'sqlite').split(':')[0]}; "
            f"gunicorn workers: {options.workers}; {os.cpu_count()} cores",
            file=sys.stderr,
        )
        with (
            tempfile.TemporaryDirectory(prefix="factcheck-load.") as home,
            seeded_site(
                home,
                reviewer="loader",
                password=password,
                workers=options.workers,
                database_url=database_url,
            ) as base_url,
        ):
            result = run_mixed_load(
                base_url=base_url,
                username="loader",
                password=password,
                claims=SEEDED_PREDICTIONS,
                **load,
            )
    else:
        if not (options.username and options.password and options.claims):
            parser.error("without --serve, --username, --password and --claims are needed")
        result = run_mixed_load(
            base_url=options.base_url,
            username=options.username,
            password=options.password,
            claims=options.claims,
            **load,
        )
    if options.json:
        print(json.dumps(result, indent=1))
    else:
        for key, value in result.items():
            print(f"{key}: {value}")
    if result["errors"] or result["locked"] or not result["timeline_matches"]:
        sys.exit("The load produced errors or an inconsistent timeline.")


if __name__ == "__main__":
    main()
