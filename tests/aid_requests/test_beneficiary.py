"""Every request names its beneficiary: the applicant, or one household member as the aid type
allows; one live request per beneficiary and aid type, held by the database."""

from __future__ import annotations

import secrets
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation

from accounts.models import Role
from aid_requests.exceptions import BeneficiaryNotAllowed, BeneficiaryRequired, DuplicateRequest
from aid_requests.models import AidRequest, AidScope, AidType, Beneficiaries, age_band
from applicants.models import HouseholdMember
from charities.request_steps import aid_request_submit
from tests.factories import AidRequestFactory, StaffUserFactory
from tests.factories.applicants import make_ready_applicant

pytestmark = pytest.mark.django_db


def person_aid(code: str, beneficiaries: str) -> AidType:
    return AidType.objects.create(
        code=code,
        name_ar=code,
        name_en=code,
        scope=AidScope.PERSON,
        beneficiaries=beneficiaries,
        coverage_months=5,
        max_amount=Decimal("800"),
    )


@pytest.fixture
def student_aid(db) -> AidType:
    return person_aid("student-aid", Beneficiaries.MEMBER)


@pytest.fixture
def medical(db) -> AidType:
    return person_aid("medical-treatment", Beneficiaries.APPLICANT_OR_MEMBER)


@pytest.fixture
def family(media):
    """A ready applicant with a spouse (member 0) and two sons (members 1 and 2)."""
    user, docs = make_ready_applicant(members=3)
    return user, docs, list(HouseholdMember.objects.filter(profile__user=user).order_by("id"))


def submit(user, aid_type, docs, beneficiary=None, amount="300.000"):
    return aid_request_submit(
        applicant=user,
        aid_type=aid_type,
        amount=Decimal(amount),
        justification="رسوم الفصل",
        documents=docs,
        beneficiary=beneficiary,
    )


# --- the service ----------------------------------------------------------------------------


def test_two_children_may_each_have_student_aid_at_once(family, student_aid):
    user, docs, (_spouse, son1, son2) = family
    first = submit(user, student_aid, docs, beneficiary=son1)
    second = submit(user, student_aid, docs, beneficiary=son2)
    assert (first.beneficiary_member, first.beneficiary_civil_id) == (son1, son1.civil_id)
    assert (second.beneficiary_member, second.beneficiary_civil_id) == (son2, son2.civil_id)


def test_a_second_live_request_for_the_same_child_points_at_the_first(family, student_aid):
    user, docs, (_spouse, son1, _son2) = family
    first = submit(user, student_aid, docs, beneficiary=son1)
    with pytest.raises(DuplicateRequest) as error, translation.override("en"):
        submit(user, student_aid, docs, beneficiary=son1)
    assert error.value.existing_id == first.pk
    assert "for this person" in str(error.value)  # its text, made in English
    assert AidRequest.objects.count() == 1


def test_the_applicant_and_a_member_may_each_have_medical_treatment(family, medical):
    user, docs, (spouse, _son1, _son2) = family
    own = submit(user, medical, docs)
    for_spouse = submit(user, medical, docs, beneficiary=spouse)
    assert (own.beneficiary_civil_id, own.beneficiary_member) == (None, None)
    assert for_spouse.beneficiary_civil_id == spouse.civil_id
    with pytest.raises(DuplicateRequest):
        submit(user, medical, docs)


def test_aid_for_a_member_only_needs_a_member(family, student_aid):
    user, docs, _members = family
    with pytest.raises(BeneficiaryRequired):
        submit(user, student_aid, docs)
    assert not AidRequest.objects.exists()


def test_aid_for_the_applicant_only_refuses_a_member(family):
    user, docs, (spouse, _son1, _son2) = family
    with pytest.raises(BeneficiaryNotAllowed):
        submit(user, person_aid("own", Beneficiaries.APPLICANT), docs, beneficiary=spouse)
    assert not AidRequest.objects.exists()


def test_household_aid_is_for_the_whole_household_without_a_choice(family, rent_allowance):
    user, docs, (spouse, _son1, _son2) = family
    with pytest.raises(BeneficiaryNotAllowed):
        submit(user, rent_allowance, docs, beneficiary=spouse)
    assert submit(user, rent_allowance, docs).beneficiary_civil_id is None


def test_a_member_of_another_household_cannot_be_chosen(family, student_aid):
    user, docs, _members = family
    other, _docs = make_ready_applicant(seed=5)
    stranger = HouseholdMember.objects.filter(profile__user=other).last()
    with pytest.raises(BeneficiaryNotAllowed):
        submit(user, student_aid, docs, beneficiary=stranger)
    assert not AidRequest.objects.exists()


