"""The project's settings, with the benchmark's URLconf (the bare view and the
uncached views): the settings gunicorn and the in-process steps of
``python -m tools.bench`` run with. Never in production."""

from factcheck.settings import *  # noqa: F403

ROOT_URLCONF = "tools.bench_urls"
