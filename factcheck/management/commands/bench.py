"""Benchmark the public pages against Django's own ceiling (a bare view through
the same production middleware), at 100, 10,000 and 100,000 claims.

For each size: build a synthetic SQLite database apart from the development one
(.cache/bench/), count the queries each page runs, start gunicorn in production
mode on the loopback (on its own core where the machine has two), and drive it
with wrk (on the other core), alternating rounds between endpoints. Writes the
figures, with a description of the machine, to docs/benchmarks.md.

Requests per second drift with whatever else a shared machine is doing; with
``--instructions`` the report also gives each page's CPU instructions per
request, counted by valgrind in process: the same on every run, so a change's
effect shows even when it is smaller than the drift.
"""

import io
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import sysconfig
import tempfile
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from factcheck.benchmark.data import measured_records

# (name, path, conditional). Paths under /bench/uncached/ reach the same views
# without the page cache (the benchmark's URLconf only): what rendering costs,
# as after any change of what the public sees.
ENDPOINTS = [
    ("bare view (ceiling)", "/bench/ok/", False),
    ("claim page, cached", "/claims/{claim}/", False),
    ("claim page, 304", "/claims/{claim}/", True),
    ("claim page, uncached", "/bench/uncached/claims/{claim}/", False),
    ("claim list, cached", "/claims/", False),
    ("claim list, uncached", "/bench/uncached/claims/", False),
    ("claim list by status, cached", "/claims/?status=accurate", False),
    ("claim list by status, uncached", "/bench/uncached/claims/?status=accurate", False),
    ("search, uncached", "/bench/uncached/claims/?q=article+{article}+says", False),
    ("home, cached", "/", False),
    ("home, uncached", "/bench/uncached/", False),
    ("Atom feed, uncached", "/bench/uncached/feed/", False),
]
# docs/benchmarks.md keeps what follows this line from one run to the next.
NOTES_MARKER = "<!-- Notes below are kept by make bench. -->"


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("--sizes", nargs="+", type=int, default=[100, 10_000, 100_000])
        parser.add_argument("--seconds", type=int, default=5, help="Length of one wrk round.")
        parser.add_argument("--rounds", type=int, default=5)
        parser.add_argument("--connections", type=int, default=8)
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument(
            "--only", nargs="+", default=[], help="Endpoints whose names contain these words."
        )
        parser.add_argument("--output", default=str(settings.BASE_DIR / "docs/benchmarks.md"))
        parser.add_argument(
            "--profile",
            metavar="PATH",
            help="Instead of measuring, profile PATH (e.g. /bench/uncached/claims/claim-50/) "
            "in process with pyinstrument, against the database of the first size.",
        )
        parser.add_argument("--requests", type=int, default=200, help="Requests to profile.")
        parser.add_argument(
            "--instructions",
            action="store_true",
            help="Also count each page's CPU instructions per request with valgrind "
            "(deterministic; adds some minutes per size).",
        )
        # Internal steps, run in a subprocess against one benchmark database.
        parser.add_argument("--build", type=int, help=argparse_hidden())
        parser.add_argument("--count-queries", action="store_true", help=argparse_hidden())
        parser.add_argument("--profile-here", metavar="PATH", help=argparse_hidden())
        parser.add_argument("--run-requests", nargs=2, type=int, help=argparse_hidden())

    def handle(self, *args, **options):
        if options["build"]:
            from factcheck.benchmark.data import build

            self.stdout.write(json.dumps(build(options["build"])))
            return
        if options["count_queries"]:
            self.stdout.write(json.dumps(count_queries()))
            return
        if options["profile_here"]:
            self.stdout.write(profile(options["profile_here"], options["requests"]))
            return
        if options["run_requests"]:
            run_requests(*options["run_requests"])
            return
        if options["profile"]:
            env = self.prepare(options["sizes"][0])
            self.stdout.write(
                manage(
                    env,
                    "bench",
                    "--profile-here",
                    options["profile"],
                    "--requests",
                    str(options["requests"]),
                )
            )
            return
        if not shutil.which("wrk"):
            raise CommandError("wrk is needed: apt-get install wrk")
        if options["instructions"] and not shutil.which("valgrind"):
            raise CommandError("--instructions needs valgrind: apt-get install valgrind")
        results = {}
        for size in options["sizes"]:
            self.stderr.write(f"== {size} claims")
            results[size] = self.run_size(size, options)
        output = Path(options["output"])
        previous = output.read_text(encoding="utf-8") if output.exists() else ""
        notes = previous.partition(NOTES_MARKER)[2]
        report = render_report(results, options)
        output.write_text(f"{report}\n{NOTES_MARKER}{notes}", encoding="utf-8")
        self.stdout.write(report)

    def prepare(self, size):
        """The environment of a benchmark database of ``size`` claims, built if new."""
        folder = settings.BASE_DIR / ".cache/bench"
        folder.mkdir(parents=True, exist_ok=True)
        database = folder / f"db-{size}.sqlite3"
        env = bench_env(database, folder)
        built = database.exists()
        shutil.rmtree(env["DJANGO_CACHE_DIR"], ignore_errors=True)  # pages of an older database
        manage(env, "migrate", "--no-input", "-v", "0")  # also brings a kept database up to date
        if not built:
            started = time.monotonic()
            counts = json.loads(manage(env, "bench", "--build", str(size)))
            self.stderr.write(f"   built {counts} in {time.monotonic() - started:.1f} s")
        manage(env, "collectstatic", "--no-input", "-v", "0")
        return env

    def run_size(self, size, options):
        env = self.prepare(size)
        queries = json.loads(manage(env, "bench", "--count-queries"))
        port = free_port()
        pin = ["taskset", "-c", "1"] if os.cpu_count() > 1 and shutil.which("taskset") else []
        server = subprocess.Popen(
            [
                *pin,
                str(Path(sys.executable).with_name("gunicorn")),
                "factcheck.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(options["workers"]),
                "--no-control-socket",
                "--log-level",
                "warning",
            ],
            env=env,
            cwd=settings.BASE_DIR,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            wait_for(port)
            claim, article = measured_records(size)
            etag = fetch_etag(base + f"/claims/{claim}/")
            figures = {}
            endpoints = [
                endpoint
                for endpoint in ENDPOINTS
                if endpoint[1] == "/bench/ok/"
                or not options["only"]
                or any(word in endpoint[0] for word in options["only"])
            ]
            for _ in range(options["rounds"]):
                for name, path, conditional in endpoints:
                    url = base + path.format(claim=claim, article=article)
                    headers = {"X-Forwarded-Proto": "https"}
                    if conditional:
                        headers["If-None-Match"] = etag
                    figures.setdefault(name, []).append(
                        wrk(url, headers, options["seconds"], options["connections"])
                    )
        finally:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:  # workers still busy with a slow page
                server.kill()
                server.wait()
        result = {"figures": figures, "queries": queries}
        if options["instructions"]:
            self.stderr.write("   counting instructions (valgrind)")
            result["instructions"] = count_instructions(env, endpoints)
        return result


def argparse_hidden():
    import argparse

    return argparse.SUPPRESS


def bench_env(database, folder):
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_SETTINGS_MODULE="factcheck.benchmark.settings",
        DJANGO_SECRET_KEY="benchmark-only-" + "b" * 40,
        DJANGO_ALLOWED_HOSTS="127.0.0.1,testserver",
        DJANGO_STATIC_ROOT=str(folder / "static"),
        DJANGO_CACHE_DIR=str(database.with_suffix(".cache")),
        DATABASE_URL=f"sqlite:///{database}",
    )
    return env


