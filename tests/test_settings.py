"""The settings, by what they make Django do, each read in a fresh process
from the environment alone. What the production settings make gunicorn do
(HTTPS redirect, secure cookies, HSTS, DEBUG off) is in test_production.py.
A few are compared as settings, each saying why."""

import os
import sqlite3
import subprocess
import sys
import threading

import pytest
from django.conf import settings
from django.db import connection, transaction

from factcheck.models import Person

on_sqlite = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="SQLite tuning applies only to the SQLite backend"
)


def sqlite_pragma(name):
    with connection.cursor() as cursor:
        cursor.execute(f"PRAGMA {name}")
        return cursor.fetchone()[0]


@on_sqlite
@pytest.mark.django_db
def test_sqlite_connection_uses_wal_normal_sync_and_busy_timeout():
    assert sqlite_pragma("journal_mode") == "wal"
    assert sqlite_pragma("synchronous") == 1  # NORMAL
    assert sqlite_pragma("busy_timeout") == 5000


@on_sqlite
@pytest.mark.django_db
def test_test_database_is_a_file_so_concurrency_is_real():
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA database_list")
        (_, _, path), *_ = cursor.fetchall()
    assert path == settings.DATABASES["default"]["TEST"]["NAME"]
    assert os.path.isfile(path)


@on_sqlite
@pytest.mark.django_db(transaction=True)
def test_atomic_blocks_take_the_write_lock_at_begin():
    """BEGIN IMMEDIATE: an open atomic() block, before it writes anything, already
    keeps other writers out, so read-then-write sequences cannot interleave."""
    database_file = connection.settings_dict["NAME"]
    entered, release = threading.Event(), threading.Event()

    def hold_open_transaction():
        from django.db import connection as thread_connection

        try:
            with transaction.atomic():
                list(Person.objects.all())  # a read only
                entered.set()
                release.wait(5)
        finally:
            thread_connection.close()

    holder = threading.Thread(target=hold_open_transaction)
    holder.start()
    try:
        assert entered.wait(5)
        other = sqlite3.connect(database_file, timeout=0.1)
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        other.close()
    finally:
        release.set()
        holder.join()


PRODUCTION = {
    "DJANGO_SECRET_KEY": "production-like-" + "k" * 50,
    "DJANGO_ALLOWED_HOSTS": "facts.example.org",
}


