"""Every page of aid_requests/urls.py as: the owner (or the ministry administrator), a read-only
user, another applicant or another organisation's staff, anonymous, and the wrong method."""

from __future__ import annotations

import secrets
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import Role
from aid_requests.models import AidRequest, AidType, Appeal, RequestStatus
from aid_requests.services.appeals import aid_request_appeal
from applicants.models import Document
from audit.models import AuditEntry
from charities.request_steps import aid_request_submit
from dedup.request_steps import appeal_decide
from tests.factories import (
    AidRequestFactory,
    ApplicantUserFactory,
    CharityStaffFactory,
    StaffUserFactory,
)
from tests.factories.applicants import PDF_BYTES, make_ready_applicant

pytestmark = pytest.mark.django_db
S = RequestStatus
LOGIN = "/accounts/login/"


def english(client):
    client.cookies["django_language"] = "en"
    return client


def signed_in(client, user):
    client.force_login(user)
    return english(client)


def assert_sent_to_login(response):
    assert response.status_code == 302
    assert response.url.startswith(f"{LOGIN}?next=")


@pytest.fixture
def admin(db):
    return StaffUserFactory(role=Role.MINISTRY_ADMIN)


@pytest.fixture
def official(db):
    return StaffUserFactory(role=Role.MINISTRY_OFFICIAL)


@pytest.fixture
def charity_staff(db):
    return CharityStaffFactory(role=Role.MANAGER)


@pytest.fixture
def stranger(db):
    """Another applicant, signed up and verified."""
    return ApplicantUserFactory(verified=True)


def submit(user, aid_type, docs, amount="900.000"):
    return aid_request_submit(
        applicant=user,
        aid_type=aid_type,
        amount=Decimal(amount),
        justification="الإيجار متأخر",
        documents=docs,
    )


# --- catalogue ------------------------------------------------------------------------------

CATALOGUE = "/requests/catalogue/"


def test_catalogue_is_public_and_lists_active_types_with_what_they_need(client, rent_allowance):
    AidType.objects.create(
        code="closed-type",
        name_ar="مغلق",
        name_en="Closed type",
        scope="person",
        max_amount=Decimal("10"),
        is_active=False,
    )
    page = english(client).get(CATALOGUE)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Rent allowance" in text
    assert "Closed type" not in text
    assert "Rent contract" in text  # a required document, by name
    assert "/accounts/signup/" in text  # anonymous: register to apply


def test_catalogue_shows_the_apply_link_to_an_applicant_only(
    client, rent_allowance, stranger, official
):
    apply_link = 'href="/requests/new/rent-allowance/"'
    assert apply_link in signed_in(client, stranger).get(CATALOGUE).content.decode()
    assert apply_link not in signed_in(client, official).get(CATALOGUE).content.decode()


def test_catalogue_refuses_post(client, rent_allowance):
    assert client.post(CATALOGUE).status_code == 405


# --- new request ----------------------------------------------------------------------------

NEW = "/requests/new/rent-allowance/"


def form_data(docs, **extra):
    return {
        "submission_key": secrets.token_urlsafe(24),
        "amount": "900.000",
        "justification": "تأخرنا في دفع الإيجار",
        "documents": [d.pk for d in docs],
        **extra,
    }


def test_the_form_shows_the_type_and_preselects_the_required_documents(client, ready):
    user, docs = ready
    response = signed_in(client, user).get(NEW)
    assert response.status_code == 200
    form = response.context["form"]
    assert sorted(form.initial["documents"]) == sorted(d.pk for d in docs)
    text = response.content.decode()
    assert 'enctype="multipart/form-data"' in text
    assert 'name="upload_rent_contract"' in text
    assert 'name="upload_civil_id_copy"' in text
    assert "1,200.000" in text  # the type's maximum


def test_submitting_the_form_screens_the_request_and_opens_its_page(client, ready):
    user, docs = ready
    response = signed_in(client, user).post(NEW, form_data(docs))
    aid_request = AidRequest.objects.get(applicant=user)
    assert response.status_code == 302
    assert response.url == f"/requests/{aid_request.pk}/"
    assert aid_request.status == S.OPEN
    assert set(aid_request.documents.all()) == set(docs)