def manage(env, *args):
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
    )
    if result.returncode:
        raise CommandError(f"manage.py {' '.join(args)} failed:\n{result.stderr}")
    return result.stdout


def count_queries():
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from factcheck.models import Claim

    size = Claim.objects.count()
    claim, article = measured_records(size)
    client = Client(headers={"X-Forwarded-Proto": "https"})
    counts = {}
    for name, path, conditional in ENDPOINTS[1:]:
        if conditional:
            continue
        url = path.format(claim=claim, article=article)
        client.get(url)  # as under load: a cached page is already there
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200, (path, response.status_code)
        counts[name] = len(queries)
    return counts


def profile(path, requests):
    """A pyinstrument report of ``requests`` GETs of ``path`` through the whole
    middleware stack, after a warm-up."""
    from django.test import Client
    from pyinstrument import Profiler

    client = Client(headers={"X-Forwarded-Proto": "https"})
    for _ in range(20):
        response = client.get(path)
    if response.status_code != 200:
        raise CommandError(f"{path} answered {response.status_code}")
    profiler = Profiler(interval=0.0005)
    started = time.perf_counter()
    with profiler:
        for _ in range(requests):
            client.get(path)
    each = (time.perf_counter() - started) / requests * 1000
    report = profiler.output_text(unicode=True, color=False, time="percent_of_total")
    return f"{path}: {each:.2f} ms a request under the profiler\n{report}"


