"""The ministry's adjudication page: who may see it, who may decide, and what a decision does."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from applicants.models import ApplicantProfile, PossibleDuplicate, ReviewStatus
from audit.models import AuditEntry
from dedup.exceptions import AdjudicationNotAllowed, AlreadyDecided
from dedup.models import ConflictStatus, CoverageConflict
from dedup.services.adjudication import coverage_conflict_resolve, possible_duplicate_decide
from notifications.models import Notification
from tests.factories import StaffUserFactory
from tests.factories.cases import SHARED, add_member, caseworker, claimed_case, family

pytestmark = pytest.mark.django_db
PAGE = "dedup:adjudication"


@pytest.fixture
def conflict(capital, needy):
    claimed_case(capital, needy, family(capital, applicant_civil_id=SHARED))
    applicant = family(capital)
    claimed_case(capital, needy, applicant, approve=True)
    add_member(applicant, SHARED)
    return (
        PossibleDuplicate.objects.get(profile__user=applicant),
        CoverageConflict.objects.get(aid_request__applicant=applicant),
    )


def resolve_url(conflict):
    return reverse("dedup:conflict_resolve", args=[conflict.pk])


def decide_url(duplicate):
    return reverse("dedup:duplicate_decide", args=[duplicate.pk])


def test_official_sees_both_sides_oldest_first(client, conflict):
    duplicate, coverage = conflict
    older = PossibleDuplicate.objects.create(
        profile=ApplicantProfile.objects.get(user=coverage.held.aid_request.applicant),
        civil_id="289999999990",
        other_applicant=coverage.aid_request.applicant,
        detected_at=timezone.now() - timezone.timedelta(days=3),
    )
    client.force_login(StaffUserFactory(role=Role.MINISTRY_OFFICIAL))
    response = client.get(reverse(PAGE))
    assert response.status_code == 200
    body = response.content.decode()
    assert coverage.aid_request.reference in body
    assert coverage.held.aid_request.reference in body
    assert body.index(f'id="duplicate-{older.pk}"') < body.index(f'id="duplicate-{duplicate.pk}"')
    assert resolve_url(coverage) not in body  # read-only: no decision forms


def test_admin_sees_the_decision_forms(client, conflict):
    duplicate, coverage = conflict
    client.force_login(StaffUserFactory(role=Role.MINISTRY_ADMIN))
    body = client.get(reverse(PAGE)).content.decode()
    assert resolve_url(coverage) in body
    assert decide_url(duplicate) in body


@pytest.mark.parametrize("role", [Role.MANAGER, Role.CASEWORKER, Role.APPLICANT])
def test_other_roles_may_not_see_the_page(client, conflict, capital, role):
    user = family(capital) if role == Role.APPLICANT else caseworker([], [], role=role)
    client.force_login(user)
    assert client.get(reverse(PAGE)).status_code == 403


def test_anonymous_goes_to_sign_in(client, conflict):
    duplicate, coverage = conflict
    for url, method in ((reverse(PAGE), "get"), (resolve_url(coverage), "post")):
        response = getattr(client, method)(url)
        assert response.status_code == 302
        assert "/login" in response["Location"]


def test_read_only_official_may_not_decide(client, conflict):
    duplicate, coverage = conflict
    client.force_login(StaffUserFactory(role=Role.MINISTRY_OFFICIAL))
    data = {"resolution": "covered_elsewhere", "reason": "x"}
    assert client.post(resolve_url(coverage), data).status_code == 403
    assert (
        client.post(decide_url(duplicate), {"decision": "dismiss", "reason": "x"}).status_code
        == 403
    )
    coverage.refresh_from_db()
    assert coverage.status == ConflictStatus.OPEN


def test_wrong_methods_are_refused(client, conflict):
    duplicate, coverage = conflict
    client.force_login(StaffUserFactory(role=Role.MINISTRY_ADMIN))
    assert client.post(reverse(PAGE)).status_code == 405
    assert client.get(resolve_url(coverage)).status_code == 405
    assert client.get(decide_url(duplicate)).status_code == 405


def test_resolving_a_conflict_is_audited_and_told(client, conflict):
    _, coverage = conflict
    admin = StaffUserFactory(role=Role.MINISTRY_ADMIN)
    client.force_login(admin)
    response = client.post(
        resolve_url(coverage), {"resolution": "covered_elsewhere", "reason": "يبقى مع أسرته"}
    )
    assert response.status_code == 302
    coverage.refresh_from_db()
    assert (coverage.status, coverage.decided_by, coverage.reason) == (
        ConflictStatus.RESOLVED,
        admin,
        "يبقى مع أسرته",
    )
    entry = AuditEntry.objects.get(action="coverage_conflict.resolve")
    assert entry.data["reason"] == "يبقى مع أسرته"
    told = Notification.objects.filter(kind="coverage_conflict_resolved")
    assert coverage.aid_request.applicant in [n.recipient for n in told]
    assert {n.aid_request_id for n in told} == {
        coverage.aid_request_id,
        coverage.held.aid_request_id,
    }


def test_a_decision_needs_a_reason_and_changes_nothing_without_one(client, conflict):
    duplicate, coverage = conflict
    client.force_login(StaffUserFactory(role=Role.MINISTRY_ADMIN))
    client.post(resolve_url(coverage), {"resolution": "covered_elsewhere", "reason": "  "})
    client.post(decide_url(duplicate), {"decision": "dismiss", "reason": ""})
    coverage.refresh_from_db()
    duplicate.refresh_from_db()
    assert coverage.status == ConflictStatus.OPEN
    assert duplicate.status == ReviewStatus.OPEN
    assert not AuditEntry.objects.filter(
        action__in=("coverage_conflict.resolve", "possible_duplicate.decide")
    ).exists()


def test_deciding_where_a_person_belongs_is_audited_and_both_applicants_told(client, conflict):
    duplicate, _ = conflict
    client.force_login(StaffUserFactory(role=Role.MINISTRY_ADMIN))
    client.post(decide_url(duplicate), {"decision": "belongs_there", "reason": "يسكن مع أمه"})
    duplicate.refresh_from_db()
    assert duplicate.status == ReviewStatus.CONFIRMED
    assert duplicate.belongs_to.user == duplicate.other_applicant
    assert duplicate.review_reason == "يسكن مع أمه"
    assert AuditEntry.objects.filter(action="possible_duplicate.decide").count() == 1
    told = {n.recipient for n in Notification.objects.filter(kind="duplicate_decided")}
    assert told == {duplicate.profile.user, duplicate.other_applicant}


def test_a_decision_is_made_once(conflict):
    duplicate, _ = conflict
    admin = StaffUserFactory(role=Role.MINISTRY_ADMIN)
    possible_duplicate_decide(
        duplicate_id=duplicate.pk, actor=admin, decision="dismiss", reason="different people"
    )
    with pytest.raises(AlreadyDecided):
        possible_duplicate_decide(
            duplicate_id=duplicate.pk, actor=admin, decision="belongs_here", reason="again"
        )


def test_an_official_without_the_capability_cannot_decide_through_the_service(conflict):
    _, coverage = conflict
    with pytest.raises(AdjudicationNotAllowed):
        coverage_conflict_resolve(
            conflict_id=coverage.pk,
            actor=StaffUserFactory(role=Role.MINISTRY_OFFICIAL),
            resolution="covered_elsewhere",
            reason="x",
        )


def test_both_organisations_see_the_conflict_on_their_case(client, conflict):
    _, coverage = conflict
    for aid_request, says in (
        (coverage.aid_request, 'data-side="held-back"'),
        (coverage.held.aid_request, 'data-side="covering"'),
    ):
        manager = aid_request.claimed_by.memberships.get().user
        client.force_login(manager)
        body = client.get(reverse("charities:case", args=[aid_request.pk])).content.decode()
        assert 'data-testid="coverage-conflict"' in body
        assert says in body
        assert coverage.civil_id[-4:] in body
