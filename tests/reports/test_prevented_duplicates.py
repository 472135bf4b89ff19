"""Duplicates prevented are counted once per refused request and conflicting case, and the
amount saved is the refused request's amount over the months that overlap — checked against
figures worked out by hand on the statistics page, the list behind it, the exports and the
organisation pages.

Every request refused here more than once is household aid for a household only PARTLY covered
elsewhere: its applicant holds nothing, their spouse already holds the aid type under another
case. Each try is then a real refusal (DuplicateAid) and the request stays in the queue — a
request whose people are ALL covered leaves every queue at its first refusal (charities.
coverage), as the last test shows.

2025, Asia/Kuwait; Al-Noor (A) and Al-Khair (B) are licensed for both aid types:

* Mar 1   A claims H, one-off "emergency" aid for a household whose spouse is SHARED.
* Mar 2–5 D, another household's one-off request of 600.000 (applicant uncovered, spouse
          SHARED), is refused four times: A, B, A, B — it stays in the queue every time.
          → one duplicate, 600.000 saved (one-off: the amount requested), counted in March
          for A (the first refusal's).
* Mar 6   D3, a third household with spouse SHARED, one-off 250.000: refused once, by B.
          → a second duplicate (another request), 250.000, for B.
* Jan 10  A claims H2, six months of needy-family aid for a household whose spouse is M2
          (covered Jan 10 – Jul 9).
* Apr 10  D2, another household's needy-family request (applicant uncovered, spouse M2),
          600.000 over six months (600.000 ÷ 6 = 100.000 a month), covered Apr 10 – Oct 9:
          its months Apr 10–May 9, May 10–Jun 9 and Jun 10–Jul 9 overlap H2, Jul 10–Oct 9 do
          not → 3 × 100.000 = 300.000. Refused by B on Apr 10 and by A on Apr 11 (still in the
          queue after the first). → a third duplicate, 300.000, counted in April for B.

The year: 4 + 1 + 2 = 7 refused tries, 3 duplicates prevented, 600 + 250 + 300 = 1,150.000
saved (counting every try's amount requested gave 7 and 4 × 600 + 250 + 2 × 600 = 3,850.000).
A: D → 1 and 600.000. B: D3 + D2 → 2 and 250 + 300 = 550.000.
March: D + D3 → 2 and 850.000. April: D2 → 1 and 300.000.
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from dataclasses import dataclass
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from accounts.models import Role
from aid_requests.models import AidRequest, AidScope, AidType, RequestStatus
from charities.exceptions import DuplicateAid, NoLongerOpen
from charities.services.claim import aid_request_claim
from dedup.models import BlockedAttempt, PreventedDuplicate
from reports.selectors.filters import Period
from reports.selectors.statistics import statistics
from reports.services.rollups import rollups_refresh
from tests.factories import (
    CharityStaffFactory,
    GovernorateFactory,
    OrganisationFactory,
    civil_id_for,
)
from tests.factories.cases import SHARED, family, needy_aid_type, open_request
from tests.reports.conftest import at

pytestmark = pytest.mark.django_db
YEAR = {"start": "2025-01", "end": "2025-12"}
YEAR_PERIOD = Period(start=datetime.date(2025, 1, 1), end=datetime.date(2025, 12, 31))
M2 = civil_id_for(5_000_888)


@dataclass
class Refusals:
    alnoor: object
    alkhair: object
    requests: dict[str, AidRequest]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def refusals(db) -> Refusals:
    emergency = AidType.objects.create(
        code="emergency",
        name_ar="مساعدة طارئة",
        name_en="Emergency aid",
        scope=AidScope.HOUSEHOLD,
        coverage_months=0,
        max_amount=Decimal("1000"),
    )
    needy = needy_aid_type()
    capital = GovernorateFactory(code="capital", name_en="Capital", name_ar="العاصمة")
    alnoor = OrganisationFactory(
        name_en="Al-Noor", aid_types=[emergency, needy], governorates=[capital]
    )
    alkhair = OrganisationFactory(
        name_en="Al-Khair", aid_types=[emergency, needy], governorates=[capital]
    )
    a = CharityStaffFactory(role=Role.CASEWORKER, membership__organisation=alnoor)
    b = CharityStaffFactory(role=Role.CASEWORKER, membership__organisation=alkhair)
    requests: dict[str, AidRequest] = {}

    def refused(name: str, worker, moment: datetime.datetime) -> None:
        with time_machine.travel(moment, tick=False), pytest.raises(DuplicateAid):
            aid_request_claim(aid_request_id=requests[name].pk, actor=worker)
        # Only partly covered: still open and in the queue, so the next try is refused again.
        requests[name].refresh_from_db()
        assert requests[name].status == RequestStatus.OPEN
        assert requests[name].covered_until is None

    with time_machine.travel(at(1, 10), tick=False):
        requests["H2"] = open_request(family(capital, [M2]), needy, capital, amount="900")
        aid_request_claim(aid_request_id=requests["H2"].pk, actor=a)
    with time_machine.travel(at(3, 1), tick=False):
        requests["H"] = open_request(family(capital, [SHARED]), emergency, capital)
        aid_request_claim(aid_request_id=requests["H"].pk, actor=a)
        # Partly covered: SHARED (the spouse) holds emergency aid under H, the applicant not.
        requests["D"] = open_request(family(capital, [SHARED]), emergency, capital, amount="600")
    for day, worker in ((2, a), (3, b), (4, a), (5, b)):
        refused("D", worker, at(3, day))
    with time_machine.travel(at(3, 1), tick=False):
        requests["D3"] = open_request(family(capital, [SHARED]), emergency, capital, amount="250")
    refused("D3", b, at(3, 6))
    with time_machine.travel(at(4, 10), tick=False):
        # Partly covered: M2 (the spouse) holds needy-family aid under H2, the applicant not.
        requests["D2"] = open_request(family(capital, [M2]), needy, capital, amount="600")
    refused("D2", b, at(4, 10))
    refused("D2", a, at(4, 11))
    return Refusals(alnoor=alnoor, alkhair=alkhair, requests=requests)


def _signed_in(client, official):
    client.force_login(official)
    client.cookies["django_language"] = "en"
    return client


def _drilled(client, query: dict) -> list:
    rows, after = [], None
    while True:
        params = {**query, **({"after": after} if after else {})}
        response = client.get(reverse("reports:requests"), params)
        assert response.status_code == 200
        page = response.context["page"]
        rows += page.rows
        after = page.next_cursor
        if after is None:
            return rows


def _csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def _xlsx(response) -> list[tuple]:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return list(load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True))


def test_every_try_is_kept_but_each_duplicate_counts_once(refusals):
    r = refusals.requests
    assert BlockedAttempt.objects.count() == 7
    prevented = {
        p.aid_request_id: (p.organisation_id, p.overlap_months, p.amount_saved)
        for p in PreventedDuplicate.objects.all()
    }
    assert prevented == {
        r["D"].pk: (refusals.alnoor.pk, 0, Decimal("600.000")),
        r["D3"].pk: (refusals.alkhair.pk, 0, Decimal("250.000")),
        r["D2"].pk: (refusals.alkhair.pk, 3, Decimal("300.000")),
    }
    d = PreventedDuplicate.objects.get(aid_request=r["D"])
    assert (d.conflicting_request_id, d.first_refused_at) == (r["H"].pk, at(3, 2))
    # The spouse is the person covered twice; the applicant, covered nowhere, keeps D open.
    assert d.civil_id == SHARED
    assert (
        AidRequest.objects.filter(
            pk__in=[r["D"].pk, r["D3"].pk, r["D2"].pk], covered_until__isnull=True
        ).count()
        == 3
    )


def test_the_statistics_page_counts_each_duplicate_once(client, refusals, official):
    rollups_refresh(full=True)
    _signed_in(client, official)
    html = client.get(reverse("reports:statistics"), YEAR).content.decode()
    assert re.search(r'data-testid="blocked-count">3<', html)
    assert re.search(r'data-testid="blocked-amount">1,150.000<', html)
    assert "however many times or organisations tried" in html
    march = client.get(reverse("reports:statistics"), {"start": "2025-03", "end": "2025-03"})
    h = march.context["stats"].headline
    assert (h.blocked_count, h.blocked_amount) == (2, Decimal("850.000"))
    april = statistics(Period(datetime.date(2025, 4, 1), datetime.date(2025, 4, 30)))
    assert (april.headline.blocked_count, april.headline.blocked_amount) == (
        1,
        Decimal("300.000"),
    )
    by_org = {row.key: row.figures for row in statistics(YEAR_PERIOD).by_organisation.rows}
    assert (
        by_org[refusals.alnoor.pk]["blocked_count"],
        by_org[refusals.alnoor.pk]["blocked_amount"],
    ) == (1, Decimal("600.000"))
    assert (
        by_org[refusals.alkhair.pk]["blocked_count"],
        by_org[refusals.alkhair.pk]["blocked_amount"],
    ) == (2, Decimal("550.000"))


def test_the_list_behind_the_figure_has_one_row_per_duplicate(client, refusals, official):
    _signed_in(client, official)
    r = refusals.requests
    rows = _drilled(client, {**YEAR, "basis": "blocked"})
    assert sorted((row.request_id, row.amount) for row in rows) == sorted(
        [
            (r["D"].pk, Decimal("600.000")),
            (r["D3"].pk, Decimal("250.000")),
            (r["D2"].pk, Decimal("300.000")),
        ]
    )
    alkhair = _drilled(client, {**YEAR, "basis": "blocked", "organisation": refusals.alkhair.pk})
    assert sum(row.amount for row in alkhair) == Decimal("550.000")
    assert len(alkhair) == 2


def test_the_exports_agree_with_the_page(client, refusals, official):
    rollups_refresh(full=True)
    _signed_in(client, official)
    url = reverse("reports:export")
    headline = dict(_csv(client.post(url, {**YEAR, "kind": "headline", "file_format": "csv"})))
    assert headline["Duplicates prevented"] == "3"
    assert headline["Amount of duplicates prevented (KWD)"] == "1150.000"
    listed = _csv(client.post(url, {**YEAR, "kind": "blocked", "file_format": "csv"}))
    assert len(listed) - 1 == 3
    assert sum(Decimal(row[6]) for row in listed[1:]) == Decimal("1150.000")
    assert sorted(row[5] for row in listed[1:]) == ["0", "0", "3"]
    sheet = _xlsx(client.post(url, {**YEAR, "kind": "blocked", "file_format": "xlsx"}))
    assert len(sheet) - 1 == 3
    assert sum(Decimal(str(row[6])) for row in sheet[1:]) == Decimal("1150")
    months = _csv(client.post(url, {**YEAR, "kind": "months", "file_format": "csv"}))
    count_at = months[0].index("Duplicates prevented")
    amount_at = months[0].index("Amount of duplicates prevented (KWD)")
    by_month = {row[0]: (row[count_at], row[amount_at]) for row in months[1:]}
    assert by_month["2025-03"] == ("2", "850.000")
    assert by_month["2025-04"] == ("1", "300.000")
    requests = _csv(
        client.post(url, {**YEAR, "kind": "requests", "basis": "blocked", "file_format": "csv"})
    )
    assert sorted(Decimal(row[6]) for row in requests[1:]) == [
        Decimal("250.000"),
        Decimal("300.000"),
        Decimal("600.000"),
    ]


def test_the_organisation_page_counts_the_duplicates_it_was_first_refused(
    client, refusals, official
):
    rollups_refresh(full=True)
    _signed_in(client, official)
    url = reverse("reports:organisation", args=[refusals.alkhair.pk])
    response = client.get(url, YEAR)
    report = response.context["report"]
    assert report.blocked_total == 2
    assert report.figures["blocked_amount"] == Decimal("550.000")
    assert sorted(b.aid_request_id for b in report.blocked) == sorted(
        [refusals.requests["D3"].pk, refusals.requests["D2"].pk]
    )
    assert 'data-testid="org-blocked-amount">550.000<' in response.content.decode()


def test_the_migration_derives_the_duplicates_from_the_blocked_attempts(refusals):
    """Existing data: the data migration finds the same three from the seven attempts."""
    import importlib

    from django.apps import apps

    migration = importlib.import_module("dedup.migrations.0004_prevented_duplicates_from_attempts")
    before = sorted(
        PreventedDuplicate.objects.values_list(
            "aid_request_id",
            "conflicting_request_id",
            "conflicting_id",
            "organisation_id",
            "first_refused_at",
            "overlap_months",
            "amount_saved",
        )
    )
    PreventedDuplicate.objects.all().delete()
    migration.forward(apps, None)
    after = sorted(
        PreventedDuplicate.objects.values_list(
            "aid_request_id",
            "conflicting_request_id",
            "conflicting_id",
            "organisation_id",
            "first_refused_at",
            "overlap_months",
            "amount_saved",
        )
    )
    assert len(after) == 3
    assert after == before


def test_a_request_whose_people_are_all_covered_is_refused_once_then_leaves_the_queue(db):
    """Household aid whose only person (the applicant, no household members) holds the aid type
    elsewhere: the first try is refused and takes the request out of every queue until the
    holder's coverage ends; the next tries find it no longer open — one try kept, still one
    duplicate. Six months of needy-family aid from Mar 1 (Mar 1 – Aug 31) on both sides: all
    6 months overlap → 600.000 ÷ 6 × 6 = 600.000 saved."""
    needy = needy_aid_type()
    capital = GovernorateFactory(code="capital")
    org = OrganisationFactory(aid_types=[needy], governorates=[capital])
    a = CharityStaffFactory(role=Role.CASEWORKER, membership__organisation=org)
    other = OrganisationFactory(aid_types=[needy], governorates=[capital])
    b = CharityStaffFactory(role=Role.CASEWORKER, membership__organisation=other)
    with time_machine.travel(at(3, 1), tick=False):
        holder = open_request(family(capital, [SHARED]), needy, capital)
        aid_request_claim(aid_request_id=holder.pk, actor=a)
        alone = open_request(
            family(capital, applicant_civil_id=SHARED), needy, capital, amount="600"
        )
    with time_machine.travel(at(3, 2), tick=False), pytest.raises(DuplicateAid):
        aid_request_claim(aid_request_id=alone.pk, actor=b)
    alone.refresh_from_db()
    assert (alone.status, alone.covered_until) == (RequestStatus.OPEN, datetime.date(2025, 8, 31))
    for day, worker in ((3, a), (4, b)):
        with time_machine.travel(at(3, day), tick=False), pytest.raises(NoLongerOpen):
            aid_request_claim(aid_request_id=alone.pk, actor=worker)
    assert BlockedAttempt.objects.filter(aid_request=alone).count() == 1
    prevented = PreventedDuplicate.objects.get()
    assert (
        prevented.aid_request_id,
        prevented.conflicting_request_id,
        prevented.organisation_id,
        prevented.overlap_months,
        prevented.amount_saved,
    ) == (alone.pk, holder.pk, other.pk, 6, Decimal("600.000"))