def test_a_second_request_is_refused_with_a_link_to_the_first(client, ready, rent_allowance):
    user, docs = ready
    first = submit(user, rent_allowance, docs)
    client = signed_in(client, user)

    response = client.post(NEW, form_data(docs, amount="300"))

    assert response.status_code == 302
    assert response.url == f"/requests/{first.pk}/"
    assert AidRequest.objects.filter(applicant=user).count() == 1
    page = client.get(response.url).content.decode()
    assert (
        "You already have a request for this aid type that is still in progress. "
        f'<a href="/requests/{first.pk}/" class="alert-link" data-testid="first-request">'
        f"Open it (MSA-{first.pk:07d})</a>"
    ) in page


def test_the_form_warns_before_submitting_when_a_request_is_in_progress(
    client, ready, rent_allowance
):
    user, docs = ready
    first = submit(user, rent_allowance, docs)
    text = signed_in(client, user).get(NEW).content.decode()
    assert f'href="/requests/{first.pk}/"' in text


def test_a_new_document_uploaded_with_the_form_is_stored_and_attached(
    client, media, rent_allowance
):
    user, docs = make_ready_applicant(documents=["civil_id_copy"])
    upload = SimpleUploadedFile("contract.pdf", PDF_BYTES, content_type="application/pdf")

    response = signed_in(client, user).post(NEW, form_data(docs, upload_rent_contract=upload))

    aid_request = AidRequest.objects.get(applicant=user)
    assert response.url == f"/requests/{aid_request.pk}/"
    new = Document.objects.get(profile__user=user, kind="rent_contract")
    assert (new.original_name, new.content_type, new.size) == (
        "contract.pdf",
        "application/pdf",
        len(PDF_BYTES),
    )
    assert set(aid_request.documents.all()) == {*docs, new}
    assert aid_request.status == S.OPEN  # the rent contract was the missing document
    assert AuditEntry.objects.filter(action="document.upload", object_id=str(new.pk)).exists()


def test_the_form_lists_the_documents_still_missing_before_submission(
    client, media, rent_allowance
):
    user, _docs = make_ready_applicant(documents=["civil_id_copy"])
    response = signed_in(client, user).get(NEW)
    assert response.context["form"].missing_kinds == ["rent_contract"]
    text = response.content.decode()
    assert 'data-testid="missing-documents"' in text
    assert "Documents still missing:" in text
    assert "Rent contract" in text


def test_a_request_without_a_required_document_is_refused_by_the_form_not_screened(
    client, media, rent_allowance
):
    user, docs = make_ready_applicant(documents=["civil_id_copy"])

    response = signed_in(client, user).post(NEW, form_data(docs))

    assert response.status_code == 200
    assert response.context["form"].errors == {
        "upload_rent_contract": [
            "This aid type needs a Rent contract: upload it here or tick one you have."
        ]
    }
    assert not AidRequest.objects.exists()


@pytest.mark.parametrize(
    ("name", "content", "error"),
    [
        (
            "contract.pdf",
            b"just some text",
            "Only PDF, JPEG or PNG files are accepted, and this file is none of them.",
        ),
        (
            "contract.pdf",
            PDF_BYTES + b"\0" * (10 * 1024 * 1024),
            "The file is larger than 10 MB. Scan it at a lower resolution and try again.",
        ),
    ],
    ids=["not-a-document", "too-large"],
)
def test_a_refused_upload_is_shown_on_its_field_and_nothing_is_created(
    client, media, rent_allowance, name, content, error
):
    user, docs = make_ready_applicant(documents=["civil_id_copy"])
    upload = SimpleUploadedFile(name, content, content_type="application/pdf")

    response = signed_in(client, user).post(NEW, form_data(docs, upload_rent_contract=upload))

    assert response.status_code == 200
    assert response.context["form"].errors == {"upload_rent_contract": [error]}
    assert error in response.content.decode()
    assert not AidRequest.objects.exists()
    assert list(Document.objects.filter(profile__user=user)) == docs
    assert not list(media.rglob("*contract*"))