INSTRUCTION_REQUESTS = 50


def count_instructions(env, endpoints):
    """CPU instructions per request of each endpoint, in process through Django's
    WSGI handler, counted by valgrind: one run per endpoint, less a run that only
    starts up and warms every endpoint (as each run does first)."""

    def instructions(index, requests):
        # A cache of its own: every run starts cold and does the same work first.
        with tempfile.TemporaryDirectory(dir=Path(env["DJANGO_CACHE_DIR"]).parent) as cache:
            result = subprocess.run(
                [
                    "valgrind",
                    "--tool=callgrind",
                    "--callgrind-out-file=/dev/null",
                    sys.executable,
                    "manage.py",
                    "bench",
                    "--run-requests",
                    str(index),
                    str(requests),
                ],
                # A fixed hash seed: the same dict and set layouts in every run.
                env={**env, "DJANGO_CACHE_DIR": cache, "PYTHONHASHSEED": "0"},
                cwd=settings.BASE_DIR,
                capture_output=True,
                text=True,
            )
        collected = re.search(r"Collected : (\d+)", result.stderr)
        if result.returncode or not collected:
            raise CommandError(f"valgrind run failed:\n{result.stderr[-2000:]}")
        return int(collected.group(1))

    with ThreadPoolExecutor(max_workers=os.cpu_count()) as pool:
        baseline = pool.submit(instructions, 0, 0)
        runs = {
            endpoint[0]: pool.submit(instructions, ENDPOINTS.index(endpoint), INSTRUCTION_REQUESTS)
            for endpoint in endpoints
        }
        return {
            name: (run.result() - baseline.result()) / INSTRUCTION_REQUESTS
            for name, run in runs.items()
        }


def run_requests(index, requests):
    """Warm every endpoint, then GET endpoint ``index`` ``requests`` times,
    through the WSGI handler as gunicorn would call it (for valgrind to count)."""
    from django.core.handlers.wsgi import WSGIHandler

    from factcheck.models import Claim

    handler = WSGIHandler()
    size = Claim.objects.count()
    claim, article = measured_records(size)

    def get(path, headers=()):
        path, _, query = path.format(claim=claim, article=article).partition("?")
        environ = {
            "REQUEST_METHOD": "GET",
            "PATH_INFO": path,
            "QUERY_STRING": query,
            "SERVER_NAME": "127.0.0.1",
            "SERVER_PORT": "80",
            "SERVER_PROTOCOL": "HTTP/1.1",
            "HTTP_HOST": "127.0.0.1",
            "HTTP_X_FORWARDED_PROTO": "https",
            "wsgi.url_scheme": "http",
            "wsgi.input": io.BytesIO(),
            "wsgi.errors": sys.stderr,
            **dict(headers),
        }
        response = handler(environ, lambda status, headers, exc_info=None: None)
        b"".join(response)
        response.close()
        if response.status_code not in (200, 304):
            raise CommandError(f"{path} answered {response.status_code}")
        return response

    for _ in range(3):
        for _, path, _ in ENDPOINTS:
            get(path)
    _, path, conditional = ENDPOINTS[index]
    headers = [("HTTP_IF_NONE_MATCH", get(path)["ETag"])] if conditional else []
    for _ in range(requests):
        get(path, headers)


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(port):
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise CommandError("gunicorn did not start")


