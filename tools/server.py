"""A throwaway production site served by gunicorn: how the benchmark, the load
test and tests/test_production.py all run the app."""

import contextlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent


def site_env(home, *, settings="factcheck.settings", database_url=None):
    """The environment of a site in production mode (DEBUG off) whose static
    files, page cache and, unless ``database_url`` names another, SQLite
    database live in the folder ``home``. Nothing is taken from the caller's
    own Django settings."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("DJANGO_", "FACTCHECK_", "EMAIL_"))
        and name not in ("DATABASE_URL", "CACHE_URL")
    }
    env.update(
        DJANGO_SETTINGS_MODULE=settings,
        DJANGO_SECRET_KEY="throwaway-site-only-" + "s" * 40,
        # testserver: the benchmark's in-process requests (Django's test client).
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost,testserver",
        DJANGO_STATIC_ROOT=str(Path(home) / "static"),
        DJANGO_CACHE_DIR=str(Path(home) / "cache"),
        DATABASE_URL=database_url or f"sqlite:///{Path(home) / 'db.sqlite3'}",
    )
    return env


def manage(env, *args, stdin=None):
    """Run ``manage.py`` with ``env``; its output, or an error with what it said."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        env=env,
        cwd=PROJECT,
        input=stdin,
        capture_output=True,
        text=True,
    )
    if result.returncode:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stderr}")
    return result.stdout


@contextlib.contextmanager
def gunicorn(env, *, workers, app="factcheck.wsgi", log=None, access_log=None, cpus=None):
    """gunicorn serving ``app`` with ``env`` on a free loopback port for the
    length of the block, which gets its base URL. ``log``: a file for its
    output (else this process's); ``access_log``: a file for its access log;
    ``cpus``: the cores to pin it to (taskset)."""
    port = free_port()
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        app,
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--no-control-socket",
        "--log-level",
        "warning",
    ]
    if access_log is not None:
        command += ["--access-logfile", str(access_log)]
    if cpus is not None:
        command = ["taskset", "-c", cpus, *command]
    with contextlib.ExitStack() as stack:
        output = stack.enter_context(open(log, "wb")) if log else None
        process = subprocess.Popen(
            command,
            env=env,
            cwd=PROJECT,
            stdout=output,
            stderr=subprocess.STDOUT if log else None,
        )
        try:
            wait_for(port, process, log)
            yield f"http://127.0.0.1:{port}"
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:  # workers still busy with a slow page
                process.kill()
                process.wait()


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(port, process, log=None):
    for _ in range(100):
        if process.poll() is not None:
            break
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    said = Path(log).read_text(errors="replace")[-2000:] if log else ""
    raise RuntimeError(f"gunicorn did not start\n{said}")


@contextlib.contextmanager
def seeded_site(home, *, reviewer, password, workers, database_url=None, **options):
    """gunicorn (``workers``, and ``options`` as :func:`gunicorn` takes them)
    serving the site seeded from seeds/, where ``reviewer`` logs in with
    ``password``; the block gets its base URL."""
    env = site_env(home, database_url=database_url)
    manage(env, "migrate", "--no-input", "-v", "0")
    manage(env, "seed_claims", "-v", "0")
    manage(env, "createreviewer", reviewer, "--password-stdin", stdin=password + "\n")
    manage(env, "collectstatic", "--no-input", "-v", "0")
    with gunicorn(env, workers=workers, **options) as base_url:
        yield base_url