def in_fresh_process(env_overrides, code):
    """Run ``code`` in a new interpreter whose Django is set up from
    factcheck.settings and ``env_overrides`` alone."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "FACTCHECK_", "EMAIL_"))
        and k not in ("DATABASE_URL", "CACHE_URL")
    }
    env.update(env_overrides)
    code = (
        "import os; os.environ['DJANGO_SETTINGS_MODULE'] = 'factcheck.settings'\n"
        "import django; django.setup()\n"
        "from django.conf import settings\n" + code
    )
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=settings.BASE_DIR
    )


def settings_in_fresh_process(env_overrides, expression):
    return in_fresh_process(env_overrides, f"print({expression})")


def test_debug_shows_djangos_own_error_pages_when_asked_for(tmp_path):
    missing_page = (
        "from django.test import Client\n"
        "page = Client(HTTP_HOST='localhost').get('/no-such-page/').content\n"
        "print(b'Using the URLconf defined in' in page)"
    )
    debug = {"DJANGO_DEBUG": "1", "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}"}
    assert in_fresh_process(debug, missing_page).stdout.strip() == "True"


def test_secret_key_is_required_without_debug():
    result = settings_in_fresh_process({"DJANGO_ALLOWED_HOSTS": "x.org"}, "settings.SECRET_KEY")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_allowed_hosts_are_required_without_debug():
    result = settings_in_fresh_process({"DJANGO_SECRET_KEY": "k" * 50}, "settings.ALLOWED_HOSTS")
    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS must be set" in result.stderr


@pytest.mark.parametrize(
    "mail, silenced",
    [
        ({"EMAIL_URL": "smtp://smtp.example.org:587/?tls=True"}, 1),
        # And the warning that sending mail will fail, as it is meant to.
        ({}, 2),
    ],
)
def test_deploy_check_passes_with_the_production_settings(mail, silenced):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "EMAIL_"))}
    env.update(PRODUCTION, **mail, DJANGO_SETTINGS_MODULE="factcheck.settings")
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"System check identified no issues ({silenced} silenced)." in result.stdout


def test_only_the_allowed_hosts_from_the_environment_are_answered():
    hosts = {**PRODUCTION, "DJANGO_ALLOWED_HOSTS": "facts.example.org, www.facts.example.org"}
    result = in_fresh_process(
        hosts,
        "from django.core.exceptions import DisallowedHost\n"
        "from django.test import RequestFactory\n"
        "for host in ['facts.example.org', 'www.facts.example.org', 'evil.example']:\n"
        "    try:\n"
        "        print(RequestFactory().get('/', HTTP_HOST=host).get_host())\n"
        "    except DisallowedHost:\n"
        "        print('refused', host)\n",
    )
    assert result.stdout.split("\n")[:3] == [
        "facts.example.org",
        "www.facts.example.org",
        "refused evil.example",
    ]


def test_a_sqlite_database_url_names_the_file_used_in_wal_mode(tmp_path):
    database = tmp_path / "facts.sqlite3"
    result = in_fresh_process(
        {**PRODUCTION, "DATABASE_URL": f"sqlite:///{database}"},
        "from django.db import connection\nconnection.ensure_connection()",
    )
    assert result.returncode == 0, result.stderr
    # WAL is a property of the file itself, so a plain connection sees it too.
    assert sqlite3.connect(database).execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_a_postgres_database_url_is_read_from_the_environment():
    # Compared as settings: connecting needs a server. The suite's own
    # PostgreSQL run (.ci/with-postgres) goes through this URL for real.
    result = settings_in_fresh_process(
        {**PRODUCTION, "DATABASE_URL": "postgres://app:pw@db.example.org:5432/facts"},
        "settings.DATABASES['default']['ENGINE'], settings.DATABASES['default']['HOST']",
    )
    assert result.stdout.strip() == "django.db.backends.postgresql db.example.org"


def test_the_default_database_is_the_sqlite_file_in_the_project():
    # Compared as a setting: opening it would touch the developer's own
    # database. Its tuning (WAL, IMMEDIATE) is tested above on the test
    # database, which is this same configuration under its TEST name.
    result = settings_in_fresh_process(PRODUCTION, "settings.DATABASES['default']['NAME']")
    assert result.stdout.strip() == str(settings.BASE_DIR / "db.sqlite3")


def test_in_production_every_process_reads_the_same_site_version(tmp_path):
    production = {**PRODUCTION, "DJANGO_CACHE_DIR": str(tmp_path)}
    write = "from django.core.cache import cache\ncache.set('site-version', 'from one process')"
    assert in_fresh_process(production, write).returncode == 0
    read = "from django.core.cache import cache\nprint(cache.get('site-version'))"
    assert in_fresh_process(production, read).stdout.strip() == "from one process"


def test_in_development_nothing_is_cached_so_template_edits_show_at_once():
    kept = (
        "from django.core.cache import caches\n"
        "for alias in ('default', 'pages'):\n"
        "    caches[alias].set('page', 'old')\n"
        "    print(caches[alias].get('page'))\n"
    )
    assert in_fresh_process({"DJANGO_DEBUG": "1"}, kept).stdout.split() == ["None", "None"]


def test_a_cache_url_shares_the_site_version_through_redis():
    # Compared as a setting: seeing it work needs a Redis server.
    backend = "settings.CACHES['default']['BACKEND']"
    several_machines = settings_in_fresh_process(
        {**PRODUCTION, "CACHE_URL": "redis://cache.internal:6379/0"}, backend
    ).stdout.strip()
    assert several_machines == "django.core.cache.backends.redis.RedisCache"


def test_absolute_urls_are_on_the_first_allowed_host_over_https_by_default():
    link = "from factcheck.publishing import absolute_url\nprint(absolute_url('/claims/x/'))"
    production = {**PRODUCTION, "DJANGO_ALLOWED_HOSTS": "facts.example.org,www.facts.example.org"}
    assert in_fresh_process(production, link).stdout.strip() == (
        "https://facts.example.org/claims/x/"
    )
    development = in_fresh_process({"DJANGO_DEBUG": "1"}, link).stdout.strip()
    assert development == "http://127.0.0.1:8000/claims/x/"
    chosen = {**PRODUCTION, "FACTCHECK_SITE_URL": "https://checks.example.net/"}
    assert in_fresh_process(chosen, link).stdout.strip() == "https://checks.example.net/claims/x/"


@pytest.mark.parametrize(
    "overrides",
    [
        {"FACTCHECK_SITE_URL": "facts.example.org"},
        {"FACTCHECK_SITE_URL": "ftp://facts.example.org"},
        {"FACTCHECK_SITE_URL": "https://facts.example.org/claims"},
        {"DJANGO_ALLOWED_HOSTS": "*"},
    ],
)
def test_a_site_url_that_cannot_build_links_stops_the_start(overrides):
    result = settings_in_fresh_process({**PRODUCTION, **overrides}, "settings.FACTCHECK_SITE_URL")
    assert result.returncode != 0
    assert "FACTCHECK_SITE_URL must" in result.stderr


@pytest.mark.parametrize(
    "overrides, counted",
    [
        # Without a proxy, X-Forwarded-For is whatever the client wrote: ignored.
        ({}, "10.9.9.9"),
        ({"DJANGO_TRUSTED_PROXY_COUNT": "1"}, "81.2.69.160"),
    ],
)
def test_login_throttling_counts_the_address_behind_the_trusted_proxies(overrides, counted):
    address = (
        "from axes.helpers import get_client_ip_address\n"
        "from django.test import RequestFactory\n"
        "request = RequestFactory().post(\n"
        "    '/accounts/login/', REMOTE_ADDR='10.9.9.9', HTTP_X_FORWARDED_FOR='81.2.69.160'\n"
        ")\n"
        "print(get_client_ip_address(request))"
    )
    assert in_fresh_process({**PRODUCTION, **overrides}, address).stdout.strip() == counted


def test_the_release_written_by_collectstatic_is_read_at_start_up(tmp_path):
    # Compared as a setting: what it keys (pages of one release never served
    # by the next) is tested with the setting in test_page_cache.py.
    (tmp_path / "release.txt").write_text("0123456789abcdef\n")
    result = settings_in_fresh_process(
        {**PRODUCTION, "DJANGO_STATIC_ROOT": str(tmp_path)}, "settings.FACTCHECK_RELEASE"
    )
    assert result.stdout.strip() == "0123456789abcdef"


CONNECTION = (
    "from django.core.mail import mailers\n"
    "c = mailers.default\n"
    "print(type(c).__module__, c.host, c.port, c.use_tls, c.use_ssl, c.username, c.password,"
    " c.timeout)"
)


def test_an_email_url_names_the_mail_server_django_connects_to():
    url = "smtp://desk%40example.org:s%3Acret@smtp.example.org:587/?tls=True"
    result = in_fresh_process({**PRODUCTION, "EMAIL_URL": url}, CONNECTION)
    assert result.stdout.split() == [
        "django.core.mail.backends.smtp",
        "smtp.example.org",
        "587",
        "True",
        "False",
        "desk@example.org",
        "s:cret",
        "10",
    ]


def test_the_mail_server_is_given_10_seconds_unless_told_otherwise():
    email_url = {**PRODUCTION, "EMAIL_URL": "smtp://smtp.example.org"}
    assert in_fresh_process(email_url, CONNECTION).stdout.split()[-1] == "10"
    told = {**email_url, "EMAIL_TIMEOUT": "3"}
    assert in_fresh_process(told, CONNECTION).stdout.split()[-1] == "3"


def test_in_development_without_an_email_url_mails_are_printed_on_the_console():
    send = (
        "from django.core.mail import send_mail\n"
        "send_mail('Claim due', 'It resolves today.', None, ['rita@example.org'])\n"
        "from factcheck.mail import mail_is_configured\n"
        "print('configured:', mail_is_configured())"
    )
    development = {"DJANGO_DEBUG": "1", "DJANGO_DEFAULT_FROM_EMAIL": "desk@example.org"}
    printed = in_fresh_process(development, send).stdout
    assert "Subject: Claim due" in printed
    assert "From: desk@example.org" in printed
    assert "To: rita@example.org" in printed
    assert "configured: True" in printed


def test_in_production_without_an_email_url_mail_is_not_configured():
    configured = "from factcheck.mail import mail_is_configured\nprint(mail_is_configured())"
    assert in_fresh_process(PRODUCTION, configured).stdout.strip() == "False"
    email_url = {**PRODUCTION, "EMAIL_URL": "smtp://smtp.example.org"}
    assert in_fresh_process(email_url, configured).stdout.strip() == "True"


def test_the_senders_and_the_desks_addresses_are_read_from_the_environment():
    # Compared as settings: the sender is seen in a mail in the console test above,
    # and nothing sends to the desk yet.
    addresses = "[settings.DEFAULT_FROM_EMAIL, settings.FACTCHECK_DESK_EMAIL]"
    assert settings_in_fresh_process(PRODUCTION, addresses).stdout.strip() == (
        "['factcheck@localhost', '']"
    )
    chosen = {
        **PRODUCTION,
        "DJANGO_DEFAULT_FROM_EMAIL": "factcheck@example.org",
        "FACTCHECK_DESK_EMAIL": "desk@example.org",
    }
    assert settings_in_fresh_process(chosen, addresses).stdout.strip() == (
        "['factcheck@example.org', 'desk@example.org']"
    )


@pytest.mark.parametrize("url", ["smtp.example.org", "imap://smtp.example.org"])
def test_an_email_url_that_names_no_mail_backend_stops_the_start(url):
    result = settings_in_fresh_process({**PRODUCTION, "EMAIL_URL": url}, "settings.EMAIL_BACKEND")
    assert result.returncode != 0
    assert "EMAIL_URL must start with one of smtp://" in result.stderr
