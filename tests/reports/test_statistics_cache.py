"""Issue 19: the statistics page's figures are summed from the rollups once per refresh and kept
in the cache under that refresh's version; names are added per request, in its language."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from reports.models import RollupState
from reports.selectors.filters import Period
from reports.selectors.statistics import figures_of, statistics
from reports.services.rollups import rollups_refresh
from tests.reports.conftest import pay_p_in_june

pytestmark = pytest.mark.django_db
YEAR = Period(start=datetime.date(2025, 1, 1), end=datetime.date(2025, 12, 31))
ROLLUP_TABLES = ("reports_monthlyfigures", "reports_monthlyorganisationfigures")


def rollup_reads(captured: CaptureQueriesContext) -> list[str]:
    return [
        q["sql"] for q in captured.captured_queries if any(t in q["sql"] for t in ROLLUP_TABLES)
    ]


def test_the_figures_are_summed_once_per_refresh(world):
    rollups_refresh(full=True)
    with CaptureQueriesContext(connection) as first:
        summed = statistics(YEAR)
    assert rollup_reads(first)
    with CaptureQueriesContext(connection) as second:
        kept = statistics(YEAR)
    assert rollup_reads(second) == []
    assert kept == summed
    assert kept.headline.amount_paid == Decimal("500.000")
    # Another range is summed for itself.
    with CaptureQueriesContext(connection) as other:
        june = statistics(Period.month(datetime.date(2025, 6, 1)))
    assert rollup_reads(other)
    assert june.headline != kept.headline


def test_a_refresh_shows_the_new_figures_at_once(world):
    rollups_refresh(full=True)
    assert statistics(YEAR).headline.amount_paid == Decimal("500.000")
    pay_p_in_june(world)
    # Not refreshed yet: the rollups (and so the page) still say 500.
    assert statistics(YEAR).headline.amount_paid == Decimal("500.000")
    rollups_refresh()
    stats = statistics(YEAR)
    assert stats.headline.amount_paid == Decimal("800.000")
    assert stats.state is not None
    assert stats.state.version == 2


def test_names_are_those_of_each_pages_language(client, world, official):
    rollups_refresh(full=True)
    client.force_login(official)
    url = reverse("reports:statistics") + "?start=2025-01&end=2025-12"
    client.cookies["django_language"] = "ar"
    arabic = client.get(url).content.decode()
    client.cookies["django_language"] = "en"
    english = client.get(url).content.decode()
    assert "Capital" in english
    assert "Capital" not in arabic
    assert "العاصمة" in arabic
    with translation.override("en"):
        labels = [row.label for row in statistics(YEAR).by_organisation.rows]
    assert "Al-Noor" in labels


def test_a_renamed_organisation_shows_its_new_name_with_figures_kept(world):
    rollups_refresh(full=True)
    with translation.override("en"):
        statistics(YEAR)
        world.alnoor.name_en = "Al-Noor Society"
        world.alnoor.save(update_fields=["name_en"])
        labels = [row.label for row in statistics(YEAR).by_organisation.rows]
    assert "Al-Noor Society" in labels


def test_figures_read_while_a_refresh_commits_are_not_kept(world):
    """A refresh that commits while the figures are summed (simulated by bumping the version
    from inside the summing's own queries, as a refresh committing on another connection
    would be seen) leaves nothing in the cache: the figures are of no single version."""
    rollups_refresh(full=True)
    bumped = []

    def refresh_commits_meanwhile(execute, sql, params, many, context):
        if "reports_monthlyorganisationfigures" in sql and not bumped:
            bumped.append(sql)
            state = RollupState.objects.get()
            RollupState.objects.filter(pk=state.pk).update(version=state.version + 1)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(refresh_commits_meanwhile):
        figures_of(YEAR)
    assert bumped
    # A reader that still sees the version read first (a replica behind the primary) finds
    # nothing kept under it and sums the figures itself.
    RollupState.objects.update(version=RollupState.objects.get().version - 1)
    with CaptureQueriesContext(connection) as behind:
        figures_of(YEAR)
    assert rollup_reads(behind), "figures of no single version were kept"
    # The version now stands still: these figures were kept.
    with CaptureQueriesContext(connection) as kept:
        figures_of(YEAR)
    assert rollup_reads(kept) == []


def test_nothing_is_kept_before_the_first_refresh(world):
    assert not RollupState.objects.exists()
    figures_of(YEAR)
    with CaptureQueriesContext(connection) as again:
        figures_of(YEAR)
    assert rollup_reads(again)
