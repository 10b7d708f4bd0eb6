"""The app behind Debian's nginx, configured by the shipped deploy/nginx.conf:
gunicorn with production settings, and nginx in front over plain HTTP on a
loopback port (the lines marked "# tls" dropped, the app's HTTPS redirect off;
the whole file, TLS included, is checked with `nginx -t`).

Without nginx (`apt-get install nginx-light`) these tests skip, except where
FACTCHECK_REQUIRE_NGINX=1 (CI), where they fail instead.
"""

import contextlib
import http.client
import itertools
import os
import re
import shutil
import socket
import sqlite3
import subprocess
import time
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlencode

import pytest
from django.conf import settings
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tests.test_hostile_requests import HOSTILE_HEADERS, comparable, public_urls
from tools.server import free_port, gunicorn, manage, site_env, wait_for

SITE = Path(settings.BASE_DIR) / "deploy/nginx.conf"
HOST = "facts.example.org"  # the site file's server_name, kept as it is
SHARED_CACHE_SECONDS = 2
PASSWORD = "nginx-test-password-123"
LOG_MARKS = itertools.count(1)
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
VERSION = re.compile(r'name="version" value="(\d+)"')
CURRENT_STATUS = re.compile(r'<h2 id="claim-overview-heading">Status: ([^<]+)</h2>')
CLAIM = "russia-destabilization-in-2022-2023"
OTHER_CLAIM = "further-waves-of-migration-from-russia"
# A status change before nginx starts, so the feeds have an entry: an empty
# feed says it was updated whenever it was rendered, in each worker apart.
PUBLISH = f"""
from django.contrib.auth import get_user_model
from factcheck.models import Claim
from factcheck.services import change_claim_status
claim = Claim.objects.get(slug={CLAIM!r})
change_claim_status(
    claim=claim,
    to_status="pending",
    rationale="<img src=x onerror=alert(2)> The sanctions are in place.",
    by=get_user_model().objects.get(username="reviewer"),
    expected_version=claim.version,
)
"""


def find(program, install):
    """The program's path; without it, a skip (a failure in CI)."""
    # Debian puts nginx in /usr/sbin, which is not on every user's PATH.
    found = shutil.which(program, path=os.environ.get("PATH", "") + os.pathsep + "/usr/sbin")
    if found is None:
        message = f"{program} not found: install it with `apt-get install {install}`."
        if os.environ.get("FACTCHECK_REQUIRE_NGINX") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return found


def site_conf(*, port, upstream, static_root, cache_dir):
    """deploy/nginx.conf with the substitutions its opening comment lists."""
    text = SITE.read_text()
    lines = [
        line
        for line in text.splitlines()
        if not line.rstrip().endswith("# tls") and "listen [::]:" not in line
    ]
    text = "\n".join(lines) + "\n"
    for placeholder, value in [
        ("listen 80", f"listen 127.0.0.1:{port}"),
        ("127.0.0.1:8000", upstream),
        ("/srv/factcheck/staticfiles/", f"{static_root}/"),
        ("/var/cache/nginx/factcheck", str(cache_dir)),
    ]:
        assert placeholder in text, placeholder
        text = text.replace(placeholder, value)
    return text


