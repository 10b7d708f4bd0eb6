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


def settings_in_fresh_process(env_overrides, expression):
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "FACTCHECK_")) and k != "DATABASE_URL"
    }
    env.update(env_overrides)
    code = (
        "import os; os.environ['DJANGO_SETTINGS_MODULE'] = 'factcheck.settings'\n"
        "from django.conf import settings\n"
        f"print({expression})"
    )
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, cwd=settings.BASE_DIR
    )


def test_debug_is_off_unless_asked_for():
    result = settings_in_fresh_process(PRODUCTION, "settings.DEBUG")
    assert result.stdout.strip() == "False"
    result = settings_in_fresh_process({"DJANGO_DEBUG": "1"}, "settings.DEBUG")
    assert result.stdout.strip() == "True"


def test_secret_key_is_required_without_debug():
    result = settings_in_fresh_process({"DJANGO_ALLOWED_HOSTS": "x.org"}, "settings.SECRET_KEY")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_allowed_hosts_are_required_without_debug():
    result = settings_in_fresh_process({"DJANGO_SECRET_KEY": "k" * 50}, "settings.ALLOWED_HOSTS")
    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS must be set" in result.stderr


def test_production_settings_are_hardened():
    result = settings_in_fresh_process(
        PRODUCTION,
        "settings.SECURE_SSL_REDIRECT, settings.SESSION_COOKIE_SECURE, "
        "settings.CSRF_COOKIE_SECURE, settings.SECURE_HSTS_SECONDS, "
        "settings.SECURE_PROXY_SSL_HEADER, settings.DEBUG",
    )
    assert result.stdout.strip() == (
        "True True True 31536000 ('HTTP_X_FORWARDED_PROTO', 'https') False"
    )


def test_deploy_check_passes_with_the_production_settings():
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(PRODUCTION, DJANGO_SETTINGS_MODULE="factcheck.settings")
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        capture_output=True,
        text=True,
        cwd=settings.BASE_DIR,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (1 silenced)." in result.stdout


def test_allowed_hosts_and_database_url_come_from_the_environment():
    result = settings_in_fresh_process(
        {
            "DJANGO_SECRET_KEY": "k" * 50,
            "DJANGO_ALLOWED_HOSTS": "facts.example.org, www.facts.example.org",
            "DATABASE_URL": "postgres://app:pw@db.example.org:5432/facts",
        },
        "settings.ALLOWED_HOSTS, settings.DATABASES['default']['ENGINE'], "
        "settings.DATABASES['default']['HOST']",
    )
    assert result.stdout.strip() == (
        "['facts.example.org', 'www.facts.example.org'] "
        "django.db.backends.postgresql db.example.org"
    )


def test_default_database_is_the_tuned_sqlite_file_in_the_project():
    result = settings_in_fresh_process(
        PRODUCTION,
        "settings.DATABASES['default']['NAME'], "
        "settings.DATABASES['default']['OPTIONS']['transaction_mode']",
    )
    assert result.stdout.strip() == f"{settings.BASE_DIR / 'db.sqlite3'} IMMEDIATE"


def test_the_page_cache_is_shared_by_processes_in_production_and_off_in_development():
    backend = "settings.CACHES['default']['BACKEND']"
    production = settings_in_fresh_process(PRODUCTION, backend).stdout.strip()
    assert production == "django.core.cache.backends.filebased.FileBasedCache"
    development = settings_in_fresh_process({"DJANGO_DEBUG": "1"}, backend).stdout.strip()
    assert development == "django.core.cache.backends.dummy.DummyCache"
    several_machines = settings_in_fresh_process(
        {**PRODUCTION, "CACHE_URL": "redis://cache.internal:6379/0"}, backend
    ).stdout.strip()
    assert several_machines == "django.core.cache.backends.redis.RedisCache"


def test_the_site_url_defaults_to_the_first_allowed_host_over_https():
    site_url = "settings.FACTCHECK_SITE_URL"
    production = {**PRODUCTION, "DJANGO_ALLOWED_HOSTS": "facts.example.org,www.facts.example.org"}
    assert settings_in_fresh_process(production, site_url).stdout.strip() == (
        "https://facts.example.org"
    )
    development = settings_in_fresh_process({"DJANGO_DEBUG": "1"}, site_url).stdout.strip()
    assert development == "http://127.0.0.1:8000"
    chosen = {**PRODUCTION, "FACTCHECK_SITE_URL": "https://checks.example.net/"}
    assert settings_in_fresh_process(chosen, site_url).stdout.strip() == (
        "https://checks.example.net"
    )


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


def test_a_trusted_proxy_count_makes_throttling_read_x_forwarded_for():
    result = settings_in_fresh_process(
        {**PRODUCTION, "DJANGO_TRUSTED_PROXY_COUNT": "1"},
        "settings.AXES_IPWARE_PROXY_COUNT, settings.AXES_IPWARE_META_PRECEDENCE_ORDER",
    )
    assert result.stdout.strip() == "0 ['HTTP_X_FORWARDED_FOR', 'REMOTE_ADDR']"


def test_the_release_written_by_collectstatic_is_read_at_start_up(tmp_path):
    (tmp_path / "release.txt").write_text("0123456789abcdef\n")
    result = settings_in_fresh_process(
        {**PRODUCTION, "DJANGO_STATIC_ROOT": str(tmp_path)}, "settings.FACTCHECK_RELEASE"
    )
    assert result.stdout.strip() == "0123456789abcdef"
