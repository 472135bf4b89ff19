"""Every figure of the statistics page equals the same figure computed from the raw rows.

The "expected" side is plain Python over the model rows (no SQL aggregation, no rollups), so
a mistake in the rollup queries or the refresh cannot hide in both sides at once. Two worlds:
the hand-built year of ``conftest.world`` with known answers, and a seeded random year of a
few hundred requests (``conftest.build_random_world``).
"""

from __future__ import annotations

import datetime
import random
import statistics as stats
from collections import defaultdict
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from aid_requests.models import AidRequest, Payment, PaymentMethod, RequestStatus, TimelineEntry
from charities.exceptions import DuplicateAid
from charities.services.claim import aid_request_claim
from charities.services.payments import payment_record
from config.dates import add_months
from dedup.models import BINDING, AidCommitment, BlockedAttempt
from reports.models import (
    CoverageFigures,
    MonthlyDurations,
    MonthlyFigures,
    MonthlyOrganisationFigures,
    MonthlyStatusFigures,
    RollupState,
)
from reports.selectors.filters import Period
from reports.selectors.statistics import by_organisation, histogram_median, statistics
from reports.services.rollups import rollups_refresh
from tests.factories.cases import family, open_request, rent_aid_type
from tests.reports.conftest import at, build_random_world, pay_p_in_june

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

    requests = {r.pk: r for r in AidRequest.objects.all()}
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
            if key == "organisation" and (group is None or name == "submitted"):
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
    commitments = list(AidCommitment.objects.all())
    for c in commitments:
        r = requests[c.aid_request_id]
        if c.is_applicant and inside(day(c.created_at)) and wanted(r.aid_type_id):
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
                for c in commitments
                if c.aid_request_id == r.pk and c.is_applicant and c.created_at <= e.at
            )[1]
            count("released_by_deadline", 1, request=r, organisation=holder, moment=day(e.at))
    payments = list(Payment.objects.all())
    for p in payments:
        r = requests[p.aid_request_id]
        if inside(p.paid_on) and wanted(r.aid_type_id):
            for name, value in (("payments_count", 1), ("payments_amount", p.amount)):
                count(name, value, request=r, organisation=p.organisation_id, moment=p.paid_on)
    # A duplicate prevented: once per (refused request, request of the conflicting
    # commitment), at its first refusal, whoever tried how often.
    first_refusals: dict[tuple[int, int], BlockedAttempt] = {}
    for b in (
        BlockedAttempt.objects.filter(conflicting__isnull=False)
        .select_related("conflicting")
        .order_by("-attempted_at", "-pk")
    ):
        first_refusals[(b.aid_request_id, b.conflicting.aid_request_id)] = b
    for b in first_refusals.values():
        r = requests[b.aid_request_id]
        if inside(day(b.attempted_at)) and wanted(r.aid_type_id):
            moment = day(b.attempted_at)
            saved = expected_saving(r, b.conflicting)
            for name, value in (("blocked_count", 1), ("blocked_amount", saved)):
                count(name, value, request=r, organisation=b.organisation_id, moment=moment)
    binding = [
        c
        for c in commitments
        if c.status in BINDING
        and c.period_start <= end
        and c.period_end >= start
        and wanted(c.aid_type_id)
    ]
    total["beneficiaries"] = len({c.civil_id for c in binding})
    # A household is the applicant's (their profile and its members), whatever the aid type.
    total["households"] = len({requests[c.aid_request_id].applicant_id for c in binding})
    to_claim, to_payment = [], []
    for r in requests.values():
        if r.claimed_at and inside(day(r.claimed_at)) and wanted(r.aid_type_id):
            to_claim.append((day(r.claimed_at) - day(r.submitted_at)).days)
            paid = [p.paid_on for p in payments if p.aid_request_id == r.pk]
            if paid:
                to_payment.append((min(paid) - day(r.claimed_at)).days)
    total["median_claim"] = Decimal(str(stats.median(to_claim))) if to_claim else None
    total["median_payment"] = Decimal(str(stats.median(to_payment))) if to_payment else None
    return {"total": total, **out}


