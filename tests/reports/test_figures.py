"""Every figure of the statistics page equals the same figure computed from the raw rows.

The "expected" side is plain Python over the model rows (no SQL aggregation, no rollups), so
a mistake in the rollup queries or the refresh cannot hide in both sides at once.
"""

from __future__ import annotations

import datetime
import statistics as stats
from collections import defaultdict
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from aid_requests.models import (
    AidRequest,
    AidScope,
    Payment,
    PaymentMethod,
    RequestStatus,
    TimelineEntry,
)
from charities import services as charity
from charities.exceptions import DuplicateAid
from dedup.models import BINDING, AidCommitment, BlockedAttempt
from reports import selectors, services
from reports.models import DailyFigures, RollupState
from reports.selectors import Period
from tests.reports.conftest import at

pytestmark = pytest.mark.django_db
YEAR = Period(start=datetime.date(2025, 1, 1), end=datetime.date(2025, 12, 31))
day = timezone.localdate
HELD = {RequestStatus.CLAIMED, RequestStatus.APPROVED, RequestStatus.PAYING}


def raw_figures(period: Period) -> dict:
    """Headline and breakdowns straight from the rows, in Python."""
    start, end, aid_type = period.start, period.end, period.aid_type_id

    def inside(d: datetime.date) -> bool:
        return start <= d <= end

    def wanted(type_id: int) -> bool:
        return aid_type is None or type_id == aid_type

    requests = {r.pk: r for r in AidRequest.objects.select_related("aid_type")}
    keys = ("aid_type", "organisation", "governorate", "month")
    out: dict = {k: defaultdict(lambda: defaultdict(Decimal)) for k in keys}
    total: dict = defaultdict(Decimal)

    def count(name, value, *, request, organisation, moment):
        total[name] += value
        figures = {
            "aid_type": request.aid_type_id,
            "organisation": organisation,
            "governorate": request.governorate_id,
            "month": moment.replace(day=1),
        }
        for key, group in figures.items():
            if key == "organisation" and group is None:
                continue
            out[key][group][name] += value

    for r in requests.values():
        if inside(day(r.submitted_at)) and wanted(r.aid_type_id):
            count("submitted", 1, request=r, organisation=None, moment=day(r.submitted_at))
            for name, test in (
                ("open_now", r.status == RequestStatus.OPEN),
                ("held_now", r.status in HELD),
                ("closed_now", r.status == RequestStatus.CLOSED),
                ("ineligible_now", r.status == RequestStatus.INELIGIBLE),
            ):
                total[name] += 1 if test else 0
    for c in AidCommitment.objects.filter(is_applicant=True):
        r = requests[c.aid_request_id]
        if inside(day(c.created_at)) and wanted(r.aid_type_id):
            count("claims", 1, request=r, organisation=c.organisation_id, moment=day(c.created_at))
    for e in TimelineEntry.objects.all():
        r = requests[e.aid_request_id]
        if not (inside(day(e.at)) and wanted(r.aid_type_id)):
            continue
        if e.to_status == RequestStatus.CLOSED:
            count("closures", 1, request=r, organisation=r.claimed_by_id, moment=day(e.at))
        if e.from_status == RequestStatus.CLAIMED and e.to_status == "open" and not e.actor_id:
            holder = max(
                (c.created_at, c.organisation_id)
                for c in AidCommitment.objects.filter(aid_request=r, is_applicant=True)
                if c.created_at <= e.at
            )[1]
            count("released_by_deadline", 1, request=r, organisation=holder, moment=day(e.at))
    for p in Payment.objects.all():
        r = requests[p.aid_request_id]
        if inside(p.paid_on) and wanted(r.aid_type_id):
            count("payments_count", 1, request=r, organisation=p.organisation_id, moment=p.paid_on)
            count(
                "payments_amount",
                p.amount,
                request=r,
                organisation=p.organisation_id,
                moment=p.paid_on,
            )
    for b in BlockedAttempt.objects.all():
        r = requests[b.aid_request_id]
        if inside(day(b.attempted_at)) and wanted(r.aid_type_id):
            moment = day(b.attempted_at)
            count("blocked_count", 1, request=r, organisation=b.organisation_id, moment=moment)
            count(
                "blocked_amount", b.amount, request=r, organisation=b.organisation_id, moment=moment
            )
    binding = [
        c
        for c in AidCommitment.objects.select_related("aid_type")
        if c.status in BINDING
        and c.period_start <= end
        and c.period_end >= start
        and wanted(c.aid_type_id)
    ]
    total["beneficiaries"] = len({c.civil_id for c in binding})
    total["households"] = len(
        {c.aid_request_id for c in binding if c.aid_type.scope == AidScope.HOUSEHOLD}
    )
    to_claim, to_payment = [], []
    for r in requests.values():
        if r.claimed_at and inside(day(r.claimed_at)) and wanted(r.aid_type_id):
            to_claim.append((day(r.claimed_at) - day(r.submitted_at)).days)
            paid = [p.paid_on for p in Payment.objects.filter(aid_request=r)]
            if paid:
                to_payment.append((min(paid) - day(r.claimed_at)).days)
    total["median_claim"] = Decimal(str(stats.median(to_claim))) if to_claim else None
    total["median_payment"] = Decimal(str(stats.median(to_payment))) if to_payment else None
    return {"total": total, **out}


