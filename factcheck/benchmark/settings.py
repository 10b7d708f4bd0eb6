"""Production settings plus the benchmark's bare view (never in production)."""

from factcheck.settings import *  # noqa: F403

ROOT_URLCONF = "factcheck.benchmark.urls"
# The load generator speaks plain HTTP on the loopback, as a TLS proxy would
# after terminating; it sends X-Forwarded-Proto: https, so nothing else changes.