def expected_saving(request: AidRequest, held: AidCommitment) -> Decimal:
    """The amount saved, worked out day by day: the request's months (month k from its
    coverage start's day in month k) that share a day with the commitment held elsewhere."""
    months = request.aid_type.coverage_months
    if months == 0:
        return request.amount_requested
    overlapping = set()
    moment = request.coverage_start
    while moment <= request.coverage_end:
        if held.period_start <= moment <= held.period_end:
            # month k of the coverage: the last k whose first day is not after this day
            k = max(k for k in range(months) if add_months(request.coverage_start, k) <= moment)
            overlapping.add(k)
        moment += datetime.timedelta(days=1)
    return (request.amount_requested * len(overlapping) / months).quantize(Decimal("0.001"))


def assert_page_matches_rows(period: Period) -> None:
    page = statistics(period)
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
    median_claim = total["median_claim"]
    median_payment = total["median_payment"]
    assert h.median_days_to_claim == (median_claim and median_claim.quantize(Decimal("0.1")))
    assert h.median_days_to_payment == (median_payment and median_payment.quantize(Decimal("0.1")))
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
    rollups_refresh(full=True)
    h = statistics(YEAR).headline
    # F's applicant and member (SHARED), S's and R's applicants. P's one-off aid covers only
    # its day in December 2024, so P's applicant is no beneficiary of 2025.
    assert h.beneficiaries == 4
    # The households of F, S and R (a household helped with person aid counts too); W's
    # claim was refused, P's aid lies in 2024.
    assert h.households == 3
    assert h.amount_paid == Decimal("500.000")
    assert h.payments == 3
    assert h.submitted == 5  # F, W, S, R, I (P was submitted in 2024)
    assert (h.open_now, h.held_now, h.closed_now, h.ineligible_now) == (1, 2, 1, 1)
    assert h.claims == 5  # P, F, S twice, R
    assert h.closures == 1
    # W (600.000 over 6 months: 100.000 a month, from Feb 15) was refused against F, whose
    # cover was then cut at its close to the two periods paid (Feb 10 – Apr 9): W's months
    # Feb 15 – Mar 14 and Mar 15 – Apr 14 overlap it → 2 × 100.000 saved, not 600.000.
    assert (h.blocked_count, h.blocked_amount) == (1, Decimal("200.000"))
    from dedup.models import SavedAmountAdjustment

    [cut] = SavedAmountAdjustment.objects.all()  # the close of F: 600.000 → 200.000
    assert (cut.prevented.aid_request, cut.delta) == (world.requests["W"], Decimal("-400.000"))
    assert h.released_by_deadline == 1
    # submission → claim: P 16, F 2, S 28 (its current claim, Apr 2), R 0 → median 9
    assert h.median_days_to_claim == Decimal("9.0")
    # claim → first payment: F 8 (Feb 12 → Feb 20), S 8 (Apr 2 → Apr 10)
    assert h.median_days_to_payment == Decimal("8.0")


def test_a_household_with_two_aid_types_counts_once(world):
    """F's family also gets rent allowance: still one household, and one more beneficiary
    type does not make SHARED a second person."""

    rent = rent_aid_type(name_en="Rent", coverage_months=3, max_amount=Decimal("900"))
    world.alnoor.aid_types.add(rent)
    worker = world.alnoor.memberships.get(user__role="caseworker").user
    with time_machine.travel(at(6, 1), tick=False):
        request = open_request(world.requests["F"].applicant, rent, world.capital, amount="300")
        aid_request_claim(aid_request_id=request.pk, actor=worker)
    rollups_refresh(full=True)
    h = statistics(YEAR).headline
    assert (h.beneficiaries, h.households) == (4, 3)
    assert_page_matches_rows(YEAR)


def test_every_figure_equals_the_raw_rows(world):
    rollups_refresh(full=True)
    assert_page_matches_rows(YEAR)
    assert_page_matches_rows(
        Period(start=datetime.date(2025, 2, 1), end=datetime.date(2025, 3, 31))
    )
    assert_page_matches_rows(
        Period(start=datetime.date(2024, 12, 1), end=datetime.date(2025, 1, 31))
    )


