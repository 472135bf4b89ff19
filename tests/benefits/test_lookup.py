"""The live lookup against a stub agency on loopback: the HTTPS JSON adapter's answers and
failures, and what ``benefits_refresh`` writes (or not) for each."""

from __future__ import annotations

import datetime
import json
from decimal import Decimal

import pytest

from audit.models import AuditEntry
from benefits.agencies.base import (
    AgencyAnswerInvalid,
    AgencyBenefit,
    AgencyMisconfigured,
    AgencyUnavailable,
)
from benefits.agencies.registry import get_lookup
from benefits.agencies.simulator import SimulatorLookup
from benefits.lookup import benefits_refresh
from benefits.models import BenefitRecord, ImportBatch, ImportSource, ImportStatus
from benefits.services import benefit_file_import
from tests.benefits.conftest import benefit_row
from tests.benefits.stub import benefit
from tests.factories import civil_id_for
from tests.identity.stubs import Reply

pytestmark = pytest.mark.django_db

PERSON = civil_id_for(1)
OTHER = civil_id_for(2)


def counts(result) -> tuple[int, int, int, int]:
    batch = result.batch
    return (batch.created_count, batch.updated_count, batch.unchanged_count, batch.ended_count)


def records() -> list[tuple]:
    return list(
        BenefitRecord.objects.order_by("reference").values_list(
            "civil_id", "kind__code", "monthly_amount", "start_date", "end_date", "reference"
        )
    )


# --- the adapter --------------------------------------------------------------------------


def test_a_good_answer_is_read_field_by_field(agency):
    agency.people[PERSON] = [benefit(1), benefit(2, end_date="2025-12-31")]
    answer = get_lookup().lookup(PERSON)
    assert answer == [
        AgencyBenefit(
            agency="social_security",
            benefit="retirement_pension",
            monthly_amount=Decimal("250.500"),
            start_date=datetime.date(2024, 1, 1),
            end_date=None,
            reference="SS-1",
        ),
        AgencyBenefit(
            agency="social_security",
            benefit="retirement_pension",
            monthly_amount=Decimal("250.500"),
            start_date=datetime.date(2024, 1, 1),
            end_date=datetime.date(2025, 12, 31),
            reference="SS-2",
        ),
    ]
    (request,) = agency.requests
    assert request.path == f"/v1/benefits/{PERSON}"
    assert request.headers["authorization"] == f"Bearer {agency.key}"


def test_an_unknown_person_is_an_empty_answer_404_or_200(agency):
    assert get_lookup().lookup(PERSON) == []  # 404 {"error": "person_not_found"}
    agency.people[PERSON] = []
    assert get_lookup().lookup(PERSON) == []


def test_a_404_without_the_documented_body_is_a_wrong_url(agency):
    agency.people[PERSON] = Reply(404, raw=b"<html>Not Found</html>")
    with pytest.raises(AgencyMisconfigured):
        get_lookup().lookup(PERSON)


def test_a_slow_agency_times_out_after_the_retries(agency):
    for _ in range(3):
        agency.fail_next("slow", delay=0.5)
    agency.people[PERSON] = [benefit(1)]
    with pytest.raises(AgencyUnavailable):
        get_lookup().lookup(PERSON)
    assert agency.lookups() == 3  # the first try and two retries, 0.2 s each


def test_a_5xx_is_retried_and_then_succeeds(agency):
    agency.fail_next("500")
    agency.fail_next("503")
    agency.people[PERSON] = [benefit(1)]
    assert [b.reference for b in get_lookup().lookup(PERSON)] == ["SS-1"]
    assert agency.lookups() == 3


def test_a_5xx_every_time_is_unavailable(agency):
    for _ in range(3):
        agency.fail_next("500")
    with pytest.raises(AgencyUnavailable):
        get_lookup().lookup(PERSON)
    assert agency.lookups() == 3


def test_a_refused_key_is_misconfigured_at_once(agency, settings):
    settings.BENEFITS_AGENCY_KEYS = {agency.code: "wrong-key"}
    with pytest.raises(AgencyMisconfigured):
        get_lookup().lookup(PERSON)
    assert agency.lookups() == 1  # not retried


@pytest.mark.parametrize(
    ("urls", "keys"),
    [
        ({}, {}),
        ({"social_security": "http://127.0.0.1:9"}, {}),
        ({"space_agency": "http://127.0.0.1:9"}, {"space_agency": "k"}),
    ],
    ids=["no agency", "no key", "unknown agency"],
)
def test_missing_or_unknown_settings_are_misconfigured(settings, urls, keys):
    settings.BENEFITS_LOOKUP = "http"
    settings.BENEFITS_AGENCY_URLS = urls
    settings.BENEFITS_AGENCY_KEYS = keys
    with pytest.raises(AgencyMisconfigured):
        get_lookup()


