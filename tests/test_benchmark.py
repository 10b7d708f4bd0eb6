"""The benchmark measures what its report says: its URLconf's bare view, the
public views without any cache, and claim pages below the site-wide level."""

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import override_settings

from factcheck.models import Article, Claim
from tools.bench import ENDPOINTS, count_queries, median, render_report, to_ms
from tools.bench_data import build, measured_records
from tools.instructions import run_requests

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tools.bench_urls")]


def test_the_bare_view_is_only_in_the_benchmark_urlconf(client):
    assert client.get("/bench/ok/").content == b"ok"
    with override_settings(ROOT_URLCONF="factcheck.urls"):
        assert client.get("/bench/ok/").status_code == 404


def test_uncached_paths_render_every_time(client, prediction, django_assert_num_queries):
    url = f"/bench/uncached{prediction.get_absolute_url()}"
    first = client.get(url)
    # The claim with its article and speaker, its timeline (2), sources,
    # whether a verdict awaits sign-off, and its tracked conditions.
    with django_assert_num_queries(6):
        again = client.get(url)
    assert again.status_code == 200 and prediction.statement in again.content.decode()
    assert first.content == again.content
    # Every claim less the unpublished ones (two counts), and the page.
    with django_assert_num_queries(3):
        assert client.get("/bench/uncached/claims/").status_code == 200


def test_the_report_gives_ratios_to_the_bare_view():
    run = {"rps": 100.0, "p50": 10.0, "p99": 20.0, "errors": 0}
    results = {
        100: {
            "figures": {
                "bare view (ceiling)": [{**run, "rps": 1000.0}] * 3,
                "claim page, cached": [{**run, "rps": 800.0}, {**run, "rps": 700.0}, run],
            },
            "queries": {"claim page, cached": 0},
        }
    }
    options = {"workers": 2, "connections": 8, "rounds": 3, "seconds": 5}
    report = render_report(results, options)
    assert "| claim page, cached | 700 | 10.00 | 20.00 | 0.70× | 0 | 0 |" in report
    assert median([3, 1, 2]) == 2
    assert (to_ms("850.00us"), to_ms("1.20s")) == (0.85, 1200.0)


def test_the_report_gives_instruction_counts_when_measured():
    run = {"rps": 100.0, "p50": 10.0, "p99": 20.0, "errors": 0}
    results = {
        100: {
            "figures": {"bare view (ceiling)": [run], "claim page, uncached": [run]},
            "queries": {"claim page, uncached": 4},
            "instructions": {"bare view (ceiling)": 1e6, "claim page, uncached": 12.5e6},
        }
    }
    options = {"workers": 2, "connections": 8, "rounds": 1, "seconds": 5}
    report = render_report(results, options)
    assert "| M instructions | instructions ratio |" in report
    assert (
        "| claim page, uncached | 100 | 10.00 | 20.00 | 1.00× | 4 | 0 | 12.50 | 0.08× |" in report
    )


def test_every_endpoint_runs_in_process_as_valgrind_counts_it():
    # As Django's test client does: the test's connection must outlive each request.
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    try:
        build(40)
        for name, _, _ in ENDPOINTS:
            run_requests(name, 2)  # raises unless every answer is a 200 (or the 304)
    finally:
        for signal in (request_started, request_finished):
            signal.connect(close_old_connections)


def test_the_measured_claim_has_a_speaker_so_its_page_runs_the_usual_queries(db):
    build(40)
    slug, article = measured_records(40)
    claim = Claim.objects.get(slug=slug)
    assert claim.speaker_id is not None
    assert claim.article.slug == f"article-{article}"


def test_home_lists_its_full_twenty_articles_at_every_size_so_their_costs_compare(db):
    from factcheck.views.public import HOME_ARTICLES

    build(100)
    assert Article.objects.count() == HOME_ARTICLES
    assert all(article.claims.count() == 5 for article in Article.objects.all())


def test_the_report_counts_no_query_for_a_cached_page_and_some_for_a_rendered_one():
    build(40)
    queries = count_queries(40)  # raises unless every page answers 200
    assert {name for name, _, conditional in ENDPOINTS[1:] if not conditional} == set(queries)
    for name, count in queries.items():
        assert (count == 0) == name.endswith(", cached"), (name, count)
