"""The app as production runs it: gunicorn with several workers, whitenoise,
DEBUG off, behind a TLS proxy (requests say X-Forwarded-Proto: https)."""

import http.client
import re
import sqlite3
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from tools.loadtest import Session, run_mixed_load
from tools.server import seeded_site

PASSWORD = "load-test-password-123"
PREDICTIONS = [
    "russians-may-settle-if-war-lasts-over-two-years",
    "further-waves-of-migration-from-russia",
    "russia-destabilization-in-2022-2023",
]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """gunicorn, 4 workers, production settings, its own seeded SQLite database."""
    home = tmp_path_factory.mktemp("production")
    log = home / "gunicorn.log"
    # tools.wsgi: each response names its worker, X-Served-By.
    with seeded_site(
        home, reviewer="loader", password=PASSWORD, workers=4, app="tools.wsgi", log=log
    ) as url:
        port = int(url.rpartition(":")[2])
        yield {"url": url, "port": port, "workers": 4, "db": home / "db.sqlite3", "log": log}


def test_security_headers_on_every_kind_of_page(server):
    session = Session(server["url"])
    for path in [
        "/",
        "/claims/",
        "/claims/russia-destabilization-in-2022-2023/",
        "/accounts/login/",
        "/feed/",
    ]:
        status, _, _, headers = session.request("GET", path)
        assert status == 200, path
        csp = headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
        assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
        assert headers["Referrer-Policy"] == "same-origin"
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"


def test_cookies_are_secure_httponly_and_samesite(server):
    connection_headers = []
    session = Session(server["url"])
    original = session.request

    def capture(*args, **kwargs):
        result = original(*args, **kwargs)
        connection_headers.append(result[3])
        return result

    session.request = capture
    session.log_in("loader", PASSWORD)
    cookies = [h["Set-Cookie"] for h in connection_headers if "Set-Cookie" in h]
    csrf = next(c for c in cookies if c.startswith("csrftoken="))
    session_cookie = next(c for c in cookies if c.startswith("sessionid="))
    for cookie in (csrf, session_cookie):
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_plain_http_is_redirected_to_https(server):
    session = Session(server["url"])
    status, _, _, headers = session.request(
        "GET", "/claims/", headers={"X-Forwarded-Proto": "http"}
    )
    assert status == 301
    assert headers["Location"].startswith("https://127.0.0.1:")


def test_a_missing_page_is_the_sites_own_404_with_debug_off(server):
    status, page, _, _ = Session(server["url"]).request("GET", "/no-such-page/")
    assert status == 404
    assert "<h1>Not found</h1>" in page
    assert "Using the URLconf" not in page and "DEBUG = True" not in page


def test_a_bad_host_is_a_400_logged_as_one_warning_line(server):
    hosts = ["evil.example", "", "localhost:abc", "127.0.0.1 evil", "a@b"]
    logged_before = server["log"].read_text()
    for host in hosts:
        connection = http.client.HTTPConnection("127.0.0.1", server["port"], timeout=10)
        connection.putrequest("GET", "/", skip_host=True)
        connection.putheader("Host", host)
        connection.putheader("X-Forwarded-Proto", "https")
        connection.endheaders()
        response = connection.getresponse()
        assert response.status == 400, host
        assert b"<h1>Bad request</h1>" in response.read()
        connection.close()
    logged = server["log"].read_text().removeprefix(logged_before)
    assert "Traceback" not in logged
    lines = [line for line in logged.splitlines() if "HTTP_HOST" in line]
    assert len(lines) == len(hosts), logged


def test_static_files_are_hashed_compressed_and_cached_for_long(server):
    session = Session(server["url"])
    _, page, _, _ = session.request("GET", "/")
    stylesheet = re.search(r'href="(/static/factcheck/site\.[0-9a-f]{12}\.css)"', page).group(1)
    status, _, _, headers = session.request("GET", stylesheet, headers={"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers.get("Content-Encoding") == "gzip"
    assert (
        "max-age=315360000" in headers["Cache-Control"] and "immutable" in headers["Cache-Control"]
    )


def test_concurrent_status_changes_from_one_version_let_exactly_one_through(server):
    slug = "further-waves-of-migration-from-russia"
    sessions = [Session(server["url"]) for _ in range(4)]
    for session in sessions:
        session.log_in("loader", PASSWORD)
    version, token, _ = sessions[0].review_form(slug)
    forms = [(s, *s.review_form(slug)[:2]) for s in sessions]
    assert all(v == version for _, v, _ in forms)
    database = sqlite3.connect(server["db"])
    rows_before = database.execute("SELECT COUNT(*) FROM factcheck_statuschange").fetchone()[0]

    barrier = threading.Barrier(20)
    statuses = []

    def attempt(number):
        session, version, token = forms[number % len(forms)]
        barrier.wait()
        status, text, _, _ = session.change_status(
            slug, version, token, "pending", f"Attempt {number}."
        )
        statuses.append((status, "database is locked" in text))

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(s for s, _ in statuses) == [302] + [409] * 19
    assert not any(locked for _, locked in statuses)
    rows_after = database.execute("SELECT COUNT(*) FROM factcheck_statuschange").fetchone()[0]
    assert rows_after - rows_before == 1


def test_mixed_load_has_no_errors_and_a_consistent_timeline(server):
    result = run_mixed_load(
        base_url=server["url"],
        username="loader",
        password=PASSWORD,
        clients=8,
        write_share=0.3,  # more than in life, to make conflicts likely in 5 s
        seconds=5,
        claims=PREDICTIONS,
    )
    assert result["errors"] == 0 and result["locked"] == 0
    assert result["saved"] > 0 and result["reads"] > 0
    assert result["new_timeline_rows"] == result["saved"]


def pages_from_every_worker(server, path):
    """GET ``path`` in concurrent bursts until every worker has answered (at most
    200 requests): the pages each one served, by its process id."""
    pages = {}
    burst = server["workers"] * 2  # more requests at once than workers, to spread them

    def get(_):
        status, page, _, headers = Session(server["url"]).request("GET", path)
        assert status == 200
        return headers["X-Served-By"], page

    with ThreadPoolExecutor(burst) as pool:
        for _ in range(200 // burst):
            for worker, page in pool.map(get, range(burst)):
                pages.setdefault(worker, []).append(page)
            if len(pages) == server["workers"]:
                return pages
    pytest.fail(f"200 requests reached {len(pages)} of {server['workers']} workers")


def test_every_worker_shows_a_status_change_at_once(server):
    """4 processes each keep cached pages; one saves, none may serve the old page."""
    slug = "russians-may-settle-if-war-lasts-over-two-years"
    reviewer = Session(server["url"])
    reviewer.log_in("loader", PASSWORD)
    version, token, current = reviewer.review_form(slug)
    rationale = f"Cache check from version {version}."
    before = pages_from_every_worker(server, f"/claims/{slug}/")  # each keeps its copy
    assert not any(rationale in page for pages in before.values() for page in pages)
    to_status = "off_track" if current != "Off track" else "on_track"
    status, _, _, _ = reviewer.change_status(slug, version, token, to_status, rationale)
    assert status == 302
    after = pages_from_every_worker(server, f"/claims/{slug}/")
    assert after.keys() == before.keys()
    assert all(rationale in page for pages in after.values() for page in pages)
