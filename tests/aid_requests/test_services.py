"""Submission, screening, the status machine, withdrawal and appeals — on the real database."""

import itertools
import threading
from decimal import Decimal

import pytest
from django.db import connection, connections

from aid_requests import services
from aid_requests.exceptions import (
    AmountNotAllowed,
    AppealNotAllowed,
    DuplicateRequest,
    IdentityNotVerified,
    IllegalTransition,
    ProfileIncomplete,
)
from aid_requests.models import AidRequest, Appeal, RequestStatus, TimelineEntry
from aid_requests.states import TRANSITIONS, Actor
from audit.models import AuditEntry
from notifications.models import Notification
from tests.aid_requests.conftest import make_ready_applicant
from tests.factories import AidRequestFactory, OrganisationFactory, StaffUserFactory

pytestmark = pytest.mark.django_db
S = RequestStatus


def submit(user, aid_type, docs, amount="900.000"):
    return services.aid_request_submit(
        applicant=user,
        aid_type=aid_type,
        amount=Decimal(amount),
        justification="الإيجار متأخر",
        documents=docs,
    )


def test_eligible_request_is_screened_open_with_its_need_score(
    ready, rent_allowance, django_capture_on_commit_callbacks
):
    user, docs = ready
    with django_capture_on_commit_callbacks(execute=True):
        aid_request = submit(user, rent_allowance, docs)
    aid_request.refresh_from_db()
    assert aid_request.status == S.OPEN
    assert aid_request.need_score == 50  # the family-of-four example in test_scoring
    assert aid_request.household_size == 4
    assert aid_request.screening["eligible"] is True
    assert (aid_request.coverage_end - aid_request.coverage_start).days in range(180, 185)
    steps = list(aid_request.timeline.values_list("from_status", "to_status"))
    assert steps == [("", S.SUBMITTED), (S.SUBMITTED, S.SCREENED), (S.SCREENED, S.OPEN)]
    actions = list(
        AuditEntry.objects.filter(object_id=str(aid_request.pk)).values_list("action", flat=True)
    )
    assert actions == ["aid_request.submitted", "aid_request.screened", "aid_request.open"]
    kinds = list(Notification.objects.filter(recipient=user).values_list("kind", flat=True))
    assert sorted(kinds) == ["request_open", "request_submitted"]


def test_income_above_the_limit_is_ineligible_with_the_exact_reason(media, rent_allowance):
    user, docs = make_ready_applicant(income="1000", obligations="0", members=1)  # 500 a head
    aid_request = submit(user, rent_allowance, docs)
    assert aid_request.status == S.INELIGIBLE
    assert aid_request.screening["reasons"] == [
        {"code": "income_above_threshold", "per_capita": "500.000", "threshold": "150.000"}
    ]
    assert Notification.objects.filter(recipient=user, kind="request_ineligible").exists()


def test_missing_documents_make_a_request_ineligible(media, rent_allowance):
    user, docs = make_ready_applicant(documents=["civil_id_copy"])
    aid_request = submit(user, rent_allowance, docs)
    assert aid_request.status == S.INELIGIBLE
    assert aid_request.screening["reasons"] == [
        {"code": "documents_missing", "kinds": ["rent_contract"]}
    ]


def test_an_unverified_applicant_cannot_submit(media, rent_allowance):
    user, docs = make_ready_applicant(verified=False)
    with pytest.raises(IdentityNotVerified):
        submit(user, rent_allowance, docs)
    assert not AidRequest.objects.exists()


def test_an_incomplete_profile_cannot_submit(media, rent_allowance):
    user, docs = make_ready_applicant()
    user.applicant_profile.documents_confirmed_at = None
    user.applicant_profile.save()
    with pytest.raises(ProfileIncomplete):
        submit(user, rent_allowance, docs)
    assert not AidRequest.objects.exists()


@pytest.mark.parametrize("amount", ["0", "-5", "1200.001"])
def test_amount_must_be_positive_and_within_the_maximum(ready, rent_allowance, amount):
    user, docs = ready
    with pytest.raises(AmountNotAllowed):
        submit(user, rent_allowance, docs, amount=amount)
    assert not AidRequest.objects.exists()


def test_second_live_request_of_the_same_type_points_at_the_first(ready, rent_allowance):
    user, docs = ready
    first = submit(user, rent_allowance, docs)
    with pytest.raises(DuplicateRequest) as error:
        submit(user, rent_allowance, docs)
    assert error.value.existing_id == first.pk
    assert AidRequest.objects.count() == 1


