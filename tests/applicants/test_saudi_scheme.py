"""The profile under the Saudi scheme (CIVIL_ID_SCHEME=sa): 10-digit IDs and Saudi mobiles."""

import pytest
from django.urls import reverse

from applicants.models import ApplicantProfile, HouseholdMember
from applicants.selectors import Step, completed_steps
from tests.factories import ApplicantUserFactory, GovernorateFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _saudi(settings):
    settings.CIVIL_ID_SCHEME = "sa"


@pytest.fixture
def saudi_applicant():
    return ApplicantUserFactory(civil_id="1123456780", mobile="+966551234567")


def personal_data(**overrides):
    return {
        "name_ar": "نورة القحطاني",
        "gender": "f",
        "nationality": "السعودية",
        "governorate": GovernorateFactory().pk,
        "area": "الرياض",
        "address": "حي النخيل، شارع 12",
        "mobile": "055 123 4567",
    } | overrides


def submission(client):
    return client.get(reverse("applicants:household")).context["submission"]


def test_personal_details_take_a_saudi_mobile_and_no_birth_date(client, saudi_applicant):
    client.force_login(saudi_applicant)
    page = client.get(reverse("applicants:personal")).content.decode()
    assert "A Saudi mobile number" in page
    response = client.post(reverse("applicants:personal"), personal_data(mobile="0598765432"))
    assert response["Location"] == reverse("applicants:household")
    saudi_applicant.refresh_from_db()
    assert saudi_applicant.mobile == "+966598765432"
    profile = ApplicantProfile.objects.get(user=saudi_applicant)
    assert profile.birth_date is None  # a Saudi ID carries no birth date
    assert Step.PERSONAL in completed_steps(profile, saudi_applicant)


def test_a_kuwaiti_mobile_is_refused_under_the_saudi_scheme(client, saudi_applicant):
    client.force_login(saudi_applicant)
    response = client.post(reverse("applicants:personal"), personal_data(mobile="+96550001234"))
    assert response.status_code == 200
    assert "Saudi mobile number" in " ".join(response.context["form"].errors["mobile"])
    assert not ApplicantProfile.objects.exists()


def test_a_household_member_with_a_saudi_id_is_added(client, saudi_applicant):
    client.force_login(saudi_applicant)
    client.post(reverse("applicants:personal"), personal_data())
    response = client.post(
        reverse("applicants:member_add"),
        {
            "civil_id": "٢٢٣٤٥٦٧٨٩٥",
            "name": "سارة",
            "kinship": "daughter",
            "birth_date": "2012-05-01",
            "submission": submission(client),
        },
    )
    assert response["Location"] == reverse("applicants:household")
    member = HouseholdMember.objects.get()
    assert (member.civil_id, str(member.birth_date)) == ("2234567895", "2012-05-01")


def test_a_member_without_a_birth_date_is_added_with_none(client, saudi_applicant):
    client.force_login(saudi_applicant)
    client.post(reverse("applicants:personal"), personal_data())
    client.post(
        reverse("applicants:member_add"),
        {
            "civil_id": "1987654322",
            "name": "فهد",
            "kinship": "son",
            "submission": submission(client),
        },
    )
    assert HouseholdMember.objects.get().birth_date is None


@pytest.mark.parametrize(
    ("civil_id", "message"),
    [
        ("1123456789", "check digit"),
        ("3123456786", "starts with 1 (citizen) or 2 (resident)"),
        ("285031401239", "10 digits"),
    ],
)
def test_invalid_saudi_member_ids_are_refused(client, saudi_applicant, civil_id, message):
    client.force_login(saudi_applicant)
    client.post(reverse("applicants:personal"), personal_data())
    response = client.post(
        reverse("applicants:member_add"),
        {"civil_id": civil_id, "name": "x", "kinship": "son", "submission": submission(client)},
    )
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["civil_id"])
    assert not HouseholdMember.objects.exists()