@pytest.mark.parametrize("which", ["needy", "student"])
def test_aid_type_filter_equals_the_raw_rows(world, which):
    rollups_refresh(full=True)
    aid_type = getattr(world, which)
    assert_page_matches_rows(Period(start=YEAR.start, end=YEAR.end, aid_type_id=aid_type.pk))


def _rollup_rows() -> dict[str, list]:
    """Every rollup table's rows as sorted value tuples (ids left out)."""
    out = {}
    for model in (
        MonthlyFigures,
        MonthlyStatusFigures,
        MonthlyOrganisationFigures,
        MonthlyDurations,
        CoverageFigures,
    ):
        columns = [f.attname for f in model._meta.concrete_fields if f.name != "id"]
        rows = model.objects.values_list(*columns)
        # A cell whose figures all went back to zero is the same as no cell.
        out[model.__name__] = sorted((r for r in rows if any(v for v in r[3:])), key=str)
    return out


def test_incremental_refresh_catches_up_with_new_activity(world):
    rollups_refresh(full=True)
    later = timezone.now() + datetime.timedelta(hours=1)
    with time_machine.travel(later, tick=False):
        pay_p_in_june(world)  # P was approved in January and never paid
    with time_machine.travel(later + datetime.timedelta(minutes=5), tick=False):
        result = rollups_refresh()
    assert result.full is False
    # One new event, P's status cell and its claim month's durations, P's person and
    # household — not the year.
    assert 0 < result.days <= 6
    assert statistics(YEAR).headline.amount_paid == Decimal("800.000")
    assert_page_matches_rows(YEAR)
    incremental = _rollup_rows()
    rollups_refresh(full=True)
    assert _rollup_rows() == incremental


def test_a_second_run_inside_the_overlap_does_not_count_twice(world):
    """Events written just before a run are seen again by the next run (its window reaches
    back REFRESH_OVERLAP): each is counted once."""
    rollups_refresh(full=True)
    later = timezone.now() + datetime.timedelta(hours=1)
    with time_machine.travel(later, tick=False):
        manager = world.alnoor.memberships.get(user__role="manager").user
        payment_record(
            aid_request_id=world.requests["P"].pk,
            actor=manager,
            amount=Decimal("300"),
            paid_on=datetime.date(2025, 6, 1),
            method=PaymentMethod.CHEQUE,
        )
    for minutes in (1, 3, 6):
        with time_machine.travel(later + datetime.timedelta(minutes=minutes), tick=False):
            rollups_refresh()
    assert statistics(YEAR).headline.payments == 4
    assert_page_matches_rows(YEAR)


def test_refresh_records_when_it_ran_and_the_command_works(world):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("refresh_rollups", "--full", stdout=out)
    assert "full refresh" in out.getvalue()
    state = RollupState.objects.get()
    assert state.full_at is not None
    assert state.finished_at is not None
    assert state.applicants == AidRequest.objects.values("applicant").distinct().count()
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
    rollups_refresh(full=True)
    rows = {r.key: r.figures for r in by_organisation(YEAR).rows}
    assert rows[world.alnoor.pk]["released_by_deadline"] == 1
    assert rows[world.alkhair.pk]["blocked_count"] == 1
    assert rows[world.alkhair.pk]["claims"] == 1
    assert rows[world.alnoor.pk]["payments_amount"] == Decimal("500.000")
    assert "submitted" not in rows[world.alnoor.pk]  # organisations submit nothing


def test_histogram_median():
    assert histogram_median([]) is None
    assert histogram_median([(3, 1)]) == Decimal("3.0")
    assert histogram_median([(1, 1), (4, 1)]) == Decimal("2.5")
    assert histogram_median([(1, 2), (5, 1)]) == Decimal("1.0")
    assert histogram_median([(0, 1), (2, 2), (9, 1)]) == Decimal("2.0")