def assert_page_matches_rows(period: Period) -> None:
    page = selectors.statistics(period)
    raw = raw_figures(period)
    total, h = raw["total"], page.headline
    assert h.beneficiaries == total["beneficiaries"]
    assert h.households == total["households"]
    assert h.amount_paid == total["payments_amount"]
    assert h.payments == total["payments_count"]
    for name in ("submitted", "open_now", "held_now", "closed_now", "ineligible_now"):
        assert getattr(h, name) == total[name], name
    assert h.claims == total["claims"]
    assert h.closures == total["closures"]
    assert h.blocked_count == total["blocked_count"]
    assert h.blocked_amount == total["blocked_amount"]
    assert h.released_by_deadline == total["released_by_deadline"]
    assert h.median_days_to_claim == total["median_claim"]
    assert h.median_days_to_payment == total["median_payment"]
    for key, breakdown in (
        ("aid_type", page.by_aid_type),
        ("organisation", page.by_organisation),
        ("governorate", page.by_governorate),
        ("month", page.by_month),
    ):
        shown = {row.key: {n: v for n, v in row.figures.items() if v} for row in breakdown.rows}
        shown = {k: v for k, v in shown.items() if v}
        expected = {k: {n: v for n, v in f.items() if v} for k, f in raw[key].items()}
        expected = {k: v for k, v in expected.items() if v}
        assert shown == expected, key


def test_known_answers_of_the_year(world):
    services.rollups_refresh(full=True)
    h = selectors.statistics(YEAR).headline
    # F's applicant and member (SHARED), S's and R's applicants. P's one-off aid covers only
    # its day in December 2024, so P's applicant is no beneficiary of 2025.
    assert h.beneficiaries == 4
    assert h.households == 2  # F and R (needy is household aid); S and P are person aid
    assert h.amount_paid == Decimal("500.000")
    assert h.payments == 3
    assert h.submitted == 5  # F, W, S, R, I (P was submitted in 2024)
    assert (h.open_now, h.held_now, h.closed_now, h.ineligible_now) == (1, 2, 1, 1)
    assert h.claims == 5  # P, F, S twice, R
    assert h.closures == 1
    assert (h.blocked_count, h.blocked_amount) == (1, Decimal("600.000"))
    assert h.released_by_deadline == 1
    # submission → claim: P 16, F 2, S 28 (its current claim, Apr 2), R 0 → median 9
    assert h.median_days_to_claim == Decimal("9.0")
    # claim → first payment: F 8 (Feb 12 → Feb 20), S 8 (Apr 2 → Apr 10)
    assert h.median_days_to_payment == Decimal("8.0")


def test_every_figure_equals_the_raw_rows(world):
    services.rollups_refresh(full=True)
    assert_page_matches_rows(YEAR)
    assert_page_matches_rows(
        Period(start=datetime.date(2025, 2, 1), end=datetime.date(2025, 3, 20))
    )
    assert_page_matches_rows(
        Period(start=datetime.date(2024, 12, 1), end=datetime.date(2025, 1, 31))
    )


