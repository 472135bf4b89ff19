"""The rule across sources: a state benefit the ministry says excludes an aid type holds that
aid type for the person, under the same database rule as a charity's claim.

Runs on the database under test (SQLite and PostgreSQL).
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Role
from aid_requests.models import PaymentMethod
from audit.models import AuditEntry
from benefits.lookup import benefits_refresh
from benefits.models import AidTypeBenefitRule, BenefitEffect, BenefitKind, BenefitRecord
from benefits.rules import benefit_rule_remove, benefit_rule_set
from benefits.services import benefit_file_import
from benefits.tasks import refill_state_commitments
from charities.exceptions import DuplicateAid, ExcludedByStateBenefit, PaymentHeldByConflict
from charities.services.cases import aid_request_release
from charities.services.claim import aid_request_claim
from charities.services.payments import aid_request_approve, payment_record
from dedup.models import (
    BINDING,
    UNTIL_FURTHER_NOTICE,
    AidCommitment,
    BlockedAttempt,
    ConflictStatus,
    CoverageConflict,
    PreventedDuplicate,
)
from dedup.request_steps import aid_request_withdraw
from dedup.services.adjudication import coverage_conflict_resolve
from notifications.models import Notification
from tests.benefits.conftest import benefit_row
from tests.benefits.stub import benefit as stub_benefit
from tests.factories import StaffUserFactory, civil_id_for
from tests.factories.cases import (
    add_member,
    caseworker,
    claimed_case,
    family,
    needy_aid_type,
    open_request,
)
from tests.factories.second_factor import sign_in_with_second_factor

PERSON = civil_id_for(4_100_001)
MEMBER = civil_id_for(4_100_002)


@pytest.fixture
def needy(db):
    return needy_aid_type()


@pytest.fixture
def capital(db):
    from tests.factories import GovernorateFactory

    return GovernorateFactory(code="capital")


@pytest.fixture
def ministry_admin(db):
    return StaffUserFactory(role=Role.MINISTRY_ADMIN)


def pension() -> BenefitKind:
    return BenefitKind.objects.get(agency__code="social_security", code="retirement_pension")


def exclude(aid_type, actor) -> AidTypeBenefitRule:
    return benefit_rule_set(
        actor=actor, aid_type_id=aid_type.pk, kind_id=pension().pk, effect=BenefitEffect.EXCLUDES
    )


def load(write_csv, tmp_path: Path, rows, name="benefits.csv"):
    return benefit_file_import(
        path=write_csv(rows, name=name), started_by=None, report_path=tmp_path / f"{name}.txt"
    )


def state_commitments(**filters):
    return AidCommitment.all_sources.filter(
        benefit_record__isnull=False, status__in=BINDING, **filters
    ).order_by("period_start")


def claim(aid_request, actor):
    return aid_request_claim(aid_request_id=aid_request.pk, actor=actor)


def audit_is_clean() -> bool:
    out = StringIO()
    call_command("dedup_audit", stdout=out)
    return ", 0 violations" in out.getvalue()


def test_claim_refused_while_the_person_receives_an_excluding_benefit(
    write_csv, tmp_path, capital, needy, ministry_admin
):
    exclude(needy, ministry_admin)
    load(write_csv, tmp_path, [benefit_row(1, civil_id=PERSON, end_date="2099-06-30")])
    record = BenefitRecord.objects.get(civil_id=PERSON)
    held = state_commitments(civil_id=PERSON).get()
    assert (held.aid_type_id, held.period_start, held.period_end) == (
        needy.pk,
        datetime.date(2024, 1, 1),
        datetime.date(2099, 6, 30),
    )
    assert held.benefit_record_id == record.pk
    assert held.aid_request_id is None
    aid_request = open_request(family(capital, applicant_civil_id=PERSON), needy, capital)
    actor = caseworker([needy], [capital])

    with translation.override("en"), pytest.raises(ExcludedByStateBenefit) as refused:
        claim(aid_request, actor)

    message = str(refused.value.message)
    assert message == (
        "Refused: a person in this case receives Retirement pension from Public Institution "
        "for Social Security until 30/06/2099, which excludes Needy families."
    )
    assert "SS-1" not in message  # the agency's reference is not the charity's to see
    assert "250" not in message  # nor the amount
    assert isinstance(refused.value, DuplicateAid)
    aid_request.refresh_from_db()
    assert aid_request.claimed_by is None
    assert not AidCommitment.objects.filter(civil_id=PERSON).exists()  # no charity commitment
    attempt = BlockedAttempt.objects.get()
    assert attempt.conflicting_id == held.pk
    # The ministry's "duplicates prevented" count charity cases refused against charity cases.
    assert not PreventedDuplicate.objects.exists()


def test_an_open_ended_benefit_refuses_until_further_notice(
    write_csv, tmp_path, capital, needy, ministry_admin
):
    exclude(needy, ministry_admin)
    load(write_csv, tmp_path, [benefit_row(1, civil_id=PERSON)])
    assert state_commitments(civil_id=PERSON).get().period_end == UNTIL_FURTHER_NOTICE
    aid_request = open_request(family(capital, applicant_civil_id=PERSON), needy, capital)

    with translation.override("en"), pytest.raises(ExcludedByStateBenefit) as refused:
        claim(aid_request, caseworker([needy], [capital]))

    assert "for Social Security until further notice" in str(refused.value.message)
    # Everyone it covers is held by the state: out of the queue, until further notice.
    aid_request.refresh_from_db()
    assert aid_request.covered_until == UNTIL_FURTHER_NOTICE
    told = Notification.objects.get(recipient=aid_request.applicant, kind="request_covered")
    assert "until further notice" in told.message(language="en").body
    assert "إشعار آخر" in told.message(language="ar").body


def test_arabic_refusal_names_the_benefit_and_the_agency(
    write_csv, tmp_path, capital, needy, ministry_admin
):
    exclude(needy, ministry_admin)
    load(write_csv, tmp_path, [benefit_row(1, civil_id=PERSON, end_date="2099-06-30")])
    aid_request = open_request(family(capital, applicant_civil_id=PERSON), needy, capital)

    with translation.override("ar"), pytest.raises(ExcludedByStateBenefit) as refused:
        claim(aid_request, caseworker([needy], [capital]))

    message = str(refused.value.message)
    assert pension().name_ar in message
    assert "30/06/2099" in message
    assert "Refused" not in message


def test_household_claim_refused_when_a_member_receives_an_excluding_benefit(
    write_csv, tmp_path, capital, needy, ministry_admin
):
    exclude(needy, ministry_admin)
    load(write_csv, tmp_path, [benefit_row(1, civil_id=MEMBER, end_date="2099-06-30")])
    aid_request = open_request(family(capital, [MEMBER]), needy, capital)

    with pytest.raises(ExcludedByStateBenefit):
        claim(aid_request, caseworker([needy], [capital]))

    assert not AidCommitment.objects.filter(aid_request=aid_request).exists()


def test_a_benefit_without_a_rule_holds_nothing(write_csv, tmp_path, capital, needy):
    load(write_csv, tmp_path, [benefit_row(1, civil_id=PERSON)])
    assert not state_commitments().exists()
    aid_request = open_request(family(capital, applicant_civil_id=PERSON), needy, capital)
    claim(aid_request, caseworker([needy], [capital]))  # goes through


def test_claim_first_then_the_import_opens_a_conflict_and_holds_payments(
    write_csv, tmp_path, capital, needy, ministry_admin
):
    aid_request, manager = claimed_case(
        capital, needy, family(capital, applicant_civil_id=PERSON), approve=True
    )
    exclude(needy, ministry_admin)

    load(write_csv, tmp_path, [benefit_row(1, civil_id=PERSON)])

    record = BenefitRecord.objects.get(civil_id=PERSON)  # the state's fact is kept
    conflict = CoverageConflict.objects.get()
    assert (conflict.aid_request_id, conflict.civil_id, conflict.status) == (
        aid_request.pk,
        PERSON,
        ConflictStatus.OPEN,
    )
    assert conflict.benefit_record_id == record.pk
    assert conflict.held_id is None
    # The state holds the days the charity's case does not: before it and after it.
    day = datetime.timedelta(days=1)
    assert [(c.period_start, c.period_end) for c in state_commitments(civil_id=PERSON)] == [
        (datetime.date(2024, 1, 1), aid_request.coverage_start - day),
        (aid_request.coverage_end + day, UNTIL_FURTHER_NOTICE),
    ]
    assert audit_is_clean()  # never both binding over the same days
    with pytest.raises(PaymentHeldByConflict):
        payment_record(
            aid_request_id=aid_request.pk,
            actor=manager,
            amount=Decimal("150"),
            paid_on=timezone.localdate(),
            method=PaymentMethod.CHEQUE,
        )

    # The same file again: nothing changes, no second conflict.
    load(write_csv, tmp_path, [benefit_row(1, civil_id=PERSON)], name="again.csv")
    assert CoverageConflict.objects.count() == 1
    assert state_commitments(civil_id=PERSON).count() == 2


def test_adjudication_page_shows_the_state_benefit(
    client, write_csv, tmp_path, capital, needy, ministry_admin
):
    claimed_case(capital, needy, family(capital, applicant_civil_id=PERSON))
    exclude(needy, ministry_admin)
    load(write_csv, tmp_path, [benefit_row(1, civil_id=PERSON, end_date="2099-06-30")])
    official = StaffUserFactory(role=Role.MINISTRY_OFFICIAL)
    client.force_login(official)

    with translation.override("en"):
        page = client.get(reverse("dedup:adjudication"), HTTP_ACCEPT_LANGUAGE="en")

    assert page.status_code == 200
    text = page.content.decode()
    assert pension().name_ar in text or pension().name_en in text
    assert "SS-1" in text  # the ministry sees the agency's reference


def test_a_newer_file_ending_the_benefit_earlier_shortens_it_and_a_later_claim_goes_through(
    write_csv, tmp_path, capital, needy, ministry_admin
):
    exclude(needy, ministry_admin)
    load(write_csv, tmp_path, [benefit_row(1, civil_id=PERSON)])
    yesterday = timezone.localdate() - datetime.timedelta(days=1)

    load(
        write_csv,
        tmp_path,
        [benefit_row(1, civil_id=PERSON, end_date=yesterday.isoformat())],
        name="newer.csv",
    )

    held = state_commitments(civil_id=PERSON).get()
    assert held.period_end == yesterday
    aid_request = open_request(family(capital, applicant_civil_id=PERSON), needy, capital)
    claimed = claim(aid_request, caseworker([needy], [capital]))
    assert claimed.claimed_by_id is not None
    assert audit_is_clean()


def test_removing_the_rule_releases_the_state_commitments(
    write_csv, tmp_path, capital, needy, ministry_admin
):
    rule = exclude(needy, ministry_admin)
    load(
        write_csv, tmp_path, [benefit_row(n, civil_id=civil_id_for(4_200_000 + n)) for n in (1, 2)]
    )
    assert state_commitments().count() == 2

    benefit_rule_remove(actor=ministry_admin, rule_id=rule.pk)

    assert not state_commitments().exists()
    aid_request = open_request(
        family(capital, applicant_civil_id=civil_id_for(4_200_001)), needy, capital
    )
    claim(aid_request, caseworker([needy], [capital]))  # goes through

    # Added again: the records hold the aid type again, except where the charity now holds it.
    exclude(needy, ministry_admin)
    assert state_commitments().count() == 3  # person 2 whole; person 1 before and after
    assert CoverageConflict.objects.filter(aid_request=aid_request).count() == 1


def test_a_rule_turned_to_income_releases_and_back_to_excludes_reserves(
    write_csv, tmp_path, needy, ministry_admin
):
    rule = exclude(needy, ministry_admin)
    load(write_csv, tmp_path, [benefit_row(1, civil_id=PERSON)])
    assert state_commitments().count() == 1

    benefit_rule_set(
        actor=ministry_admin,
        aid_type_id=needy.pk,
        kind_id=pension().pk,
        effect=BenefitEffect.INCOME,
        rule_id=rule.pk,
    )
    assert not state_commitments().exists()

    benefit_rule_set(
        actor=ministry_admin,
        aid_type_id=needy.pk,
        kind_id=pension().pk,
        effect=BenefitEffect.EXCLUDES,
        rule_id=rule.pk,
    )
    assert state_commitments().count() == 1


def test_two_excluding_benefits_of_one_person_do_not_refuse_each_other(
    write_csv, tmp_path, needy, ministry_admin
):
    exclude(needy, ministry_admin)
    load(
        write_csv,
        tmp_path,
        [
            benefit_row(1, civil_id=PERSON, end_date="2030-12-31"),
            benefit_row(2, civil_id=PERSON, start_date="2030-01-01", end_date="2035-12-31"),
        ],
    )

    assert BenefitRecord.objects.filter(civil_id=PERSON).count() == 2
    assert [(c.period_start, c.period_end) for c in state_commitments(civil_id=PERSON)] == [
        (datetime.date(2024, 1, 1), datetime.date(2030, 12, 31)),
        (datetime.date(2031, 1, 1), datetime.date(2035, 12, 31)),
    ]
    assert not CoverageConflict.objects.exists()


def test_statistics_of_charity_aid_do_not_see_state_commitments(
    write_csv, tmp_path, needy, ministry_admin
):
    exclude(needy, ministry_admin)
    load(write_csv, tmp_path, [benefit_row(1, civil_id=PERSON)])
    assert AidCommitment.all_sources.count() == 1
    assert AidCommitment.objects.count() == 0


def test_a_member_with_an_excluding_benefit_joining_a_held_household_opens_a_conflict(
    write_csv, tmp_path, capital, needy, ministry_admin
):
    exclude(needy, ministry_admin)
    load(write_csv, tmp_path, [benefit_row(1, civil_id=MEMBER, end_date="2099-06-30")])
    applicant = family(capital)
    aid_request, manager = claimed_case(capital, needy, applicant, approve=True)

    add_member(applicant, MEMBER)  # the family change stands

    conflict = CoverageConflict.objects.get(aid_request=aid_request)
    assert conflict.civil_id == MEMBER
    assert conflict.held is not None
    assert conflict.held.is_state
    assert conflict.state_benefit == BenefitRecord.objects.get(civil_id=MEMBER)
    # The charity's managers are told; there is no other organisation to tell.
    assert Notification.objects.filter(recipient=manager, kind="coverage_conflict_opened").exists()
    with pytest.raises(PaymentHeldByConflict):
        payment_record(
            aid_request_id=aid_request.pk,
            actor=manager,
            amount=Decimal("150"),
            paid_on=timezone.localdate(),
            method=PaymentMethod.CHEQUE,
        )


def test_a_live_lookup_reserves_like_an_import(agency, capital, needy, ministry_admin):
    exclude(needy, ministry_admin)
    agency.people[PERSON] = [stub_benefit(1, end_date="2099-06-30")]

    benefits_refresh(civil_ids=[PERSON])

    assert state_commitments(civil_id=PERSON).get().period_end == datetime.date(2099, 6, 30)
    agency.people[PERSON] = [stub_benefit(1, end_date="2025-06-30")]
    benefits_refresh(civil_ids=[PERSON])
    assert state_commitments(civil_id=PERSON).get().period_end == datetime.date(2025, 6, 30)


def test_the_admin_adds_and_deletes_a_rule_through_its_service(client, write_csv, tmp_path, needy):
    load(write_csv, tmp_path, [benefit_row(1, civil_id=PERSON)])
    admin_user = StaffUserFactory(role=Role.MINISTRY_ADMIN, is_staff=True, is_superuser=True)
    sign_in_with_second_factor(client, admin_user)

    added = client.post(
        "/django-admin/benefits/aidtypebenefitrule/add/",
        {"aid_type": needy.pk, "kind": pension().pk, "effect": BenefitEffect.EXCLUDES},
    )

    assert added.status_code == 302, added.content[:3000]
    rule = AidTypeBenefitRule.objects.get()
    assert state_commitments(civil_id=PERSON).count() == 1
    assert AuditEntry.objects.filter(action="benefit_rule.set").exists()

    deleted = client.post(
        f"/django-admin/benefits/aidtypebenefitrule/{rule.pk}/delete/", {"post": "yes"}
    )

    assert deleted.status_code == 302
    assert not AidTypeBenefitRule.objects.exists()
    assert not state_commitments().exists()
    assert AuditEntry.objects.filter(action="benefit_rule.remove").exists()


def test_the_charity_sees_the_state_conflict_and_the_ministry_lets_payments_go_on(
    client, write_csv, tmp_path, capital, needy, ministry_admin
):
    aid_request, manager = claimed_case(
        capital, needy, family(capital, applicant_civil_id=PERSON), approve=True
    )
    exclude(needy, ministry_admin)
    load(write_csv, tmp_path, [benefit_row(1, civil_id=PERSON)])
    conflict = CoverageConflict.objects.get()
    client.force_login(manager)

    with translation.override("en"):
        body = client.get(
            reverse("charities:case", args=[aid_request.pk]), HTTP_ACCEPT_LANGUAGE="en"
        ).content.decode()

    assert 'data-side="held-back"' in body
    assert "state benefit" in body or "معونة حكومية" in body
    assert "SS-1" not in body  # the agency's record is not the charity's to see

    coverage_conflict_resolve(
        conflict_id=conflict.pk,
        actor=ministry_admin,
        resolution="cases_adjusted",
        reason="The pension started after the case; the charity stops at the next period.",
    )
    payment_record(
        aid_request_id=aid_request.pk,
        actor=manager,
        amount=Decimal("150"),
        paid_on=timezone.localdate(),
        method=PaymentMethod.CHEQUE,
    )


def whole_benefit(civil_id: str = PERSON) -> list[tuple[datetime.date, datetime.date]]:
    return [(c.period_start, c.period_end) for c in state_commitments(civil_id=civil_id)]


def state_cut_around(capital, needy, ministry_admin, write_csv, tmp_path):
    """A charity claimed PERSON first; then the state's excluding pension came in: the state
    holds the days before and after the case, and a conflict names the case."""
    applicant = family(capital, applicant_civil_id=PERSON)
    aid_request, manager = claimed_case(capital, needy, applicant)
    exclude(needy, ministry_admin)
    load(write_csv, tmp_path, [benefit_row(1, civil_id=PERSON)])
    assert len(whole_benefit()) == 2  # cut around the case
    return aid_request, manager, applicant


def test_a_case_released_gives_its_days_back_to_the_state_at_once(
    write_csv, tmp_path, capital, needy, ministry_admin
):
    aid_request, manager, _applicant = state_cut_around(
        capital, needy, ministry_admin, write_csv, tmp_path
    )

    aid_request_release(
        aid_request_id=aid_request.pk, actor=manager, reason="Not our area after all."
    )

    # The pension holds its whole period again: another charity cannot take the freed days.
    assert whole_benefit() == [(datetime.date(2024, 1, 1), UNTIL_FURTHER_NOTICE)]
    with pytest.raises(ExcludedByStateBenefit):
        claim(aid_request, caseworker([needy], [capital]))
    assert audit_is_clean()


def test_a_case_approved_for_fewer_months_gives_the_rest_back_to_the_state(
    write_csv, tmp_path, capital, needy, ministry_admin
):
    aid_request, manager, _applicant = state_cut_around(
        capital, needy, ministry_admin, write_csv, tmp_path
    )

    aid_request_approve(
        aid_request_id=aid_request.pk, actor=manager, amount=Decimal("150"), payments=2
    )

    charity = AidCommitment.objects.get(aid_request=aid_request, status__in=BINDING)
    day = datetime.timedelta(days=1)
    # The case now ends after its two months; the state holds everything else.
    assert whole_benefit() == [
        (datetime.date(2024, 1, 1), charity.period_start - day),
        (charity.period_end + day, UNTIL_FURTHER_NOTICE),
    ]
    assert charity.period_end < aid_request.coverage_end
    assert audit_is_clean()


def test_a_withdrawal_below_benefits_is_given_back_by_the_hourly_task(
    write_csv, tmp_path, capital, needy, ministry_admin
):
    aid_request, _manager, applicant = state_cut_around(
        capital, needy, ministry_admin, write_csv, tmp_path
    )
    aid_request_withdraw(aid_request_id=aid_request.pk, applicant=applicant)
    assert len(whole_benefit()) == 2  # the withdrawal (dedup's step) cannot call benefits

    outcome = refill_state_commitments.apply().get()

    assert outcome == {"reserved": 1, "released": 2, "conflicts": 0}
    assert whole_benefit() == [(datetime.date(2024, 1, 1), UNTIL_FURTHER_NOTICE)]
    assert refill_state_commitments.apply().get() == {"reserved": 0, "released": 0, "conflicts": 0}
    assert audit_is_clean()


def test_a_decided_conflict_is_not_opened_again_by_a_newer_file(
    write_csv, tmp_path, capital, needy, ministry_admin
):
    aid_request, _manager = claimed_case(
        capital, needy, family(capital, applicant_civil_id=PERSON), approve=True
    )
    exclude(needy, ministry_admin)
    load(write_csv, tmp_path, [benefit_row(1, civil_id=PERSON)])
    conflict = CoverageConflict.objects.get()
    coverage_conflict_resolve(
        conflict_id=conflict.pk,
        actor=ministry_admin,
        resolution="cases_adjusted",
        reason="The charity's case goes on until its end; the pension was known.",
    )

    # Next month's file raises the pension: the record changes, the state's cover is done
    # again, and the case it clashes with was decided already.
    load(
        write_csv,
        tmp_path,
        [benefit_row(1, civil_id=PERSON, monthly_amount="275.000")],
        name="next-month.csv",
    )

    assert BenefitRecord.objects.get(civil_id=PERSON).monthly_amount == Decimal("275.000")
    assert list(CoverageConflict.objects.values_list("status", flat=True)) == [
        ConflictStatus.RESOLVED
    ]
    assert len(whole_benefit()) == 2
