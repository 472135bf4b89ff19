"""Submission, screening, the status machine, withdrawal and appeals — on the real database."""

import threading
import time
from decimal import Decimal

import pytest
from django.db import connection, connections, transaction
from django.http import Http404
from django.utils import timezone, translation

from aid_requests.exceptions import (
    AmountNotAllowed,
    AnotherRequestInProgress,
    AppealNotAllowed,
    DuplicateRequest,
    IdentityNotVerified,
    IllegalTransition,
    NotPermitted,
    ProfileIncomplete,
    ReasonRequired,
)
from aid_requests.models import AidRequest, AidType, Appeal, RequestStatus
from aid_requests.services.appeals import aid_request_appeal
from aid_requests.services.cases import case_message_send
from aid_requests.services.catalogue import aid_type_save
from aid_requests.services.lifecycle import aid_request_move, aid_request_reject_in_queue
from aid_requests.states import Actor
from audit.models import AuditEntry
from charities.request_steps import aid_request_submit
from dedup.models import BINDING
from dedup.request_steps import aid_request_withdraw, appeal_decide
from notifications.models import Notification
from tests.factories import (
    AidRequestFactory,
    AidTypeFactory,
    ApplicantUserFactory,
    CharityStaffFactory,
    OrganisationFactory,
    StaffUserFactory,
)
from tests.factories.applicants import make_ready_applicant

pytestmark = pytest.mark.django_db
S = RequestStatus