def main_conf(home, nginx, site):
    """The small main file around ``site``: nginx's own mime.types, everything
    else in ``home``."""
    configure = subprocess.run([nginx, "-V"], capture_output=True, text=True).stderr
    conf_dir = Path(re.search(r"--conf-path=(\S+)", configure).group(1)).parent
    temp = "\n".join(
        f"    {kind}_temp_path {home / 'temp' / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    # As root, workers would switch to "nobody", who cannot read pytest's
    # private temporary folders.
    user = "user root;" if os.geteuid() == 0 else ""
    for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (home / "temp" / kind).mkdir(parents=True, exist_ok=True)
    return f"""{user}
daemon off;
worker_processes 1;
pid {home / "nginx.pid"};
events {{ worker_connections 256; }}
http {{
    include {conf_dir / "mime.types"};
    types_hash_max_size 2048;
    access_log {home / "access.log"};
{temp}
    include {site};
}}
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """gunicorn (2 workers, production settings, its own seeded SQLite database)
    with nginx in front; yields how to reach each."""
    nginx = find("nginx", "nginx-light")
    home = tmp_path_factory.mktemp("nginx")
    nginx_port = free_port()
    env = site_env(home)
    env.update(
        DJANGO_ALLOWED_HOSTS=HOST,
        DJANGO_SECURE_SSL_REDIRECT="0",
        DJANGO_TRUSTED_PROXY_COUNT="1",
        FACTCHECK_SHARED_CACHE_SECONDS=str(SHARED_CACHE_SECONDS),
    )
    manage(env, "migrate", "--no-input")
    manage(env, "seed_claims")
    manage(env, "createreviewer", "reviewer", "--password-stdin", stdin=PASSWORD + "\n")
    manage(env, "shell", "-c", PUBLISH)
    manage(env, "collectstatic", "--no-input")

    access_log = home / "gunicorn-access.log"
    with contextlib.ExitStack() as running:
        app_url = running.enter_context(
            gunicorn(env, workers=2, log=home / "gunicorn.log", access_log=access_log)
        )
        app_port = int(app_url.rsplit(":", 1)[1])
        yield from _behind_nginx(nginx, home, nginx_port, app_port, access_log)


def _behind_nginx(nginx, home, nginx_port, app_port, access_log):
    (home / "site.conf").write_text(
        site_conf(
            port=nginx_port,
            upstream=f"127.0.0.1:{app_port}",
            static_root=home / "static",
            cache_dir=home / "nginx-cache",
        )
    )
    (home / "main.conf").write_text(main_conf(home, nginx, home / "site.conf"))
    command = [nginx, "-p", str(home), "-c", str(home / "main.conf"), "-e", "stderr"]
    nginx_log = home / "nginx.log"
    checked = subprocess.run([*command, "-t"], capture_output=True, text=True)
    if checked.returncode or "[warn]" in checked.stderr:
        pytest.fail("nginx found fault with the site:\n" + checked.stderr)
    proxy = subprocess.Popen(command, stdout=nginx_log.open("wb"), stderr=subprocess.STDOUT)
    wait_for(nginx_port, proxy, nginx_log)
    yield SimpleNamespace(
        port=nginx_port, app_port=app_port, db=home / "db.sqlite3", access_log=access_log
    )
    subprocess.run([*command, "-s", "quit"], check=False, capture_output=True)
    try:
        proxy.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proxy.kill()


class Visitor:
    """One client with its own cookies, speaking to nginx (or, given
    ``port``, to gunicorn directly, with the headers nginx would add)."""

    def __init__(self, site, port=None):
        self.port = port or site.port
        self.direct = port is not None
        self.cookies = {}

    def request(self, method, path, headers=None, form=None):
        """(status, headers with lower-case names, body); status None when the
        connection was closed unanswered."""
        all_headers = {"Host": HOST}
        if self.direct:
            all_headers["X-Forwarded-Proto"] = "http"
        if self.cookies:
            all_headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            body = urlencode(form)
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
            all_headers["Origin"] = f"http://{HOST}"
        all_headers.update(headers or {})
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            connection.request(method, path, body=body, headers=all_headers)
            response = connection.getresponse()
            content = response.read()
        except (http.client.RemoteDisconnected, ConnectionResetError):
            return None, {}, b""
        finally:
            connection.close()
        received = {}
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                cookie, _, rest = value.partition("=")
                self.cookies[cookie] = rest.split(";", 1)[0]
                received.setdefault("set-cookie", []).append(value)
            else:
                received[name.lower()] = value
        return response.status, received, content

    def get(self, path, headers=None):
        return self.request("GET", path, headers)

    def log_in(self, username="reviewer", password=PASSWORD, headers=None):
        _, _, page = self.get("/accounts/login/", headers)
        token = CSRF.search(page.decode()).group(1)
        form = {"csrfmiddlewaretoken": token, "username": username, "password": password}
        return self.request("POST", "/accounts/login/", headers, form)


@pytest.fixture(scope="module")
def reviewer(site):
    """A reviewer signed in through the login form, with a session cookie."""
    visitor = Visitor(site)
    status, _, _ = visitor.log_in()
    assert status == 302 and "sessionid" in visitor.cookies
    return visitor


def cache_status(headers):
    return headers.get("x-cache-status")


def app_requests(site, method, path, expect=0):
    """The lines of gunicorn's access log for ``method path``, once there are
    ``expect`` of them (or 5 s have passed) and a request of the test's own,
    straight to gunicorn, has been logged after them: so a request that
    reached gunicorn when it should not have is counted too."""
    mark = f"/log-mark-{next(LOG_MARKS)}/"
    deadline = time.monotonic() + 5
    lines, marked = [], False
    while time.monotonic() < deadline:
        log = site.access_log.read_text()
        lines = [line for line in log.splitlines() if f'"{method} {path} HTTP/' in line]
        if marked and f" {mark} " in log:
            break
        if len(lines) >= expect and not marked:
            Visitor(site, port=site.app_port).get(mark)
            marked = True
        time.sleep(0.02)
    return lines


def test_the_shipped_file_with_its_tls_lines_passes_nginxs_own_check(tmp_path):
    """The TLS lines the other tests drop, checked with a self-signed certificate
    in place of the real one (``nginx -t`` binds no port)."""
    nginx, openssl = find("nginx", "nginx-light"), find("openssl", "openssl")
    certificate, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        + ["-subj", f"/CN={HOST}", "-keyout", key, "-out", certificate],
        check=True,
        capture_output=True,
    )
    text = SITE.read_text()
    for placeholder, value in [
        (f"/etc/letsencrypt/live/{HOST}/fullchain.pem", certificate),
        (f"/etc/letsencrypt/live/{HOST}/privkey.pem", key),
        ("/var/cache/nginx/factcheck", tmp_path / "cache"),
    ]:
        assert placeholder in text, placeholder
        text = text.replace(placeholder, str(value))
    (tmp_path / "site.conf").write_text(text)
    (tmp_path / "main.conf").write_text(main_conf(tmp_path, nginx, tmp_path / "site.conf"))
    checked = subprocess.run(
        [nginx, "-p", tmp_path, "-c", tmp_path / "main.conf", "-e", "stderr", "-t"],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0 and "[warn]" not in checked.stderr, checked.stderr


def test_the_second_anonymous_request_for_a_claim_page_is_a_cache_hit(site):
    path = f"/claims/{CLAIM}/"
    first_status, first, first_page = Visitor(site).get(path)
    second_status, second, second_page = Visitor(site).get(path)
    assert (first_status, second_status) == (200, 200)
    assert (cache_status(first), cache_status(second)) == ("MISS", "HIT")
    assert second_page == first_page
    assert second["cache-control"] == f"public, max-age=0, s-maxage={SHARED_CACHE_SECONDS}"
    assert second["etag"] == first["etag"]
    assert len(app_requests(site, "GET", path, expect=1)) == 1  # the hit stayed in nginx


def test_a_signed_in_reviewer_neither_gets_nor_leaves_a_cached_page(site, reviewer):
    path = f"/claims/{OTHER_CLAIM}/?seen-by=reviewer"  # a key of its own, cold
    status, headers, _ = reviewer.get(path)
    assert (status, cache_status(headers)) == (200, "BYPASS")
    status, headers, page = Visitor(site).get(path)
    assert (status, cache_status(headers)) == (200, "MISS")  # nothing was left behind
    assert b"csrfmiddlewaretoken" not in page and b"Log out" not in page
    assert cache_status(Visitor(site).get(path)[1]) == "HIT"
    assert cache_status(reviewer.get(path)[1]) == "BYPASS"  # nor given the shared copy

    review = f"/review/claims/{OTHER_CLAIM}/"
    status, headers, page = reviewer.get(review)
    assert (status, cache_status(headers)) == (200, "BYPASS")
    assert b"Log out reviewer" in page and b"csrfmiddlewaretoken" in page
    assert headers["cache-control"] == "private, no-store"
    for _ in range(2):
        status, headers, page = Visitor(site).get(review)
        assert status == 302 and headers["location"].startswith("/accounts/login/")
        assert cache_status(headers) == "MISS"
        assert b"Log out" not in page and b"csrfmiddlewaretoken" not in page


def test_a_post_is_never_cached_nor_answered_from_the_cache(site):
    path = f"/claims/{CLAIM}/"
    _, _, page = Visitor(site).get(path)
    for _ in range(2):
        status, headers, body = Visitor(site).request("POST", path, form={"a": "b"})
        assert status == 403 and body != page  # the CSRF check, from the app
        assert cache_status(headers) is None
    assert len(app_requests(site, "POST", path, expect=2)) == 2
    assert Visitor(site).get(path)[2] == page

    before = len(app_requests(site, "POST", "/accounts/login/"))
    for attempt in range(2):
        visitor = Visitor(site)
        status, headers, body = visitor.log_in("nobody", f"wrong password {attempt}")
        assert status == 200 and b"Please enter a correct username" in body
        assert cache_status(headers) is None
    assert len(app_requests(site, "POST", "/accounts/login/", expect=before + 2)) == before + 2


def test_a_response_that_sets_a_cookie_is_never_stored(site):
    for _ in range(2):
        status, headers, _ = Visitor(site).get("/accounts/login/")
        assert status == 200 and cache_status(headers) == "MISS"
        assert any(c.startswith("csrftoken=") for c in headers["set-cookie"])
        assert headers["cache-control"] == "private, no-store"


def test_forwarded_headers_are_nginxs_not_the_clients(site):
    spoofed = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "6.6.6.6"}
    # The app only sends HSTS over HTTPS: straight to gunicorn the header works...
    _, direct, _ = Visitor(site, port=site.app_port).get("/accounts/login/", spoofed)
    assert "strict-transport-security" in direct
    # ...through nginx it is replaced by the real scheme.
    _, proxied, _ = Visitor(site).get("/accounts/login/", spoofed)
    assert "strict-transport-security" not in proxied

    Visitor(site).log_in("spoofer", "a wrong password", headers=spoofed)
    database = sqlite3.connect(site.db)
    addresses = database.execute(
        "SELECT ip_address FROM axes_accessattempt WHERE username = 'spoofer'"
    ).fetchall()
    assert addresses == [("127.0.0.1",)]  # login throttling counts the real address


def test_static_files_are_served_by_nginx(site):
    _, _, login_page = Visitor(site).get("/accounts/login/")
    stylesheet = re.search(
        rb'href="(/static/factcheck/site\.[0-9a-f]{12}\.css)"', login_page
    ).group(1)
    stylesheet = stylesheet.decode()
    status, headers, _ = Visitor(site).get(stylesheet, {"Accept-Encoding": "gzip"})
    assert status == 200
    assert headers["server"].startswith("nginx")
    assert headers["content-encoding"] == "gzip"  # collectstatic's .gz file
    assert headers["cache-control"] == "public, max-age=315360000, immutable"
    assert "content-security-policy" not in headers  # a header only the app adds
    status, headers, _ = Visitor(site).get("/static/factcheck/site.css")
    assert status == 200 and headers["cache-control"] == "public, max-age=60"
    assert app_requests(site, "GET", "/accounts/login/", expect=1)  # gunicorn logs
    assert app_requests(site, "GET", stylesheet) == []
    assert app_requests(site, "GET", "/static/factcheck/site.css") == []


@pytest.mark.parametrize("host", ["evil.example", "127.0.0.1", f"{HOST}.evil.example", None])
def test_any_other_host_has_its_connection_closed_unanswered(site, host):
    before = app_requests(site, "GET", "/")
    with socket.create_connection(("127.0.0.1", site.port), timeout=10) as connection:
        request = "GET / HTTP/1.1\r\n" if host is not None else "GET / HTTP/1.0\r\n"
        if host is not None:
            request += f"Host: {host}\r\n"
        connection.sendall((request + "\r\n").encode())
        assert connection.recv(1024) == b""  # nginx's 444: not even a status line
    assert app_requests(site, "GET", "/") == before  # nothing reached the app


# --- The hostile-input guard, through nginx ----------------------------------------


def readers_see(site, url):
    plain = Visitor(site).get(url)
    htmx = Visitor(site).get(url, {"HX-Request": "true"})
    return plain[0], comparable(plain[2]), htmx[0], comparable(htmx[2])


class ColdPages(dict):
    def __repr__(self):  # Hypothesis prints its test's arguments on failure
        return f"<cold pages of {', '.join(self)}>"


@pytest.fixture(scope="module")
def cold_pages(site):
    """What readers are served with no shared cache at all: from gunicorn itself."""
    database = sqlite3.connect(site.db)
    claim_slug, article_slug, speaker_slug = database.execute(
        "SELECT c.slug, a.slug, p.slug FROM factcheck_claim c"
        " JOIN factcheck_article a ON a.id = c.article_id"
        " JOIN factcheck_person p ON p.id = c.speaker_id WHERE c.slug = ?",
        [CLAIM],
    ).fetchone()
    claim = SimpleNamespace(
        slug=claim_slug,
        article=SimpleNamespace(slug=article_slug),
        speaker=SimpleNamespace(slug=speaker_slug),
    )
    # The seeded condition (another claim's).
    [condition_slug] = database.execute("SELECT slug FROM factcheck_condition").fetchone()
    pages = ColdPages()
    for url in public_urls(claim, SimpleNamespace(slug=condition_slug)):
        plain = Visitor(site, port=site.app_port).get(url)
        htmx = Visitor(site, port=site.app_port).get(url, {"HX-Request": "true"})
        pages[url] = plain[0], comparable(plain[2]), htmx[0], comparable(htmx[2])
    return pages


def towards_this_site(value):
    # The guard's hosts name the test client's "testserver"; here that is the
    # site's own name, so hostile variants of it reach the app instead of the 444.
    return value.replace("testserver", HOST).replace("TESTSERVER", HOST.upper())


@hypothesis_settings(
    max_examples=40,
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(data=st.data())
def test_hostile_headers_through_nginx_never_change_what_readers_are_served(site, cold_pages, data):
    url = data.draw(st.sampled_from(sorted(cold_pages)), label="url")
    names = data.draw(
        st.sets(st.sampled_from(sorted(HOSTILE_HEADERS)), min_size=1), label="headers"
    )
    headers = {
        name: towards_this_site(data.draw(HOSTILE_HEADERS[name], label=name))
        for name in sorted(names)
    }
    status, _, _ = Visitor(site).get(url, headers)
    assert status is None or status < 500, headers
    assert readers_see(site, url) == cold_pages[url]


# Last: it changes what every public page shows.
def test_a_status_change_reaches_anonymous_readers_within_the_shared_cache_time(site, reviewer):
    path = f"/claims/{OTHER_CLAIM}/"
    Visitor(site).get(path)
    assert cache_status(Visitor(site).get(path)[1]) == "HIT"
    _, _, review_page = reviewer.get(f"/review/claims/{OTHER_CLAIM}/")
    review_page = review_page.decode()
    current = CURRENT_STATUS.search(review_page).group(1)
    rationale = "Checked through nginx."
    status, _, _ = reviewer.request(
        "POST",
        f"/review/claims/{OTHER_CLAIM}/status/",
        form={
            "csrfmiddlewaretoken": CSRF.search(review_page).group(1),
            "version": VERSION.search(review_page).group(1),
            "to_status": "off_track" if current != "Off track" else "on_track",
            "rationale": rationale,
            "summary": "",
            "next_review_on": "",
        },
    )
    assert status == 302
    saved = time.monotonic()
    seen = []
    while time.monotonic() - saved < SHARED_CACHE_SECONDS + 2:
        _, headers, page = Visitor(site).get(path)
        seen.append(cache_status(headers))
        if rationale.encode() in page:
            break
        time.sleep(0.1)
    else:
        pytest.fail(f"still the old page after {SHARED_CACHE_SECONDS + 2} s: {seen}")
    # Once the copy expired, a reader got it at once while nginx fetched the new page.
    assert "STALE" in seen, seen