def test_after_an_ineligible_decision_a_new_request_may_be_made(media, rent_allowance):
    user, docs = make_ready_applicant(documents=["civil_id_copy"])
    assert submit(user, rent_allowance, docs).status == S.INELIGIBLE
    assert submit(user, rent_allowance, docs).status == S.INELIGIBLE
    assert AidRequest.objects.filter(applicant=user).count() == 2


def test_documents_of_another_applicant_are_never_attached(media, rent_allowance):
    user, _docs = make_ready_applicant(seed=1)
    _other, other_docs = make_ready_applicant(seed=2)
    aid_request = submit(user, rent_allowance, other_docs)
    assert aid_request.documents.count() == 0
    assert aid_request.status == S.INELIGIBLE


ALL_STATUSES = [s for s, _ in S.choices]


@pytest.mark.parametrize(
    ("from_status", "to_status", "actor"),
    list(itertools.product(ALL_STATUSES, ALL_STATUSES, list(Actor))),
)
def test_every_move_is_allowed_exactly_when_the_table_says_so(from_status, to_status, actor):
    organisation = OrganisationFactory()
    aid_request = AidRequestFactory(status=from_status, claimed_by=organisation)
    allowed = actor in TRANSITIONS.get((from_status, to_status), frozenset())
    if allowed:
        services._move(aid_request, to_status, actor=actor, user=None)
        aid_request.refresh_from_db()
        assert aid_request.status == to_status
        assert TimelineEntry.objects.filter(aid_request=aid_request, to_status=to_status).exists()
    else:
        with pytest.raises(IllegalTransition):
            services._move(aid_request, to_status, actor=actor, user=None)
        aid_request.refresh_from_db()
        assert aid_request.status == from_status
        assert not TimelineEntry.objects.filter(aid_request=aid_request).exists()
        assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("status", [S.SUBMITTED, S.SCREENED, S.OPEN, S.CLAIMED])
def test_applicant_withdraws_before_approval(status):
    aid_request = AidRequestFactory(status=status, claimed_by=OrganisationFactory())
    services.aid_request_withdraw(
        aid_request_id=aid_request.pk, applicant=aid_request.applicant, note="لم أعد بحاجة"
    )
    aid_request.refresh_from_db()
    assert aid_request.status == S.WITHDRAWN
    entry = aid_request.timeline.get()
    assert (entry.actor, entry.note) == (aid_request.applicant, "لم أعد بحاجة")
    assert AuditEntry.objects.filter(action="aid_request.withdrawn").count() == 1


@pytest.mark.parametrize("status", [S.APPROVED, S.PAYING, S.CLOSED, S.INELIGIBLE, S.WITHDRAWN])
def test_withdrawal_after_approval_or_at_the_end_is_refused_and_changes_nothing(status):
    aid_request = AidRequestFactory(status=status, claimed_by=OrganisationFactory())
    with pytest.raises(IllegalTransition):
        services.aid_request_withdraw(
            aid_request_id=aid_request.pk, applicant=aid_request.applicant
        )
    aid_request.refresh_from_db()
    assert aid_request.status == status
    assert not AuditEntry.objects.exists()


def test_nobody_withdraws_someone_elses_request():
    aid_request = AidRequestFactory(status=S.OPEN)
    intruder = AidRequestFactory().applicant
    with pytest.raises(IllegalTransition):
        services.aid_request_withdraw(aid_request_id=aid_request.pk, applicant=intruder)
    aid_request.refresh_from_db()
    assert aid_request.status == S.OPEN


def test_appeal_then_overturn_reopens_the_request():
    aid_request = AidRequestFactory(status=S.INELIGIBLE)
    appeal = services.aid_request_appeal(
        aid_request_id=aid_request.pk,
        applicant=aid_request.applicant,
        reason="دخلي تغير بعد فقدان العمل الشهر الماضي",
    )
    aid_request.refresh_from_db()
    assert aid_request.status == S.APPEALED
    assert appeal.appealed_status == S.INELIGIBLE
    admin = StaffUserFactory(role="ministry_admin")
    services.appeal_decide(
        appeal_id=appeal.pk, decided_by=admin, overturn=True, note="ثبت فقدان العمل"
    )
    aid_request.refresh_from_db()
    appeal.refresh_from_db()
    assert aid_request.status == S.OPEN
    assert (appeal.decision, appeal.decided_by) == ("overturned", admin)
    assert Notification.objects.filter(kind="appeal_decided").count() == 1
    with pytest.raises(IllegalTransition):
        services.appeal_decide(appeal_id=appeal.pk, decided_by=admin, overturn=False, note="x")