INVALID = {
    "not JSON": Reply(200, raw=b'{"civil_id": "'),
    "not an object": Reply(200, ["SS-1"]),
    "another person": Reply(200, {"civil_id": OTHER, "benefits": []}),
    "benefits not a list": Reply(200, {"civil_id": PERSON, "benefits": {"SS-1": {}}}),
    "amount as a number": [benefit(1, monthly_amount=250.5)],
    "amount with 4 decimals": [benefit(1, monthly_amount="250.5001")],
    "negative amount": [benefit(1, monthly_amount="-1")],
    "amount not a number": [benefit(1, monthly_amount="lots")],
    "start date day first": [benefit(1, start_date="01/01/2024")],
    "end before start": [benefit(1, end_date="2023-12-31")],
    "unknown benefit": [benefit(1, benefit="space_pension")],
    "benefit of another agency": [benefit(1, benefit="monthly_assistance")],
    "no reference": [benefit(1, reference="")],
    "reference not a string": [benefit(1, reference=17)],
    "missing amount": [{"benefit": "retirement_pension", "start_date": "2024-01-01"}],
    "reference twice": [benefit(1), benefit(1, monthly_amount="1.000")],
}


@pytest.mark.parametrize("answer", INVALID.values(), ids=INVALID.keys())
def test_an_answer_not_as_agreed_is_invalid_and_writes_nothing(agency, answer):
    # What the agency said before: one record, which the bad answer must leave as it was.
    agency.people[PERSON] = [benefit(1, monthly_amount="100.000")]
    benefits_refresh(civil_ids=[PERSON])
    before = records()
    agency.people[PERSON] = answer
    with pytest.raises(AgencyAnswerInvalid):
        get_lookup().lookup(PERSON)
    result = benefits_refresh(civil_ids=[PERSON])
    assert result.not_refreshed == [(PERSON, "answer_invalid")]
    assert counts(result) == (0, 0, 0, 0)
    assert records() == before


# --- the refresh --------------------------------------------------------------------------


def test_a_refresh_creates_then_updates_ends_and_leaves_records(agency):
    agency.people[PERSON] = [
        benefit(1),
        benefit(2, benefit="family_allowance", monthly_amount="40", reference="SS-2"),
    ]
    first = benefits_refresh(civil_ids=[PERSON])
    assert first.refreshed == [PERSON]
    assert counts(first) == (2, 0, 0, 0)
    assert first.batch.source == ImportSource.LOOKUP
    assert first.batch.status == ImportStatus.DONE
    assert records() == [
        (PERSON, "retirement_pension", Decimal("250.500"), datetime.date(2024, 1, 1), None, "SS-1"),
        (PERSON, "family_allowance", Decimal("40.000"), datetime.date(2024, 1, 1), None, "SS-2"),
    ]
    assert set(BenefitRecord.objects.values_list("batch", flat=True)) == {first.batch.pk}

    assert counts(benefits_refresh(civil_ids=[PERSON])) == (0, 0, 2, 0)

    agency.people[PERSON] = [
        benefit(1, monthly_amount="260.000"),
        benefit(2, benefit="family_allowance", monthly_amount="40", end_date="2025-06-30"),
        benefit(3, start_date="2025-01-01"),
    ]
    assert counts(benefits_refresh(civil_ids=[PERSON])) == (1, 1, 0, 1)
    assert BenefitRecord.objects.get(reference="SS-2").end_date == datetime.date(2025, 6, 30)


def test_one_person_failing_does_not_stop_the_others(agency):
    agency.people[PERSON] = [benefit(1)]
    agency.people[OTHER] = [benefit(2)]
    for _ in range(3):
        agency.fail_next("500", path=f"/v1/benefits/{PERSON}")
    result = benefits_refresh(civil_ids=[OTHER, PERSON, OTHER])
    assert result.refreshed == [OTHER]
    assert result.not_refreshed == [(PERSON, "agency_unavailable")]
    assert result.batch.error_count == 1
    assert list(BenefitRecord.objects.values_list("civil_id", flat=True)) == [OTHER]


def test_a_timeout_writes_nothing(agency):
    agency.people[PERSON] = [benefit(1)]
    for _ in range(3):
        agency.fail_next("slow", delay=0.5)
    result = benefits_refresh(civil_ids=[PERSON])
    assert result.not_refreshed == [(PERSON, "agency_unavailable")]
    assert not BenefitRecord.objects.exists()


def test_a_misconfigured_agency_stops_the_refresh(agency, settings):
    settings.BENEFITS_AGENCY_KEYS = {agency.code: "wrong-key"}
    result = benefits_refresh(civil_ids=[PERSON, OTHER])
    assert result.misconfigured
    assert sorted(result.not_refreshed) == sorted(
        [(PERSON, "misconfigured"), (OTHER, "misconfigured")]
    )
    assert agency.lookups() == 1  # every lookup would fail alike: asked once