def fetch_etag(url):
    request = urllib.request.Request(url, headers={"X-Forwarded-Proto": "https"})
    with urllib.request.urlopen(request) as response:
        return response.headers["ETag"]


def wrk(url, headers, seconds, connections):
    pin = ["taskset", "-c", "0"] if os.cpu_count() > 1 and shutil.which("taskset") else []
    command = [*pin, "wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    output = subprocess.run([*command, url], capture_output=True, text=True, check=True).stdout
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        "p50": to_ms(re.search(r"50%\s+([\d.]+\w+)", output).group(1)),
        "p99": to_ms(re.search(r"99%\s+([\d.]+\w+)", output).group(1)),
        "errors": int(errors.group(1)) if errors else 0,
    }


def to_ms(text):
    number, unit = re.match(r"([\d.]+)(\w+)", text).groups()
    return float(number) * {"us": 0.001, "ms": 1, "s": 1000, "m": 60_000}[unit]


def render_report(results, options):
    lines = [
        "# Benchmarks: the public pages against Django's ceiling",
        "",
        "Made by `make bench` (`manage.py bench`). gunicorn in production mode "
        f"({options['workers']} sync workers) serves a synthetic SQLite database; wrk "
        f"drives it with {options['connections']} connections, {options['rounds']} rounds of "
        f"{options['seconds']} s per endpoint, alternating endpoints. Where the machine has "
        "two cores, the server runs on one and wrk on the other. The ratio is each "
        "endpoint's requests per second over the bare view's in the same run.",
        "",
        f"Machine: {platform.platform()}, {os.cpu_count()} cores, Python "
        f"{platform.python_version()} ({python_build()}), {time.strftime('%Y-%m-%d')}.",
        "",
    ]
    for size, result in results.items():
        figures = result["figures"]
        bare = median([r["rps"] for r in figures["bare view (ceiling)"]])
        instructions = result.get("instructions")
        header = "| endpoint | req/s | p50 ms | p99 ms | ratio to bare | queries | errors |"
        rule = "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"
        if instructions:
            header += " M instructions | instructions ratio |"
            rule += " ---: | ---: |"
        lines += [f"## {size:,} claims", "", header, rule]
        for name, runs in figures.items():
            rps = median([r["rps"] for r in runs])
            line = (
                f"| {name} | {rps:,.0f} | {median([r['p50'] for r in runs]):.2f} | "
                f"{median([r['p99'] for r in runs]):.2f} | {rps / bare:.2f}× | "
                f"{result['queries'].get(name, '—')} | {sum(r['errors'] for r in runs)} |"
            )
            if instructions:
                count = instructions[name]
                ratio = instructions["bare view (ceiling)"] / count
                line += f" {count / 1e6:.2f} | {ratio:.2f}× |"
            lines.append(line)
        lines.append("")
    return "\n".join(lines)


def python_build():
    # An interpreter built without profile-guided optimisation runs Django
    # noticeably slower; say which one made these figures.
    flags = sysconfig.get_config_var("CONFIG_ARGS") or ""
    if "--enable-optimizations" in flags:
        return "built with profile-guided optimisation"
    return "built without profile-guided optimisation"


def median(values):
    ordered = sorted(values)
    return ordered[len(ordered) // 2]