@pytest.mark.parametrize("which", ["needy", "student"])
def test_aid_type_filter_equals_the_raw_rows(world, which):
    services.rollups_refresh(full=True)
    aid_type = getattr(world, which)
    assert_page_matches_rows(Period(start=YEAR.start, end=YEAR.end, aid_type_id=aid_type.pk))


def test_incremental_refresh_catches_up_with_new_activity(world):
    services.rollups_refresh(full=True)
    later = timezone.now() + datetime.timedelta(hours=1)
    with time_machine.travel(later, tick=False):
        manager = world.alnoor.memberships.get(user__role="manager").user
        # P was approved in January and never paid: its first payment arrives now.
        charity.payment_record(
            aid_request_id=world.requests["P"].pk,
            actor=manager,
            amount=Decimal("300"),
            paid_on=datetime.date(2025, 6, 1),
            method=PaymentMethod.CHEQUE,
        )
    with time_machine.travel(later + datetime.timedelta(minutes=5), tick=False):
        result = services.rollups_refresh()
    assert result.full is False
    # P's submission day, claim day, its timeline days and the new payment day — not the year.
    assert 0 < result.days <= 6
    assert selectors.statistics(YEAR).headline.amount_paid == Decimal("800.000")
    assert_page_matches_rows(YEAR)
    incremental = sorted(DailyFigures.objects.values_list(*_columns()), key=str)
    services.rollups_refresh(full=True)
    assert sorted(DailyFigures.objects.values_list(*_columns()), key=str) == incremental


def _columns() -> list[str]:
    return [f.attname for f in DailyFigures._meta.concrete_fields if f.name != "id"]


def test_refresh_records_when_it_ran_and_the_command_works(world):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("refresh_rollups", "--full", stdout=out)
    assert "full refresh" in out.getvalue()
    state = RollupState.objects.get()
    assert state.full_at is not None
    assert state.finished_at is not None
    call_command("refresh_rollups", stdout=out)
    assert "incremental refresh" in out.getvalue()
    assert RollupState.objects.get().version == state.version + 1


def test_beat_runs_the_refresh_task(settings):
    from reports.tasks import refresh_rollups

    entries = [e["task"] for e in settings.CELERY_BEAT_SCHEDULE.values()]
    assert "reports.tasks.refresh_rollups" in entries
    assert refresh_rollups.delay().get()["full"] is True  # first run: nothing to compare with


def test_first_payment_measure_and_release_attribution(world):
    """S's deadline release counts for Al-Noor, whose claim was released."""
    services.rollups_refresh(full=True)
    rows = {r.key: r.figures for r in selectors.by_organisation(YEAR).rows}
    assert rows[world.alnoor.pk]["released_by_deadline"] == 1
    assert rows[world.alkhair.pk]["blocked_count"] == 1
    assert rows[world.alkhair.pk]["claims"] == 1
    assert rows[world.alnoor.pk]["payments_amount"] == Decimal("500.000")


def test_histogram_median():
    assert selectors.histogram_median([]) is None
    assert selectors.histogram_median([(3, 1)]) == Decimal("3.0")
    assert selectors.histogram_median([(1, 1), (4, 1)]) == Decimal("2.5")
    assert selectors.histogram_median([(1, 2), (5, 1)]) == Decimal("1.0")
    assert selectors.histogram_median([(0, 1), (2, 2), (9, 1)]) == Decimal("2.0")


def test_a_day_is_a_kuwait_day(world):
    """A claim at 01:00 Kuwait time (22:00 UTC the day before) counts on the Kuwait day."""
    services.rollups_refresh(full=True)
    with time_machine.travel(at(6, 1, hour=1), tick=False):
        request = world.requests["W"]
        worker = world.alnoor.memberships.get(user__role="caseworker").user
        with pytest.raises(DuplicateAid):
            charity.aid_request_claim(aid_request_id=request.pk, actor=worker)
    services.rollups_refresh(full=True)
    june = Period(start=datetime.date(2025, 6, 1), end=datetime.date(2025, 6, 1))
    assert selectors.statistics(june).headline.blocked_count == 1
    assert_page_matches_rows(june)