def submit(user, aid_type, docs, amount="900.000"):
    return aid_request_submit(
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


@pytest.mark.parametrize("status", [S.SUBMITTED, S.SCREENED, S.OPEN, S.CLAIMED])
def test_applicant_withdraws_before_approval(status):
    aid_request = AidRequestFactory(status=status, claimed_by=OrganisationFactory())
    aid_request_withdraw(
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
        aid_request_withdraw(aid_request_id=aid_request.pk, applicant=aid_request.applicant)
    aid_request.refresh_from_db()
    assert aid_request.status == status
    assert not AuditEntry.objects.exists()


def test_nobody_withdraws_someone_elses_request():
    aid_request = AidRequestFactory(status=S.OPEN)
    intruder = AidRequestFactory().applicant
    with pytest.raises(IllegalTransition):
        aid_request_withdraw(aid_request_id=aid_request.pk, applicant=intruder)
    aid_request.refresh_from_db()
    assert aid_request.status == S.OPEN


def test_appeal_then_overturn_reopens_the_request():
    aid_request = AidRequestFactory(status=S.INELIGIBLE)
    appeal = aid_request_appeal(
        aid_request_id=aid_request.pk,
        applicant=aid_request.applicant,
        reason="دخلي تغير بعد فقدان العمل الشهر الماضي",
    )
    aid_request.refresh_from_db()
    assert aid_request.status == S.APPEALED
    assert appeal.appealed_status == S.INELIGIBLE
    admin = StaffUserFactory(role="ministry_admin")
    appeal_decide(appeal_id=appeal.pk, decided_by=admin, overturn=True, note="ثبت فقدان العمل")
    aid_request.refresh_from_db()
    appeal.refresh_from_db()
    assert aid_request.status == S.OPEN
    assert (appeal.decision, appeal.decided_by) == ("overturned", admin)
    assert Notification.objects.filter(kind="appeal_decided").count() == 1
    with pytest.raises(IllegalTransition):
        appeal_decide(appeal_id=appeal.pk, decided_by=admin, overturn=False, note="x")


def test_upheld_appeal_returns_to_the_decision_appealed():
    aid_request = AidRequestFactory(status=S.REJECTED)
    appeal = aid_request_appeal(
        aid_request_id=aid_request.pk, applicant=aid_request.applicant, reason="r" * 30
    )
    appeal_decide(
        appeal_id=appeal.pk,
        decided_by=StaffUserFactory(role="ministry_admin"),
        overturn=False,
        note="القرار صحيح",
    )
    aid_request.refresh_from_db()
    assert aid_request.status == S.REJECTED
    # and it may be appealed again, once the first appeal is decided
    aid_request_appeal(
        aid_request_id=aid_request.pk, applicant=aid_request.applicant, reason="r" * 30
    )
    assert Appeal.objects.filter(aid_request=aid_request).count() == 2


@pytest.mark.parametrize("status", [S.OPEN, S.CLAIMED, S.APPEALED, S.CLOSED])
def test_only_ineligible_or_rejected_requests_can_be_appealed(status):
    aid_request = AidRequestFactory(status=status, claimed_by=OrganisationFactory())
    with pytest.raises(AppealNotAllowed):
        aid_request_appeal(
            aid_request_id=aid_request.pk, applicant=aid_request.applicant, reason="r" * 30
        )
    assert not Appeal.objects.exists()


def test_an_appeal_is_refused_while_a_newer_request_of_the_type_is_in_progress():
    ineligible = AidRequestFactory(status=S.INELIGIBLE)
    newer = AidRequestFactory(
        applicant=ineligible.applicant, aid_type=ineligible.aid_type, status=S.OPEN
    )
    with translation.override("en"), pytest.raises(AnotherRequestInProgress) as error:
        aid_request_appeal(
            aid_request_id=ineligible.pk, applicant=ineligible.applicant, reason="r" * 30
        )
    assert error.value.existing_id == newer.pk
    assert str(error.value.message) == (
        f"You have another request for this aid type in progress (MSA-{newer.pk:07d}). "
        "Only one can be in progress at a time: withdraw it, or wait until it ends, then appeal."
    )
    ineligible.refresh_from_db()
    assert ineligible.status == S.INELIGIBLE
    assert not Appeal.objects.exists()
    assert not AuditEntry.objects.exists()
    assert not Notification.objects.exists()


def test_a_request_of_another_type_does_not_block_an_appeal():
    ineligible = AidRequestFactory(status=S.INELIGIBLE)
    AidRequestFactory(applicant=ineligible.applicant, status=S.OPEN)  # another aid type
    aid_request_appeal(
        aid_request_id=ineligible.pk, applicant=ineligible.applicant, reason="r" * 30
    )
    ineligible.refresh_from_db()
    assert ineligible.status == S.APPEALED


def test_while_an_appeal_is_pending_no_new_request_of_its_type_starts(ready, rent_allowance):
    # So an overturn (appealed → open) can never meet a second live request: the appealed one
    # is itself in progress and a new submission is refused, pointing at it.
    user, docs = ready
    ineligible = AidRequestFactory(applicant=user, aid_type=rent_allowance, status=S.INELIGIBLE)
    appeal = aid_request_appeal(aid_request_id=ineligible.pk, applicant=user, reason="r" * 30)
    with pytest.raises(DuplicateRequest) as error:
        submit(user, rent_allowance, docs)
    assert error.value.existing_id == ineligible.pk
    appeal_decide(
        appeal_id=appeal.pk,
        decided_by=StaffUserFactory(role="ministry_admin"),
        overturn=True,
        note="ثبت تغير الدخل",
    )
    ineligible.refresh_from_db()
    assert ineligible.status == S.OPEN
    assert AidRequest.objects.filter(applicant=user).count() == 1


@pytest.fixture
def rejected_by_a_charity(capital, needy):
    """A needy-family case claimed, approved, paid once and then rejected by its charity."""
    from charities.services.cases import aid_request_reject
    from charities.services.claim import aid_request_claim
    from charities.services.payments import aid_request_approve, payment_record
    from tests.factories.cases import caseworker, family, open_request

    manager = caseworker([needy], [capital], role="manager")
    aid_request = open_request(family(capital), needy, capital, amount="900.000")
    aid_request_claim(aid_request_id=aid_request.pk, actor=manager)
    aid_request_approve(
        aid_request_id=aid_request.pk, actor=manager, amount=Decimal("150"), payments=6
    )
    payment_record(
        aid_request_id=aid_request.pk,
        actor=manager,
        amount=Decimal("150"),
        paid_on=timezone.localdate(),
        method="bank_transfer",
    )
    aid_request_reject(aid_request_id=aid_request.pk, actor=manager, reason="الدخل أعلى مما صرح به")
    aid_request.refresh_from_db()
    return aid_request, manager


def test_a_charity_may_stop_aid_mid_way_and_the_payments_stay(rejected_by_a_charity):
    aid_request, _manager = rejected_by_a_charity
    assert aid_request.status == S.REJECTED
    assert aid_request.payments.count() == 1
    assert not aid_request.commitments.filter(status__in=BINDING).exists()
    assert aid_request.timeline.filter(from_status=S.PAYING, to_status=S.REJECTED).exists()


def test_an_overturned_rejection_reopens_the_request_held_by_nobody(rejected_by_a_charity):
    from charities.selectors import get_case_for_staff

    aid_request, former = rejected_by_a_charity
    appeal = aid_request_appeal(
        aid_request_id=aid_request.pk, applicant=aid_request.applicant, reason="r" * 30
    )
    appeal_decide(
        appeal_id=appeal.pk,
        decided_by=StaffUserFactory(role="ministry_admin"),
        overturn=True,
        note="الدخل كما صُرّح به",
    )
    aid_request.refresh_from_db()
    assert aid_request.status == S.OPEN
    assert (aid_request.claimed_by, aid_request.claimed_at) == (None, None)
    assert (aid_request.approved_amount, aid_request.approved_payments) == (None, None)
    assert aid_request.approved_at is None
    assert not aid_request.commitments.filter(status__in=BINDING).exists()
    assert aid_request.payments.count() == 1  # what was paid stays recorded
    with pytest.raises(Http404):
        get_case_for_staff(former, aid_request.pk)
    entry = AuditEntry.objects.filter(action="aid_request.open").latest("id")
    assert entry.organisation_id is None  # no longer attributed to the former holder


def test_an_overturn_releases_any_slot_still_reserved_for_the_request():
    from dedup.models import AidCommitment

    organisation = OrganisationFactory()
    aid_request = AidRequestFactory(status=S.REJECTED, claimed_by=organisation)
    AidCommitment.objects.create(
        aid_request=aid_request,
        organisation=organisation,
        aid_type=aid_request.aid_type,
        civil_id=aid_request.applicant.civil_id,
        is_applicant=True,
        period_start=aid_request.coverage_start,
        period_end=aid_request.coverage_end,
    )
    appeal = aid_request_appeal(
        aid_request_id=aid_request.pk, applicant=aid_request.applicant, reason="r" * 30
    )
    appeal_decide(
        appeal_id=appeal.pk,
        decided_by=StaffUserFactory(role="ministry_admin"),
        overturn=True,
        note="نعيد فتح الطلب",
    )
    assert list(aid_request.commitments.values_list("status", flat=True)) == ["released"]


@pytest.fixture
def pending_appeal():
    aid_request = AidRequestFactory(status=S.INELIGIBLE)
    return aid_request_appeal(
        aid_request_id=aid_request.pk, applicant=aid_request.applicant, reason="r" * 30
    )


@pytest.mark.parametrize(
    "make_user",
    [
        lambda appeal: appeal.aid_request.applicant,  # the appellant themself
        lambda appeal: StaffUserFactory(role="ministry_official"),
        lambda appeal: CharityStaffFactory(role="manager"),
    ],
    ids=["appellant", "ministry-official", "charity-manager"],
)
def test_only_a_ministry_admin_decides_an_appeal(pending_appeal, make_user):
    user = make_user(pending_appeal)
    with pytest.raises(NotPermitted):
        appeal_decide(appeal_id=pending_appeal.pk, decided_by=user, overturn=True, note="أنا محق")
    pending_appeal.refresh_from_db()
    assert pending_appeal.decision == "pending"
    assert pending_appeal.aid_request.status == S.APPEALED
    assert not AuditEntry.objects.filter(action__in=["appeal.decided", "aid_request.open"])


@pytest.mark.parametrize("note", ["", "   \n "])
def test_an_appeal_decision_needs_a_reason(pending_appeal, note):
    with pytest.raises(ReasonRequired):
        appeal_decide(
            appeal_id=pending_appeal.pk,
            decided_by=StaffUserFactory(role="ministry_admin"),
            overturn=True,
            note=note,
        )
    pending_appeal.refresh_from_db()
    assert pending_appeal.decision == "pending"


@pytest.mark.parametrize(("overturn", "decision"), [(True, "overturned"), (False, "upheld")])
def test_an_appeal_decision_is_audited_with_its_reason(pending_appeal, overturn, decision):
    admin = StaffUserFactory(role="ministry_admin")
    appeal_decide(
        appeal_id=pending_appeal.pk, decided_by=admin, overturn=overturn, note="  راجعنا الملف "
    )
    entry = AuditEntry.objects.get(action="appeal.decided")
    assert (entry.actor, entry.object_type, entry.object_id) == (
        admin,
        "aid_requests.appeal",
        str(pending_appeal.pk),
    )
    assert entry.applicant_id == pending_appeal.aid_request.applicant_id
    assert entry.data == {
        "aid_request": pending_appeal.aid_request_id,
        "decision": decision,
        "reason": "راجعنا الملف",
    }


def test_a_ministry_admin_rejects_a_request_in_the_queue_and_the_applicant_is_told():
    aid_request = AidRequestFactory(status=S.OPEN)
    admin = StaffUserFactory(role="ministry_admin")
    aid_request_reject_in_queue(
        aid_request_id=aid_request.pk, actor=admin, reason=" عقد الإيجار مزور "
    )
    aid_request.refresh_from_db()
    assert aid_request.status == S.REJECTED
    notification = Notification.objects.get(recipient=aid_request.applicant)
    assert notification.kind == "request_rejected"
    assert notification.context["reason"] == "عقد الإيجار مزور"
    # and the applicant may appeal it
    aid_request_appeal(
        aid_request_id=aid_request.pk, applicant=aid_request.applicant, reason="r" * 30
    )


@pytest.mark.parametrize("role", ["ministry_official", "applicant"])
def test_only_a_ministry_admin_rejects_in_the_queue(role):
    aid_request = AidRequestFactory(status=S.OPEN)
    user = aid_request.applicant if role == "applicant" else StaffUserFactory(role=role)
    with pytest.raises(NotPermitted):
        aid_request_reject_in_queue(aid_request_id=aid_request.pk, actor=user, reason="x")
    aid_request.refresh_from_db()
    assert aid_request.status == S.OPEN


def test_a_ministry_rejection_needs_a_reason_and_an_open_request():
    admin = StaffUserFactory(role="ministry_admin")
    open_request = AidRequestFactory(status=S.OPEN)
    with pytest.raises(ReasonRequired):
        aid_request_reject_in_queue(aid_request_id=open_request.pk, actor=admin, reason=" ")
    held = AidRequestFactory(status=S.CLAIMED, claimed_by=OrganisationFactory())
    with pytest.raises(IllegalTransition):
        aid_request_reject_in_queue(aid_request_id=held.pk, actor=admin, reason="سبب")
    assert not AuditEntry.objects.exists()


AID_TYPE_DATA = {
    "code": "utility-bills",
    "name_ar": "فواتير",
    "name_en": "Utility bills",
    "scope": "household",
    "coverage_months": 0,
    "max_amount": Decimal("300"),
    "required_documents": ["civil_id_copy"],
}


@pytest.mark.parametrize(
    "make_user",
    [
        lambda: ApplicantUserFactory(verified=True),
        lambda: StaffUserFactory(role="ministry_official"),
        lambda: CharityStaffFactory(role="manager"),
    ],
    ids=["applicant", "ministry-official", "charity-manager"],
)
def test_only_a_ministry_admin_changes_the_catalogue(make_user):
    existing = AidTypeFactory(max_amount=Decimal("1000.000"))
    user = make_user()
    with pytest.raises(NotPermitted):
        aid_type_save(actor=user, aid_type=None, data=AID_TYPE_DATA)
    with pytest.raises(NotPermitted):
        aid_type_save(actor=user, aid_type=existing, data={"max_amount": Decimal(1)})
    existing.refresh_from_db()
    assert existing.max_amount == Decimal("1000.000")
    assert not AidType.objects.filter(code="utility-bills").exists()
    assert not AuditEntry.objects.exists()


def test_a_ministry_admin_adds_and_changes_an_aid_type_and_both_are_audited():
    admin = StaffUserFactory(role="ministry_admin")
    aid_type = aid_type_save(actor=admin, aid_type=None, data=AID_TYPE_DATA)
    aid_type_save(actor=admin, aid_type=aid_type, data={"max_amount": Decimal("350")})
    created, changed = AuditEntry.objects.order_by("id")
    assert (created.action, created.actor, created.object_id) == (
        "aid_type.created",
        admin,
        str(aid_type.pk),
    )
    assert created.data["changes"]["code"] == ["None", "utility-bills"]
    assert (changed.action, changed.data) == (
        "aid_type.changed",
        {"changes": {"max_amount": ["300.000", "350"]}},
    )


def test_nothing_is_notified_when_the_transaction_rolls_back(django_capture_on_commit_callbacks):
    from django.core import mail
    from django.db import transaction

    from notifications import sms

    aid_request = AidRequestFactory(status=S.OPEN)
    aid_request.applicant.email = "family@example.test"
    aid_request.applicant.save()
    sms.outbox.clear()

    def move_then_fail():
        with transaction.atomic():
            aid_request_move(
                aid_request=aid_request,
                to=S.WITHDRAWN,
                actor=Actor.APPLICANT,
                user=None,
                notification="request_withdrawn",
            )
            raise RuntimeError("boom")

    with django_capture_on_commit_callbacks(execute=True) as callbacks, pytest.raises(RuntimeError):
        move_then_fail()
    assert callbacks == []
    assert mail.outbox == []
    assert sms.outbox == []
    assert not Notification.objects.exists()
    aid_request.refresh_from_db()
    assert aid_request.status == S.OPEN
    assert not aid_request.timeline.exists()
    assert not AuditEntry.objects.exists()


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
        except DuplicateRequest as error:
            outcomes.append(f"duplicate of {error.existing_id}")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    [first] = AidRequest.objects.filter(applicant=user)
    assert sorted(outcomes) == [f"duplicate of {first.pk}", S.OPEN]
    assert connection.vendor == "postgresql"


def _backends_waiting_for_a_lock() -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0]


def race_with_an_uncommitted_request(make_other, act):
    """``make_other`` inserts a request in a transaction that stays open; ``act`` runs in a
    second thread. Only once ``act`` waits on that row (so its own check could not see it) is
    the other transaction committed. Returns (the other request, act's exception or result)."""
    inserted, commit = threading.Event(), threading.Event()
    held, outcome = {}, {}

    def hold():
        try:
            with transaction.atomic():
                held["other"] = make_other()
                inserted.set()
                commit.wait(30)
        finally:
            connections.close_all()

    def run():
        try:
            outcome["result"] = act()
        except Exception as error:  # noqa: BLE001 - handed to the test to assert on
            outcome["result"] = error
        finally:
            connections.close_all()

    holder = threading.Thread(target=hold)
    holder.start()
    assert inserted.wait(30)
    actor = threading.Thread(target=run)
    actor.start()
    deadline = time.monotonic() + 30
    while _backends_waiting_for_a_lock() == 0:
        assert time.monotonic() < deadline, "the second transaction never waited"
        time.sleep(0.05)
    commit.set()
    holder.join()
    actor.join()
    return held["other"], outcome["result"]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_submission_that_loses_the_race_points_at_the_request_that_won(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    user, docs = make_ready_applicant()
    from aid_requests.models import AidType

    aid_type = AidType.objects.create(
        code="rent", name_ar="بدل إيجار", name_en="Rent", scope="household", max_amount=900
    )
    other, result = race_with_an_uncommitted_request(
        lambda: AidRequestFactory(applicant=user, aid_type=aid_type, status=S.OPEN),
        lambda: submit(user, aid_type, docs, amount="500"),
    )
    assert isinstance(result, DuplicateRequest)
    assert result.existing_id == other.pk
    assert list(AidRequest.objects.filter(applicant=user)) == [other]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_an_appeal_that_loses_the_race_to_a_new_request_is_refused_and_names_it():
    appealed = AidRequestFactory(status=S.INELIGIBLE)
    other, result = race_with_an_uncommitted_request(
        lambda: AidRequestFactory(
            applicant=appealed.applicant, aid_type=appealed.aid_type, status=S.OPEN
        ),
        lambda: aid_request_appeal(
            aid_request_id=appealed.pk, applicant=appealed.applicant, reason="r" * 30
        ),
    )
    assert isinstance(result, AnotherRequestInProgress)
    assert result.existing_id == other.pk
    assert f"MSA-{other.pk:07d}" in str(result.message)
    appealed.refresh_from_db()
    assert appealed.status == S.INELIGIBLE
    assert not Appeal.objects.exists()
    assert not AuditEntry.objects.filter(action="aid_request.appealed").exists()


def test_the_holding_charity_writes_to_the_applicant_who_reads_it(client):
    from aid_requests.models import CaseMessage
    from tests.factories import CharityStaffFactory

    organisation = OrganisationFactory()
    aid_request = AidRequestFactory(status=S.CLAIMED, claimed_by=organisation)
    staff = CharityStaffFactory(membership__organisation=organisation)
    case_message_send(
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
        case_message_send(aid_request_id=aid_request.pk, sender=stranger, body="x")
    with pytest.raises(IllegalTransition):
        case_message_send(aid_request_id=aid_request.pk, sender=staff, body="   ")
    assert CaseMessage.objects.count() == 1