def test_an_unverified_applicant_sees_why_and_nothing_is_created(client, media, rent_allowance):
    user, docs = make_ready_applicant(verified=False)
    client = signed_in(client, user)
    text = client.get(NEW).content.decode()
    assert "Prove your identity with the identity app before you submit a request." in text
    response = client.post(NEW, form_data(docs))
    assert response.status_code == 200
    assert not AidRequest.objects.exists()


@pytest.mark.parametrize("role", [Role.MINISTRY_OFFICIAL, Role.MINISTRY_ADMIN])
def test_ministry_staff_cannot_apply(client, rent_allowance, role):
    staff = StaffUserFactory(role=role)
    assert signed_in(client, staff).get(NEW).status_code == 403
    assert client.post(NEW, {"amount": "10", "justification": "x"}).status_code == 403
    assert not AidRequest.objects.exists()


def test_charity_staff_cannot_apply(client, rent_allowance, charity_staff):
    assert signed_in(client, charity_staff).get(NEW).status_code == 403


def test_anonymous_is_sent_to_sign_in_from_the_form(client, rent_allowance):
    assert_sent_to_login(client.get(NEW))


def test_the_form_refuses_other_methods(client, ready):
    user, _docs = ready
    assert signed_in(client, user).put(NEW).status_code == 405


def test_an_inactive_or_unknown_type_has_no_form(client, ready, rent_allowance):
    user, _docs = ready
    rent_allowance.is_active = False
    rent_allowance.save()
    client = signed_in(client, user)
    assert client.get(NEW).status_code == 404
    assert client.get("/requests/new/no-such-type/").status_code == 404


# --- request page ---------------------------------------------------------------------------


def detail(aid_request) -> str:
    return f"/requests/{aid_request.pk}/"


@pytest.fixture
def submitted(ready, rent_allowance):
    user, docs = ready
    return submit(user, rent_allowance, docs)


def test_the_owner_sees_status_timeline_and_need_score(client, submitted):
    response = signed_in(client, submitted.applicant).get(detail(submitted))
    assert response.status_code == 200
    assert response.context["may_act"] is True
    assert response.context["can_withdraw"] is True
    text = response.content.decode()
    assert '<span class="badge fs-6 status status-open" data-testid="status">Open</span>' in text
    score = '<span class="badge text-bg-primary" data-testid="need-score" dir="ltr">50 / 100</span>'
    assert score in text
    assert "Income per person after obligations" in text
    assert not AuditEntry.objects.filter(action="aid_request.personal_data_viewed").exists()


def test_another_applicant_gets_404_for_a_request(client, submitted, stranger):
    assert signed_in(client, stranger).get(detail(submitted)).status_code == 404


def test_charity_staff_get_404_here(client, submitted, charity_staff):
    # Charities open cases on their own pages (charities:case), and only the cases they hold.
    assert signed_in(client, charity_staff).get(detail(submitted)).status_code == 404


