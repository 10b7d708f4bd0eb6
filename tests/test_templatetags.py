"""The site's template filters: dates in the site's words, status badges,
the due and overdue flags."""

import datetime
import zoneinfo

import pytest
from django.template import Context, Template
from django.test import override_settings
from django.utils import timezone

from factcheck.models import Claim
from factcheck.statuses import Kind, status_info


def render(source, **context):
    return Template("{% load factcheck %}" + source).render(Context(context))


class TestTimeTag:
    def test_a_date_reads_in_words_and_is_machine_readable(self):
        html = render("{{ day|time_tag }}", day=datetime.date(2022, 10, 20))
        assert html == '<time datetime="2022-10-20">20 October 2022</time>'

    def test_short_style_abbreviates_the_month_as_djangos_date_filter_does(self):
        for month in range(1, 13):
            day = datetime.date(2024, month, 5)
            expected = render('{{ day|date:"j M Y" }}', day=day)
            assert render('{{ day|time_tag:"short" }}', day=day).endswith(f">{expected}</time>")

    def test_long_style_matches_djangos_date_filter_in_every_month(self):
        for month in range(1, 13):
            day = datetime.date(2024, month, 28)
            expected = render('{{ day|date:"j F Y" }}', day=day)
            assert render("{{ day|time_tag }}", day=day).endswith(f">{expected}</time>")

    @override_settings(TIME_ZONE="Asia/Almaty")
    def test_a_datetime_is_shown_on_the_local_date_to_the_second(self):
        # 20:30 UTC on the 19th was already the 20th in Almaty.
        moment = datetime.datetime(2022, 10, 19, 20, 30, 5, 123456, tzinfo=datetime.UTC)
        html = render("{{ moment|time_tag }}", moment=moment)
        local = moment.astimezone(zoneinfo.ZoneInfo("Asia/Almaty"))
        assert (
            html == f'<time datetime="{local.isoformat(timespec="seconds")}">20 October 2022</time>'
        )

    @override_settings(TIME_ZONE="Asia/Almaty")
    def test_minute_style_gives_the_local_time_of_day(self):
        moment = datetime.datetime(2022, 10, 19, 20, 30, 5, tzinfo=datetime.UTC)
        assert render('{{ moment|time_tag:"minute" }}', moment=moment).endswith(
            ">20 Oct 2022, 02:30</time>"
        )

    def test_date_text_is_the_same_words_without_markup(self):
        assert render("{{ day|date_text }}", day=datetime.date(2022, 10, 20)) == "20 October 2022"

    @pytest.mark.parametrize("value", [None, ""])
    def test_no_date_renders_nothing(self, value):
        assert render("{{ value|time_tag }}", value=value) == ""


def test_status_badge_shows_the_label_in_its_tone():
    info = status_info(Kind.FACT, "misleading")
    assert render("{{ info|status_badge }}", info=info) == (
        f'<span class="status tone-{info.tone}">Misleading</span>'
    )


@pytest.mark.parametrize(
    ("kind", "status", "resolve_by", "shown"),
    [
        (
            Kind.PREDICTION,
            "pending",
            datetime.date(2024, 5, 4),
            ' <span class="due-flag">overdue</span>',
        ),
        (
            Kind.PREDICTION,
            "unreviewed",
            datetime.date(2024, 5, 5),
            ' <span class="due-flag">due</span>',
        ),
        (Kind.PREDICTION, "on_track", datetime.date(2024, 5, 6), ""),
        (Kind.PREDICTION, "came_true", datetime.date(2024, 5, 4), ""),
        (Kind.FACT, "unreviewed", None, ""),
    ],
)
def test_due_flag_marks_an_unresolved_prediction_once_its_date_comes(
    kind, status, resolve_by, shown
):
    claim = Claim(kind=kind, status=status, resolve_by=resolve_by)
    assert render("{{ claim|due_flag:today }}", claim=claim, today=datetime.date(2024, 5, 5)) == (
        shown
    )


def test_time_tag_uses_the_current_time_zone():
    moment = timezone.now()
    with timezone.override(zoneinfo.ZoneInfo("Pacific/Auckland")):
        html = render("{{ moment|time_tag }}", moment=moment)
    local = moment.astimezone(zoneinfo.ZoneInfo("Pacific/Auckland"))
    assert f'datetime="{local.isoformat(timespec="seconds")}"' in html