def test_the_childs_civil_id_is_kept_when_the_household_row_changes(family, student_aid):
    user, docs, (_spouse, son1, _son2) = family
    aid_request = submit(user, student_aid, docs, beneficiary=son1)
    kept = son1.civil_id
    son1.delete()
    aid_request.refresh_from_db()
    assert (aid_request.beneficiary_member, aid_request.beneficiary_civil_id) == (None, kept)


# --- the database rule ----------------------------------------------------------------------


def _live(applicant, aid_type, governorate, civil_id):
    return AidRequestFactory(
        applicant=applicant,
        aid_type=aid_type,
        governorate=governorate,
        beneficiary_civil_id=civil_id,
    )


@pytest.mark.parametrize("civil_id", [None, "290010100001"])
def test_the_database_holds_one_live_request_per_beneficiary_and_aid_type(
    family, student_aid, civil_id
):
    user, _docs, _members = family
    governorate = user.applicant_profile.governorate
    _live(user, student_aid, governorate, civil_id)
    with pytest.raises(IntegrityError), transaction.atomic():
        _live(user, student_aid, governorate, civil_id)
    # Another beneficiary of the same applicant and type is another request.
    _live(user, student_aid, governorate, "290010100002")
    assert AidRequest.objects.count() == 2


# --- the forms ------------------------------------------------------------------------------


def form_data(docs, **extra):
    return {
        "submission_key": secrets.token_urlsafe(24),
        "amount": "300.000",
        "justification": "رسوم الفصل",
        "documents": [d.pk for d in docs],
        **extra,
    }


def english(client, user):
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def test_the_form_offers_the_applicant_and_members_as_the_type_allows(client, family, medical):
    user, _docs, members = family
    form = english(client, user).get("/requests/new/medical-treatment/").context["form"]
    assert [c[0] for c in form.fields["beneficiary"].choices] == [
        "",
        *[str(m.pk) for m in members],
    ]


def test_the_form_for_member_aid_submits_for_the_chosen_child(client, family, student_aid):
    user, docs, (_spouse, son1, _son2) = family
    client = english(client, user)
    form = client.get("/requests/new/student-aid/").context["form"]
    assert "" not in [c[0] for c in form.fields["beneficiary"].choices]  # no "Myself"
    response = client.post("/requests/new/student-aid/", form_data(docs, beneficiary=son1.pk))
    aid_request = AidRequest.objects.get()
    assert response.status_code == 302
    assert aid_request.beneficiary_member == son1
    assert (
        f'data-testid="beneficiary"><bdi>{son1.name}' in client.get(response.url).content.decode()
    )


@pytest.mark.parametrize(
    ("choice", "message"),
    [
        ("", "This aid type is for a household member: choose who it is for."),
        ("999999", "Choose someone listed in your household."),
    ],
)
def test_the_form_explains_a_missing_or_unknown_beneficiary(
    client, family, student_aid, choice, message
):
    user, docs, _members = family
    response = english(client, user).post(
        "/requests/new/student-aid/", form_data(docs, beneficiary=choice)
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not AidRequest.objects.exists()


def test_the_form_sends_a_second_request_for_the_same_child_to_the_first(
    client, family, student_aid
):
    user, docs, (_spouse, son1, _son2) = family
    first = submit(user, student_aid, docs, beneficiary=son1)
    client = english(client, user)
    response = client.post("/requests/new/student-aid/", form_data(docs, beneficiary=son1.pk))
    assert (response.status_code, response.url) == (302, f"/requests/{first.pk}/")
    page = client.get(response.url).content.decode()
    assert "You already have a request of this aid type for this person" in page
    assert AidRequest.objects.count() == 1


def test_the_ministry_sets_who_may_benefit_and_household_aid_refuses_a_member(client, db):
    admin = english(client, StaffUserFactory(role=Role.MINISTRY_ADMIN))
    data = {
        "code": "school",
        "name_ar": "مدرسة",
        "name_en": "School",
        "scope": "person",
        "beneficiaries": "member",
        "coverage_months": "5",
        "max_amount": "500.000",
        "is_active": "on",
    }
    assert admin.post("/requests/aid-types/new/", data).status_code == 302
    assert AidType.objects.get(code="school").beneficiaries == Beneficiaries.MEMBER
    response = admin.post(
        "/requests/aid-types/new/", {**data, "code": "rent", "scope": "household"}
    )
    assert response.status_code == 200
    assert "beneficiaries" in response.context["form"].errors
    assert not AidType.objects.filter(code="rent").exists()


@pytest.mark.parametrize(
    ("born", "band"),
    [("2025-06-02", "0-5"), ("2019-06-01", "6-12"), ("2008-06-02", "13-17"), ("1966-06-01", "60+")],
)
def test_age_bands(born, band):
    import datetime

    assert age_band(datetime.date.fromisoformat(born), datetime.date(2026, 6, 1)) == band