def test_upheld_appeal_returns_to_the_decision_appealed():
    aid_request = AidRequestFactory(status=S.REJECTED)
    appeal = services.aid_request_appeal(
        aid_request_id=aid_request.pk, applicant=aid_request.applicant, reason="r" * 30
    )
    services.appeal_decide(
        appeal_id=appeal.pk,
        decided_by=StaffUserFactory(role="ministry_admin"),
        overturn=False,
        note="القرار صحيح",
    )
    aid_request.refresh_from_db()
    assert aid_request.status == S.REJECTED
    # and it may be appealed again, once the first appeal is decided
    services.aid_request_appeal(
        aid_request_id=aid_request.pk, applicant=aid_request.applicant, reason="r" * 30
    )
    assert Appeal.objects.filter(aid_request=aid_request).count() == 2


@pytest.mark.parametrize("status", [S.OPEN, S.CLAIMED, S.APPEALED, S.CLOSED])
def test_only_ineligible_or_rejected_requests_can_be_appealed(status):
    aid_request = AidRequestFactory(status=status, claimed_by=OrganisationFactory())
    with pytest.raises(AppealNotAllowed):
        services.aid_request_appeal(
            aid_request_id=aid_request.pk, applicant=aid_request.applicant, reason="r" * 30
        )
    assert not Appeal.objects.exists()


def test_nothing_is_notified_when_the_transaction_rolls_back(django_capture_on_commit_callbacks):
    from django.db import transaction

    aid_request = AidRequestFactory(status=S.OPEN)

    def move_then_fail():
        with transaction.atomic():
            services._move(
                aid_request,
                S.WITHDRAWN,
                actor=Actor.APPLICANT,
                user=None,
                notification="request_withdrawn",
            )
            raise RuntimeError("boom")

    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(RuntimeError):
        move_then_fail()
    assert callbacks == []
    assert not Notification.objects.exists()
    aid_request.refresh_from_db()
    assert aid_request.status == S.OPEN


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_submissions_of_one_type_make_one_request(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    from aid_requests.models import AidScope, AidType

    aid_type = AidType.objects.create(
        code="rent",
        name_ar="بدل إيجار",
        name_en="Rent",
        scope=AidScope.HOUSEHOLD,
        coverage_months=6,
        max_amount=Decimal(1200),
        required_documents=[],
    )
    user, docs = make_ready_applicant()
    barrier = threading.Barrier(2)
    outcomes = []

    def attempt():
        try:
            barrier.wait()
            outcomes.append(submit(user, aid_type, docs).status)
        except DuplicateRequest:
            outcomes.append("duplicate")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["duplicate", S.OPEN]
    assert AidRequest.objects.filter(applicant=user).count() == 1
    assert connection.vendor == "postgresql"


def test_the_holding_charity_writes_to_the_applicant_who_reads_it(client):
    from aid_requests.models import CaseMessage
    from tests.factories import CharityStaffFactory

    organisation = OrganisationFactory()
    aid_request = AidRequestFactory(status=S.CLAIMED, claimed_by=organisation)
    staff = CharityStaffFactory(membership__organisation=organisation)
    services.case_message_send(
        aid_request_id=aid_request.pk, sender=staff, body="نرجو إرسال عقد الإيجار المحدث"
    )
    assert (
        Notification.objects.filter(kind="case_message", recipient=aid_request.applicant).count()
        == 1
    )
    client.force_login(aid_request.applicant)
    page = client.get(f"/requests/{aid_request.pk}/").content.decode()
    assert "نرجو إرسال عقد الإيجار المحدث" in page
    stranger = CharityStaffFactory()
    with pytest.raises(IllegalTransition):
        services.case_message_send(aid_request_id=aid_request.pk, sender=stranger, body="x")
    with pytest.raises(IllegalTransition):
        services.case_message_send(aid_request_id=aid_request.pk, sender=staff, body="   ")
    assert CaseMessage.objects.count() == 1
