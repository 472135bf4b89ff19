"""``dedup_audit`` lists the people a held request should cover and its commitments do not.

The data are built by hand (a member added to the household after the claim, a commitment
released behind the request's back): what the audit exists to find.
"""

from __future__ import annotations

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from aid_requests.models import AidRequest
from applicants.models import HouseholdMember, Kinship
from charities.services.cases import aid_request_release
from charities.services.claim import aid_request_claim
from charities.services.payments import aid_request_approve
from dedup.audit import coverage_gaps, open_coverage_conflicts
from dedup.models import AidCommitment, CommitmentStatus
from tests.factories import civil_id_for
from tests.factories.cases import caseworker, family, later, open_request

pytestmark = pytest.mark.django_db

Y = civil_id_for(6_000_111)
Z = civil_id_for(6_000_222)


def _audit() -> tuple[list[str], CommandError | None]:
    out = StringIO()
    try:
        call_command("dedup_audit", stdout=out)
    except CommandError as error:
        return out.getvalue().splitlines(), error
    return out.getvalue().splitlines(), None


def _add_member(applicant, civil_id: str) -> None:
    """A member saved into the household after the claim, the commitments left as they were."""
    HouseholdMember.objects.create(
        profile=applicant.applicant_profile, civil_id=civil_id, name="فرد", kinship=Kinship.SON
    )


def test_member_added_after_the_claim_and_claimed_elsewhere_is_reported(capital, needy):
    """Issue 12, item 2: X's household aid was claimed, Y was then added to X's household and
    Y's own request for the same aid type claimed by another charity."""
    first = caseworker([needy], [capital])
    second = caseworker([needy], [capital])
    x = family(capital)
    x_request = open_request(x, needy, capital)
    aid_request_claim(aid_request_id=x_request.pk, actor=first)
    _add_member(x, Y)
    y_request = open_request(family(capital, applicant_civil_id=Y), needy, capital)
    aid_request_claim(aid_request_id=y_request.pk, actor=second)
    held_by_second = AidCommitment.objects.get(aid_request=y_request, civil_id=Y)
    coverage = f"{x_request.coverage_start}–{x_request.coverage_end}"

    lines, error = _audit()

    assert lines == [
        "dedup_audit: 2 commitments checked, 0 violations",
        f"COVERED ELSEWHERE request {x_request.pk} (claimed, aid type {needy.pk}, {coverage}): "
        f"household member …{Y[-4:]} is held by commitment {held_by_second.pk} of request "
        f"{y_request.pk} (organisation {second.membership.organisation.pk}), not by this "
        "request",
        # X's request: X and Y; Y's request: Y
        "dedup_audit: 3 people of 2 held requests checked, 0 uncovered, "
        "1 covered only by another request",
        "dedup_audit: 0 open coverage conflicts",
    ]
    assert error is not None
    assert "1 people are not covered" in str(error)


def test_member_added_after_the_claim_with_no_commitment_is_uncovered(capital, needy):
    staff = caseworker([needy], [capital], role="manager")
    x = family(capital, [Y])
    x_request = open_request(x, needy, capital)
    aid_request_claim(aid_request_id=x_request.pk, actor=staff)
    aid_request_approve(aid_request_id=x_request.pk, actor=staff, amount=Decimal("100"), payments=6)
    assert _audit()[1] is None  # X and Y are covered
    _add_member(x, Z)

    lines, error = _audit()

    coverage = f"{x_request.coverage_start}–{x_request.coverage_end}"
    assert (
        f"UNCOVERED request {x_request.pk} (approved, aid type {needy.pk}, {coverage}): "
        f"household member …{Z[-4:]} has no binding commitment of this aid type"
    ) in lines
    assert (
        "dedup_audit: 3 people of 1 held requests checked, 1 uncovered, "
        "0 covered only by another request"
    ) in lines
    assert error is not None
    assert [(gap.civil_id, gap.role, gap.elsewhere) for gap in coverage_gaps()] == [
        (Z, "household member", None)
    ]