def test_a_month_is_a_kuwait_month(world):
    """A refusal at 01:00 Kuwait time on June 1 (22:00 UTC on May 31) counts in June.

    The refused request covers R's applicant for June–November (600.000 for 6 months); R's
    claim holds them April–September: June, July, August and September overlap → 400.000.
    """

    rollups_refresh(full=True)
    with time_machine.travel(at(6, 1, hour=1), tick=False):
        applicant = world.requests["R"].applicant.civil_id
        request = open_request(
            family(world.capital, [applicant]), world.needy, world.capital, amount="600"
        )
        worker = world.alnoor.memberships.get(user__role="caseworker").user
        with pytest.raises(DuplicateAid):
            aid_request_claim(aid_request_id=request.pk, actor=worker)
    rollups_refresh(full=True)
    june = Period(start=datetime.date(2025, 6, 1), end=datetime.date(2025, 6, 30))
    h = statistics(june).headline
    assert (h.blocked_count, h.blocked_amount) == (1, Decimal("400.000"))
    assert_page_matches_rows(june)


def test_a_period_is_whole_months():
    period = Period(start=datetime.date(2025, 2, 14), end=datetime.date(2025, 4, 3))
    assert (period.start, period.end) == (datetime.date(2025, 2, 1), datetime.date(2025, 4, 30))
    assert period.as_params() == {"start": "2025-02", "end": "2025-04"}


# --- a seeded random year ---------------------------------------------------------------------


def _ranges(rng: random.Random, world) -> list[Period]:
    periods = [YEAR, Period(start=datetime.date(2024, 1, 1), end=datetime.date(2026, 12, 31))]
    for _ in range(4):
        first = rng.randrange(1, 13)
        last = rng.randrange(first, 13)
        aid_type = rng.choice([None, *world.aid_types])
        periods.append(
            Period(
                start=datetime.date(2025, first, 1),
                end=datetime.date(2025, last, 1),
                aid_type_id=aid_type.pk if aid_type else None,
            )
        )
    return periods


@pytest.mark.parametrize("seed", [7, 2025])
def test_a_random_year_equals_the_raw_rows(seed):
    world = build_random_world(seed)
    rollups_refresh(full=True)
    # The simulation produced every kind of event the figures count.
    assert AidRequest.objects.count() >= 120
    assert BlockedAttempt.objects.exists()
    assert Payment.objects.count() >= 50
    assert TimelineEntry.objects.filter(to_status=RequestStatus.CLOSED).exists()
    assert TimelineEntry.objects.filter(
        from_status=RequestStatus.CLAIMED, to_status=RequestStatus.OPEN, actor__isnull=True
    ).exists()
    statuses = set(AidRequest.objects.values_list("status", flat=True))
    assert {RequestStatus.OPEN, RequestStatus.PAYING, RequestStatus.CLOSED} <= statuses
    for period in _ranges(random.Random(seed), world):
        assert_page_matches_rows(period)


def test_a_random_year_refreshed_as_it_happens_equals_a_full_rebuild():
    """Refreshed every nine simulated days (each window overlapping the last), the rollups
    end up exactly as a full rebuild makes them, and equal to the raw rows."""
    world = build_random_world(11, refresh_every_days=9)
    assert world.refreshes > 30
    rollups_refresh()
    incremental = _rollup_rows()
    for period in _ranges(random.Random(11), world):
        assert_page_matches_rows(period)
    rollups_refresh(full=True)
    assert _rollup_rows() == incremental


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_refreshes_at_once_wait_for_each_other_and_agree():
    """Beat and the command at once: the second run waits on the advisory lock, then reads
    a snapshot taken after the first committed, so nothing is counted twice."""
    import threading

    from django.db import connection, connections

    build_random_world(5, families=40)
    rollups_refresh(full=True)
    expected = _rollup_rows()
    # New activity that both runs will see.
    AidRequest.objects.filter(status=RequestStatus.OPEN).update(updated_at=timezone.now())
    errors: list[BaseException] = []

    def run() -> None:
        try:
            rollups_refresh()
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert RollupState.objects.get().version == 4
    assert _rollup_rows() == expected
    assert connection.vendor == "postgresql"
