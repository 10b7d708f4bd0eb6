"""Benchmark the public pages against Django's own ceiling (a bare view through
the same production middleware), at 100, 10,000 and 100,000 claims.

    python -m tools.bench [--sizes 100 10000 100000] [--only WORD…] [--rounds 5]
                          [--instructions] [--profile PATH] …     (make bench ARGS=…)

For each size: build a synthetic SQLite database apart from the development one
(.cache/bench/SIZE/), count the queries each page runs, start gunicorn in
production mode on the loopback (on its own core where the machine has two), and
drive it with wrk (on the other core), alternating rounds between endpoints.
Writes the figures, with a description of the machine, to docs/benchmarks.md,
keeping what follows the notes marker there.

Requests per second drift with whatever else a shared machine is doing; with
``--instructions`` the report also gives each page's CPU instructions per
request, counted by valgrind in process (``python -m tools.instructions``): the
same on every run, so a change's effect shows even when it is smaller than the
drift. ``--profile PATH`` profiles one page in process with pyinstrument instead.

The steps that run Django here (building, counting queries, profiling) run in
a process of their own for each size, set up on that size's database with the
benchmark's settings (tools/bench_settings.py).
"""

import argparse
import contextlib
import multiprocessing
import os
import platform
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
import urllib.request
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path

from tools.bench_data import measured_records
from tools.server import PROJECT, gunicorn, site_env

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
INSTRUCTION_REQUESTS = 50


def parser():
    parser = argparse.ArgumentParser(
        prog="python -m tools.bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--sizes", nargs="+", type=int, default=[100, 10_000, 100_000])
    parser.add_argument("--seconds", type=int, default=5, help="Length of one wrk round.")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--only", nargs="+", default=[], help="Endpoints whose names contain these words."
    )
    parser.add_argument("--output", default=str(PROJECT / "docs/benchmarks.md"))
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
    return parser


def main(argv=None):
    options = parser().parse_args(argv)
    if options.profile:
        with benchmark_site(options.sizes[0]) as (_, django_process):
            print(django_process.submit(profile, options.profile, options.requests).result())
        return
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk")
    if options.instructions and not shutil.which("valgrind"):
        sys.exit("--instructions needs valgrind: apt-get install valgrind")
    results = {}
    for size in options.sizes:
        print(f"== {size} claims", file=sys.stderr)
        results[size] = run_size(size, options)
    output = Path(options.output)
    previous = output.read_text(encoding="utf-8") if output.exists() else ""
    notes = previous.partition(NOTES_MARKER)[2]
    report = render_report(results, vars(options))
    output.write_text(f"{report}\n{NOTES_MARKER}{notes}", encoding="utf-8")
    print(report)


@contextlib.contextmanager
def benchmark_site(size):
    """The environment of the benchmark site of ``size`` claims, and a process
    with Django set up on it, once its database is migrated and filled (built
    the first time) and its static files are collected."""
    home = PROJECT / ".cache/bench" / str(size)
    home.mkdir(parents=True, exist_ok=True)
    env = site_env(home, settings="tools.bench_settings")
    shutil.rmtree(env["DJANGO_CACHE_DIR"], ignore_errors=True)  # a version of an older database
    with ProcessPoolExecutor(
        max_workers=1,
        # A fresh interpreter, not a fork of this one: its Django is set up once, on env.
        mp_context=multiprocessing.get_context("spawn"),
        initializer=set_up_django,
        initargs=(env,),
    ) as django_process:
        started = time.monotonic()
        if built := django_process.submit(prepare, size).result():
            print(f"   built {built} in {time.monotonic() - started:.1f} s", file=sys.stderr)
        yield env, django_process


def set_up_django(env):
    os.environ.clear()
    os.environ.update(env)
    import django

    django.setup()