def test_beneficiary_whose_commitment_was_released_behind_the_request_is_uncovered(
    capital, needy, student
):
    """Person aid covers the beneficiary only: the household's members are not expected."""
    staff = caseworker([student], [capital])
    applicant = family(capital, [Y])
    aid_request = open_request(applicant, student, capital)
    aid_request_claim(aid_request_id=aid_request.pk, actor=staff)
    assert _audit()[1] is None
    AidCommitment.objects.filter(aid_request=aid_request).update(
        status=CommitmentStatus.RELEASED, released_at=timezone.now()
    )

    gaps = coverage_gaps()

    assert [(gap.request_id, gap.civil_id, gap.role) for gap in gaps] == [
        (aid_request.pk, applicant.civil_id, "beneficiary")
    ]
    lines, error = _audit()
    assert "dedup_audit: 1 people of 1 held requests checked, 1 uncovered, " in lines[-2]
    assert error is not None


def test_a_commitment_outside_the_coverage_does_not_cover(capital, student):
    staff = caseworker([student], [capital])
    aid_request = open_request(family(capital), student, capital)
    aid_request_claim(aid_request_id=aid_request.pk, actor=staff)
    AidCommitment.objects.filter(aid_request=aid_request).update(
        period_start=later(12), period_end=later(13)
    )
    assert [gap.request_id for gap in coverage_gaps()] == [aid_request.pk]


def test_requests_not_held_are_not_checked(capital, needy):
    """Open and released requests have no commitments to check."""
    staff = caseworker([needy], [capital], role="manager")
    open_request(family(capital, [Y]), needy, capital)  # open: nobody claimed it
    released = open_request(family(capital, [Z]), needy, capital)
    aid_request_claim(aid_request_id=released.pk, actor=staff)
    aid_request_release(aid_request_id=released.pk, actor=staff, reason="لا ميزانية")
    assert coverage_gaps() == []
    lines, error = _audit()
    assert error is None
    assert lines[1] == (
        "dedup_audit: 0 people of 0 held requests checked, 0 uncovered, "
        "0 covered only by another request"
    )


def test_a_member_with_a_coverage_conflict_is_listed_as_known_not_failed(capital, needy):
    """The member the database refused to cover twice opened a conflict: dedup_audit lists it
    and the conflict, and does not fail (the later case's payments are held)."""
    from dedup import household_steps

    first = caseworker([needy], [capital])
    second = caseworker([needy], [capital])
    y_request = open_request(family(capital, applicant_civil_id=Y), needy, capital)
    aid_request_claim(aid_request_id=y_request.pk, actor=first)
    x = family(capital)
    x_request = open_request(x, needy, capital)
    aid_request_claim(aid_request_id=x_request.pk, actor=second)
    household_steps.household_member_add(
        actor=x,
        civil_id=Y,
        name="فرد",
        kinship=Kinship.SON,
        birth_date=None,
        has_disability=False,
        is_student=False,
    )

    lines, error = _audit()

    assert error is None
    assert f"KNOWN CONFLICT request {x_request.pk}: household member …{Y[-4:]}" in "\n".join(lines)
    [conflict] = open_coverage_conflicts()
    assert conflict.startswith("OPEN CONFLICT")
    assert f"request {x_request.pk}" in conflict
    assert lines[-1] == "dedup_audit: 1 open coverage conflicts"


def test_the_beneficiary_a_request_names_is_the_person_it_must_cover(capital, student):
    """A person-aid request for a child must hold the child's civil ID, not the parent's."""
    staff = caseworker([student], [capital], role="manager")
    parent = family(capital, [Y, Z])
    child_request = open_request(parent, student, capital)
    AidRequest.objects.filter(pk=child_request.pk).update(beneficiary_civil_id=Z)
    aid_request_claim(aid_request_id=child_request.pk, actor=staff)
    assert list(
        AidCommitment.objects.filter(aid_request=child_request).values_list("civil_id", flat=True)
    ) == [Z]
    assert coverage_gaps() == []

    # The child's reservation released behind the request's back: the child is uncovered.
    AidCommitment.objects.filter(aid_request=child_request).update(status=CommitmentStatus.RELEASED)
    [gap] = coverage_gaps()
    assert (gap.request_id, gap.civil_id, gap.role) == (child_request.pk, Z, "beneficiary")