def test_a_ministry_official_reads_the_request_and_the_view_is_recorded(
    client, submitted, official
):
    response = signed_in(client, official).get(detail(submitted), REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 200
    assert response.context["may_act"] is False
    text = response.content.decode()
    assert "Read-only view for the ministry. This view is recorded." in text
    assert "/withdraw/" not in text
    assert 'data-testid="ministry-reject"' not in text  # officials only read
    # The page speaks of the applicant, not to the official ("you" is the applicant's word).
    assert "The applicant's situation" in text
    assert "Your situation" not in text
    assert "· you" not in text
    assert "· the applicant" in text
    file_link = f'href="/apply/ministry/applicants/{submitted.applicant_id}/"'
    assert file_link in text
    assert (
        signed_in(client, official)
        .get(f"/apply/ministry/applicants/{submitted.applicant_id}/")
        .status_code
        == 200
    )
    entry = AuditEntry.objects.get(action="aid_request.personal_data_viewed")
    assert (entry.actor, entry.object_id, entry.applicant_id) == (
        official,
        str(submitted.pk),
        submitted.applicant_id,
    )


def test_a_ministry_admin_may_reject_an_open_request_from_its_page(client, submitted, admin):
    text = signed_in(client, admin).get(detail(submitted)).content.decode()
    assert f'action="/requests/{submitted.pk}/reject/"' in text


def test_anonymous_is_sent_to_sign_in_from_a_request(client, submitted):
    assert_sent_to_login(client.get(detail(submitted)))


def test_the_request_page_refuses_post(client, submitted):
    assert signed_in(client, submitted.applicant).post(detail(submitted)).status_code == 405


def test_an_unknown_request_is_404(client, official):
    assert signed_in(client, official).get("/requests/999999/").status_code == 404


# --- withdraw -------------------------------------------------------------------------------


def withdraw(aid_request) -> str:
    return f"/requests/{aid_request.pk}/withdraw/"


def test_the_owner_withdraws_and_is_sent_back_to_the_request(client, submitted):
    response = signed_in(client, submitted.applicant).post(
        withdraw(submitted), {"note": "وجدت عملاً"}
    )
    assert (response.status_code, response.url) == (302, detail(submitted))
    submitted.refresh_from_db()
    assert submitted.status == S.WITHDRAWN
    assert submitted.timeline.last().note == "وجدت عملاً"
    assert "Your request was withdrawn." in client.get(response.url).content.decode()


def test_withdrawal_after_approval_is_refused_with_a_message(client):
    from tests.factories import OrganisationFactory

    aid_request = AidRequestFactory(status=S.APPROVED, claimed_by=OrganisationFactory())
    client = signed_in(client, aid_request.applicant)
    response = client.post(withdraw(aid_request))
    aid_request.refresh_from_db()
    assert aid_request.status == S.APPROVED
    text = client.get(response.url).content.decode()
    assert "This request cannot make that move from its current status." in text


def test_another_applicant_cannot_withdraw(client, submitted, stranger):
    assert signed_in(client, stranger).post(withdraw(submitted)).status_code == 404
    submitted.refresh_from_db()
    assert submitted.status == S.OPEN


@pytest.mark.parametrize("role", [Role.MINISTRY_OFFICIAL, Role.MINISTRY_ADMIN])
def test_ministry_staff_cannot_withdraw(client, submitted, role):
    staff = StaffUserFactory(role=role)
    assert signed_in(client, staff).post(withdraw(submitted)).status_code == 403
    submitted.refresh_from_db()
    assert submitted.status == S.OPEN


def test_charity_staff_cannot_withdraw(client, submitted, charity_staff):
    assert signed_in(client, charity_staff).post(withdraw(submitted)).status_code == 403


def test_anonymous_is_sent_to_sign_in_from_withdraw(client, submitted):
    assert_sent_to_login(client.post(withdraw(submitted)))
    submitted.refresh_from_db()
    assert submitted.status == S.OPEN


def test_withdraw_refuses_get(client, submitted):
    assert signed_in(client, submitted.applicant).get(withdraw(submitted)).status_code == 405


# --- appeal ---------------------------------------------------------------------------------


def appeal_url(aid_request) -> str:
    return f"/requests/{aid_request.pk}/appeal/"


REASON = "دخلي انخفض بعد فقدان العمل الشهر الماضي"


@pytest.fixture
def ineligible(db):
    return AidRequestFactory(status=S.INELIGIBLE)


def test_the_owner_appeals_an_ineligible_request(client, ineligible):
    client = signed_in(client, ineligible.applicant)
    assert client.get(appeal_url(ineligible)).status_code == 200
    response = client.post(appeal_url(ineligible), {"reason": REASON})
    assert (response.status_code, response.url) == (302, detail(ineligible))
    ineligible.refresh_from_db()
    assert ineligible.status == S.APPEALED
    assert Appeal.objects.get(aid_request=ineligible).reason == REASON


def test_a_too_short_appeal_is_shown_on_the_form(client, ineligible):
    response = signed_in(client, ineligible.applicant).post(
        appeal_url(ineligible), {"reason": "لا"}
    )
    assert response.status_code == 200
    assert "reason" in response.context["form"].errors
    assert not Appeal.objects.exists()


def test_an_appeal_blocked_by_a_newer_request_names_it(client, ineligible):
    newer = AidRequestFactory(
        applicant=ineligible.applicant, aid_type=ineligible.aid_type, status=S.OPEN
    )
    client = signed_in(client, ineligible.applicant)
    response = client.post(appeal_url(ineligible), {"reason": REASON})
    ineligible.refresh_from_db()
    assert ineligible.status == S.INELIGIBLE
    assert not Appeal.objects.exists()
    text = client.get(response.url).content.decode()
    assert (
        f"You have another request for this aid type in progress (MSA-{newer.pk:07d}). "
        "Only one can be in progress at a time: withdraw it, or wait until it ends, then appeal."
    ) in text


def test_another_applicant_cannot_appeal(client, ineligible, stranger):
    client = signed_in(client, stranger)
    assert client.get(appeal_url(ineligible)).status_code == 404
    assert client.post(appeal_url(ineligible), {"reason": REASON}).status_code == 404
    assert not Appeal.objects.exists()


def test_ministry_staff_cannot_appeal(client, ineligible, official):
    assert (
        signed_in(client, official).post(appeal_url(ineligible), {"reason": REASON}).status_code
        == 403
    )


def test_charity_staff_cannot_appeal(client, ineligible, charity_staff):
    assert signed_in(client, charity_staff).get(appeal_url(ineligible)).status_code == 403


def test_anonymous_is_sent_to_sign_in_from_appeal(client, ineligible):
    assert_sent_to_login(client.get(appeal_url(ineligible)))


def test_appeal_refuses_other_methods(client, ineligible):
    assert signed_in(client, ineligible.applicant).delete(appeal_url(ineligible)).status_code == 405


# --- ministry rejection in the queue --------------------------------------------------------


def reject(aid_request) -> str:
    return f"/requests/{aid_request.pk}/reject/"


def test_a_ministry_admin_rejects_an_open_request_with_a_reason(client, submitted, admin):
    client = signed_in(client, admin)
    response = client.post(reject(submitted), {"reason": "مستندات غير صحيحة"})
    assert (response.status_code, response.url) == (302, detail(submitted))
    submitted.refresh_from_db()
    assert submitted.status == S.REJECTED
    entry = submitted.timeline.last()
    assert (entry.actor, entry.note) == (admin, "مستندات غير صحيحة")
    assert (
        "Rejected. The applicant has been told and may appeal."
        in client.get(response.url).content.decode()
    )


def test_a_rejection_without_reason_changes_nothing(client, submitted, admin):
    client = signed_in(client, admin)
    response = client.post(reject(submitted), {"reason": "   "})
    submitted.refresh_from_db()
    assert submitted.status == S.OPEN
    assert "Give the reason for this decision." in client.get(response.url).content.decode()


def test_a_request_not_in_the_queue_cannot_be_rejected_by_the_ministry(client, admin):
    from tests.factories import OrganisationFactory

    aid_request = AidRequestFactory(status=S.CLAIMED, claimed_by=OrganisationFactory())
    client = signed_in(client, admin)
    response = client.post(reject(aid_request), {"reason": "سبب"})
    aid_request.refresh_from_db()
    assert aid_request.status == S.CLAIMED
    text = client.get(response.url).content.decode()
    assert "This request cannot make that move from its current status." in text


def test_a_ministry_official_may_not_reject(client, submitted, official):
    assert signed_in(client, official).post(reject(submitted), {"reason": "x"}).status_code == 403
    submitted.refresh_from_db()
    assert submitted.status == S.OPEN


def test_applicants_and_charity_staff_may_not_reject(client, submitted, charity_staff):
    for user in (submitted.applicant, charity_staff):
        assert signed_in(client, user).post(reject(submitted), {"reason": "x"}).status_code == 403
    submitted.refresh_from_db()
    assert submitted.status == S.OPEN


def test_anonymous_is_sent_to_sign_in_from_reject(client, submitted):
    assert_sent_to_login(client.post(reject(submitted), {"reason": "x"}))


def test_reject_refuses_get(client, submitted, admin):
    assert signed_in(client, admin).get(reject(submitted)).status_code == 405


# --- appeals for the ministry ---------------------------------------------------------------

APPEALS = "/requests/appeals/"


@pytest.fixture
def pending(ineligible):
    return aid_request_appeal(
        aid_request_id=ineligible.pk, applicant=ineligible.applicant, reason=REASON
    )


def decide(appeal) -> str:
    return f"/requests/appeals/{appeal.pk}/"


def test_the_admin_lists_the_pending_appeals(client, pending, admin):
    rejected = AidRequestFactory(status=S.REJECTED)
    decided = aid_request_appeal(
        aid_request_id=rejected.pk, applicant=rejected.applicant, reason=REASON
    )
    appeal_decide(appeal_id=decided.pk, decided_by=admin, overturn=False, note="صحيح")
    response = signed_in(client, admin).get(APPEALS)
    assert response.status_code == 200
    assert list(response.context["appeals"]) == [pending]
    assert f'href="/requests/appeals/{pending.pk}/"' in response.content.decode()


def test_an_official_may_not_review_appeals(client, pending, official):
    client = signed_in(client, official)
    assert client.get(APPEALS).status_code == 403
    assert client.get(decide(pending)).status_code == 403
    assert client.post(decide(pending), {"outcome": "overturn", "note": "x"}).status_code == 403
    pending.refresh_from_db()
    assert pending.decision == "pending"


def test_the_appellant_cannot_decide_their_own_appeal(client, pending):
    client = signed_in(client, pending.aid_request.applicant)
    assert client.get(APPEALS).status_code == 403
    assert client.post(decide(pending), {"outcome": "overturn", "note": "x"}).status_code == 403
    pending.refresh_from_db()
    assert pending.decision == "pending"


def test_charity_staff_cannot_see_appeals(client, pending, charity_staff):
    client = signed_in(client, charity_staff)
    assert client.get(APPEALS).status_code == 403
    assert client.get(decide(pending)).status_code == 403


def test_anonymous_is_sent_to_sign_in_from_appeals(client, pending):
    assert_sent_to_login(client.get(APPEALS))
    assert_sent_to_login(client.post(decide(pending), {"outcome": "overturn", "note": "x"}))


def test_appeal_pages_refuse_other_methods(client, pending, admin):
    client = signed_in(client, admin)
    assert client.post(APPEALS).status_code == 405
    assert client.put(decide(pending)).status_code == 405


def test_the_admin_overturns_an_appeal_and_the_request_reopens(client, pending, admin):
    client = signed_in(client, admin)
    assert client.get(decide(pending)).status_code == 200
    response = client.post(decide(pending), {"outcome": "overturn", "note": "ثبت فقدان العمل"})
    assert (response.status_code, response.url) == (302, APPEALS)
    pending.refresh_from_db()
    assert (pending.decision, pending.decided_by, pending.decision_note) == (
        "overturned",
        admin,
        "ثبت فقدان العمل",
    )
    assert AidRequest.objects.get(pk=pending.aid_request_id).status == S.OPEN
    assert (
        "The appeal was decided and the applicant notified." in client.get(APPEALS).content.decode()
    )
    assert client.get(decide(pending)).status_code == 404  # no longer pending


def test_a_decision_needs_a_reason(client, pending, admin):
    response = signed_in(client, admin).post(decide(pending), {"outcome": "uphold", "note": " "})
    assert response.status_code == 200
    assert "note" in response.context["form"].errors
    pending.refresh_from_db()
    assert pending.decision == "pending"


# --- aid-type catalogue for the ministry ----------------------------------------------------

TYPES = "/requests/aid-types/"
NEW_TYPE = "/requests/aid-types/new/"


def edit_type(aid_type) -> str:
    return f"/requests/aid-types/{aid_type.pk}/edit/"


TYPE_DATA = {
    "code": "utility-bills",
    "name_ar": "فواتير الكهرباء",
    "name_en": "Utility bills",
    "description_ar": "",
    "description_en": "",
    "scope": "household",
    "coverage_months": "0",
    "max_amount": "300.000",
    "required_documents": ["civil_id_copy"],
    "max_income_per_capita": "",
    "is_active": "on",
}


def test_the_admin_lists_every_type_including_inactive(client, rent_allowance, admin):
    rent_allowance.is_active = False
    rent_allowance.save()
    response = signed_in(client, admin).get(TYPES)
    assert response.status_code == 200
    assert list(response.context["aid_types"]) == [rent_allowance]
    assert f'href="{edit_type(rent_allowance)}"' in response.content.decode()


def test_the_admin_adds_a_type_and_it_is_audited(client, admin):
    client = signed_in(client, admin)
    assert client.get(NEW_TYPE).status_code == 200
    response = client.post(NEW_TYPE, TYPE_DATA)
    assert (response.status_code, response.url) == (302, TYPES)
    aid_type = AidType.objects.get(code="utility-bills")
    assert (aid_type.max_amount, aid_type.required_documents) == (
        Decimal("300.000"),
        ["civil_id_copy"],
    )
    entry = AuditEntry.objects.get(action="aid_type.created")
    assert (entry.actor, entry.object_id) == (admin, str(aid_type.pk))


def test_the_admin_edits_a_type_and_the_change_is_audited(client, rent_allowance, admin):
    client = signed_in(client, admin)
    assert client.get(edit_type(rent_allowance)).status_code == 200
    data = {**TYPE_DATA, "code": "rent-allowance", "max_amount": "1500.000"}
    response = client.post(edit_type(rent_allowance), data)
    assert response.status_code == 302
    rent_allowance.refresh_from_db()
    assert rent_allowance.max_amount == Decimal("1500.000")
    entry = AuditEntry.objects.get(action="aid_type.changed")
    assert entry.data["changes"]["max_amount"] == ["1200.000", "1500.000"]


def test_an_invalid_type_is_shown_on_the_form(client, admin):
    response = signed_in(client, admin).post(NEW_TYPE, {**TYPE_DATA, "max_amount": "0"})
    assert response.status_code == 200
    assert "max_amount" in response.context["form"].errors
    assert not AidType.objects.exists()


def test_an_official_reads_nothing_and_writes_nothing_in_the_catalogue(
    client, rent_allowance, official
):
    client = signed_in(client, official)
    assert client.get(TYPES).status_code == 403
    assert client.get(edit_type(rent_allowance)).status_code == 403
    assert client.post(NEW_TYPE, TYPE_DATA).status_code == 403
    assert client.post(edit_type(rent_allowance), TYPE_DATA).status_code == 403
    assert list(AidType.objects.all()) == [rent_allowance]


@pytest.mark.parametrize("who", ["applicant", "charity"])
def test_applicants_and_charity_staff_cannot_manage_types(
    client, rent_allowance, stranger, charity_staff, who
):
    client = signed_in(client, stranger if who == "applicant" else charity_staff)
    assert client.get(TYPES).status_code == 403
    assert client.post(NEW_TYPE, TYPE_DATA).status_code == 403
    assert not AidType.objects.filter(code="utility-bills").exists()


def test_anonymous_is_sent_to_sign_in_from_the_catalogue_pages(client, rent_allowance):
    assert_sent_to_login(client.get(TYPES))
    assert_sent_to_login(client.post(NEW_TYPE, TYPE_DATA))
    assert_sent_to_login(client.get(edit_type(rent_allowance)))


def test_catalogue_pages_refuse_other_methods_and_unknown_types(client, rent_allowance, admin):
    client = signed_in(client, admin)
    assert client.post(TYPES).status_code == 405
    assert client.put(edit_type(rent_allowance)).status_code == 405
    assert client.get("/requests/aid-types/999999/edit/").status_code == 404