def test_a_reference_of_another_person_writes_nothing_for_this_one(agency):
    agency.people[OTHER] = [benefit(1)]
    benefits_refresh(civil_ids=[OTHER])
    agency.people[PERSON] = [benefit(5), benefit(1)]  # SS-1 is OTHER's
    result = benefits_refresh(civil_ids=[PERSON])
    assert result.not_refreshed == [(PERSON, "answer_invalid")]
    assert list(BenefitRecord.objects.values_list("civil_id", "reference")) == [(OTHER, "SS-1")]


def test_an_invalid_civil_id_is_not_asked(agency):
    result = benefits_refresh(civil_ids=["12345"])
    assert result.not_refreshed == [("12345", "invalid_civil_id")]
    assert agency.lookups() == 0


def test_the_refresh_is_audited_with_masked_civil_ids(agency):
    agency.people[PERSON] = [benefit(1)]
    for _ in range(3):
        agency.fail_next("500", path=f"/v1/benefits/{OTHER}")
    result = benefits_refresh(civil_ids=[PERSON, OTHER])
    entry = AuditEntry.objects.get(action="benefits.looked_up")
    assert entry.actor is None
    assert entry.object_id == str(result.batch.pk)
    assert entry.data == {
        "lookup": "http",
        "refreshed": ["…" + PERSON[-4:]],
        "not_refreshed": [["…" + OTHER[-4:], "agency_unavailable"]],
        "created": 1,
        "updated": 0,
        "unchanged": 0,
        "ended": 0,
    }
    text = json.dumps(entry.data, ensure_ascii=False)
    assert PERSON not in text
    assert OTHER not in text


# --- the simulator ------------------------------------------------------------------------


def test_the_simulator_answers_from_the_imported_records(write_csv):
    path = write_csv(
        [
            benefit_row(1, end_date="2025-12-31"),
            benefit_row(1, agency="social_welfare", benefit="housing_allowance", reference="W-1"),
            benefit_row(2),
        ]
    )
    benefit_file_import(path=path, started_by=None)
    assert get_lookup().name == "simulator"  # the embedded default
    assert SimulatorLookup().lookup(PERSON) == [
        AgencyBenefit(
            agency="social_security",
            benefit="retirement_pension",
            monthly_amount=Decimal("250.500"),
            start_date=datetime.date(2024, 1, 1),
            end_date=datetime.date(2025, 12, 31),
            reference="SS-1",
        ),
        AgencyBenefit(
            agency="social_welfare",
            benefit="housing_allowance",
            monthly_amount=Decimal("250.500"),
            start_date=datetime.date(2024, 1, 1),
            end_date=None,
            reference="W-1",
        ),
    ]
    assert SimulatorLookup().lookup(civil_id_for(3)) == []
    result = benefits_refresh(civil_ids=[PERSON, civil_id_for(2), civil_id_for(3)])
    assert len(result.refreshed) == 3
    assert counts(result) == (0, 0, 3, 0)


# --- a refresh that crashes -----------------------------------------------------------------


class StoppingLookup:
    """The http adapter against the stub, until the worker stops while asking about ``at``
    (as a killed or crashed worker does: the exception is no ``AgencyError``)."""

    def __init__(self, at: str) -> None:
        self.inner = get_lookup()
        self.name = self.inner.name
        self.at = at

    def lookup(self, civil_id: str) -> list[AgencyBenefit]:
        if civil_id == self.at:
            raise SystemExit("worker stopped")
        return self.inner.lookup(civil_id)


def test_a_refresh_that_crashes_half_way_ends_as_failed_and_keeps_what_it_loaded(agency):
    agency.people[PERSON] = [benefit(1)]
    agency.people[OTHER] = [benefit(2)]
    first, second = sorted([PERSON, OTHER])

    with pytest.raises(SystemExit):
        benefits_refresh(civil_ids=[PERSON, OTHER], lookup=StoppingLookup(at=second))

    batch = ImportBatch.objects.get(source=ImportSource.LOOKUP)
    assert batch.status == ImportStatus.FAILED
    assert batch.finished_at is not None
    assert (batch.created_count, batch.rows_done) == (1, 1)
    assert list(BenefitRecord.objects.values_list("civil_id", flat=True)) == [first]
    entry = AuditEntry.objects.get(action="benefits.lookup_failed")
    assert entry.object_id == str(batch.pk)
    assert entry.data["error"] == "SystemExit"
    assert entry.data["refreshed"] == ["…" + first[-4:]]
    assert not AuditEntry.objects.filter(action="benefits.looked_up").exists()

    # The next refresh is a batch of its own, done.
    assert benefits_refresh(civil_ids=[PERSON, OTHER]).batch.status == ImportStatus.DONE