def prepare(size):
    """Migrate the database (a kept one too), fill it if it is empty, collect
    the static files; what was built, if anything."""
    from django.core.management import call_command

    from factcheck.models import Claim
    from tools.bench_data import build

    call_command("migrate", interactive=False, verbosity=0)
    built = None if Claim.objects.exists() else build(size)
    call_command("analyze_database", verbosity=0)  # as the daily jobs do
    call_command("collectstatic", interactive=False, verbosity=0)
    return built


def run_size(size, options):
    two_cores = os.cpu_count() > 1 and shutil.which("taskset")
    endpoints = [
        endpoint
        for endpoint in ENDPOINTS
        if endpoint[1] == "/bench/ok/"
        or not options.only
        or any(word in endpoint[0] for word in options.only)
    ]
    claim, article = measured_records(size)
    figures = {}
    with benchmark_site(size) as (env, django_process):
        queries = django_process.submit(count_queries, size).result()
        with gunicorn(env, workers=options.workers, cpus="1" if two_cores else None) as base:
            etag = fetch_etag(base + f"/claims/{claim}/")
            for _ in range(options.rounds):
                for name, path, conditional in endpoints:
                    url = base + path.format(claim=claim, article=article)
                    headers = {"X-Forwarded-Proto": "https"}
                    if conditional:
                        headers["If-None-Match"] = etag
                    figures.setdefault(name, []).append(
                        wrk(url, headers, options.seconds, options.connections)
                    )
    result = {"figures": figures, "queries": queries}
    if options.instructions:
        print("   counting instructions (valgrind)", file=sys.stderr)
        result["instructions"] = count_instructions(env, [name for name, _, _ in endpoints])
    return result


def count_queries(size):
    """The queries each endpoint but the bare view runs once warm."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

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
        if response.status_code != 200:
            raise RuntimeError(f"{url} answered {response.status_code}")
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
        raise RuntimeError(f"{path} answered {response.status_code}")
    profiler = Profiler(interval=0.0005)
    started = time.perf_counter()
    with profiler:
        for _ in range(requests):
            client.get(path)
    each = (time.perf_counter() - started) / requests * 1000
    report = profiler.output_text(unicode=True, color=False, time="percent_of_total")
    return f"{path}: {each:.2f} ms a request under the profiler\n{report}"


def count_instructions(env, names):
    """CPU instructions per request of each endpoint named, by valgrind: one
    run of ``python -m tools.instructions`` per endpoint, less a run that only
    starts up and warms every endpoint (as each run does first)."""

    def instructions(name, requests):
        # A cache of its own: every run starts cold and does the same work first.
        with tempfile.TemporaryDirectory(dir=Path(env["DJANGO_CACHE_DIR"]).parent) as cache:
            result = subprocess.run(
                [
                    "valgrind",
                    "--tool=callgrind",
                    "--callgrind-out-file=/dev/null",
                    sys.executable,
                    "-m",
                    "tools.instructions",
                    name,
                    str(requests),
                ],
                # A fixed hash seed: the same dict and set layouts in every run.
                env={**env, "DJANGO_CACHE_DIR": cache, "PYTHONHASHSEED": "0"},
                cwd=PROJECT,
                capture_output=True,
                text=True,
            )
        collected = re.search(r"Collected : (\d+)", result.stderr)
        if result.returncode or not collected:
            raise RuntimeError(f"valgrind run failed:\n{result.stderr[-2000:]}")
        return int(collected.group(1))

    with ThreadPoolExecutor(max_workers=os.cpu_count()) as pool:
        baseline = pool.submit(instructions, ENDPOINTS[0][0], 0)
        runs = {name: pool.submit(instructions, name, INSTRUCTION_REQUESTS) for name in names}
        return {
            name: (run.result() - baseline.result()) / INSTRUCTION_REQUESTS
            for name, run in runs.items()
        }


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
        "Made by `make bench` (`python -m tools.bench`). gunicorn in production mode "
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


if __name__ == "__main__":
    try:
        main()
    except RuntimeError as error:  # a page that failed, or a tool that did
        sys.exit(str(error))
