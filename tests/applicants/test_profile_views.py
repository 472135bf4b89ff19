"""The profile pages: who may open them, and the step-by-step flow."""

import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from accounts.civil_id import parse_civil_id
from accounts.models import Role
from aid_requests.models import RequestStatus
from applicants.models import ApplicantProfile, HouseholdMember, IncomeSource, MonthlyObligation
from audit.models import AuditEntry
from tests.factories import (
    AidRequestFactory,
    ApplicantProfileFactory,
    ApplicantUserFactory,
    CharityStaffFactory,
    GovernorateFactory,
    HouseholdMemberFactory,
    OrganisationFactory,
    StaffUserFactory,
    civil_id_for,
)
from tests.factories.applicants import (
    CompleteProfileFactory,
    DocumentFactory,
    IncomeSourceFactory,
    MonthlyObligationFactory,
)

pytestmark = pytest.mark.django_db

# (URL name, what its argument is, the methods it answers)
ENDPOINTS = [
    ("applicants:profile", None, {"GET"}),
    ("applicants:personal", None, {"GET", "POST"}),
    ("applicants:household", None, {"GET"}),
    ("applicants:member_add", None, {"POST"}),
    ("applicants:member_edit", "member", {"GET", "POST"}),
    ("applicants:member_remove", "member", {"POST"}),
    ("applicants:incomes", None, {"GET"}),
    ("applicants:income_add", None, {"POST"}),
    ("applicants:income_edit", "income", {"GET", "POST"}),
    ("applicants:income_remove", "income", {"POST"}),
    ("applicants:obligations", None, {"GET"}),
    ("applicants:obligation_add", None, {"POST"}),
    ("applicants:obligation_edit", "obligation", {"GET", "POST"}),
    ("applicants:obligation_remove", "obligation", {"POST"}),
    ("applicants:documents", None, {"GET"}),
    ("applicants:document_upload", None, {"POST"}),
    ("applicants:document_download", "document", {"GET"}),
    ("applicants:document_remove", "document", {"POST"}),
    ("applicants:step_confirm", "step", {"POST"}),
    ("applicants:consent", None, {"GET", "POST"}),
    ("applicants:review", None, {"GET"}),
]
OBJECT_ENDPOINTS = [e for e in ENDPOINTS if e[1] in {"member", "income", "obligation", "document"}]


def declared(profile):
    """One of each declared row for ``profile``."""
    return {
        "member": HouseholdMemberFactory(profile=profile),
        "income": IncomeSourceFactory(profile=profile),
        "obligation": MonthlyObligationFactory(profile=profile),
        "document": DocumentFactory(profile=profile),
    }


def url_for(name, argument, rows):
    if argument is None:
        return reverse(name)
    if argument == "step":
        return reverse(name, args=["household"])
    return reverse(name, args=[rows[argument].pk])


def call(client, method, url, data=None):
    return getattr(client, method.lower())(url, data or {})


def every_allowed_call():
    return [
        pytest.param(name, argument, method, id=f"{name.split(':')[1]}-{method}")
        for name, argument, methods in ENDPOINTS
        for method in sorted(methods)
    ]


def submission(client, list_url):
    return client.get(list_url).context["submission"]


# --- who may open what --------------------------------------------------------------------


@pytest.mark.parametrize(("name", "argument", "method"), every_allowed_call())
def test_anonymous_is_sent_to_sign_in(client, name, argument, method):
    rows = declared(ApplicantProfileFactory())
    response = call(client, method, url_for(name, argument, rows))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(
    "make_staff",
    [
        lambda: CharityStaffFactory(role=Role.CASEWORKER),
        lambda: CharityStaffFactory(role=Role.MANAGER),
        lambda: StaffUserFactory(role=Role.MINISTRY_OFFICIAL),
        lambda: StaffUserFactory(role=Role.MINISTRY_ADMIN),
    ],
    ids=["caseworker", "manager", "ministry-official", "ministry-admin"],
)
@pytest.mark.parametrize(("name", "argument", "method"), every_allowed_call())
def test_staff_get_403(client, make_staff, name, argument, method):
    rows = declared(ApplicantProfileFactory())
    client.force_login(make_staff())
    # Downloads are open to the charity holding a case (tests/applicants/test_documents.py),
    # so for staff without one the document simply does not exist: 404.
    expected = 404 if name == "applicants:document_download" else 403
    assert call(client, method, url_for(name, argument, rows)).status_code == expected


@pytest.mark.parametrize(("name", "argument", "methods"), ENDPOINTS, ids=[e[0] for e in ENDPOINTS])
def test_wrong_method_is_405(client, profile, name, argument, methods):
    rows = declared(profile)
    client.force_login(profile.user)
    for method in {"GET", "POST", "PUT", "DELETE"} - methods:
        assert call(client, method, url_for(name, argument, rows)).status_code == 405, method


@pytest.mark.parametrize(
    ("name", "argument", "method"),
    [
        pytest.param(name, argument, method, id=f"{name.split(':')[1]}-{method}")
        for name, argument, methods in OBJECT_ENDPOINTS
        for method in sorted(methods)
    ],
)
def test_another_applicants_rows_are_404_and_untouched(client, profile, name, argument, method):
    theirs = declared(ApplicantProfileFactory())
    declared(profile)
    client.force_login(profile.user)
    response = call(client, method, url_for(name, argument, theirs))
    assert response.status_code == 404
    row = theirs[argument]
    assert type(row).objects.filter(pk=row.pk).exists()
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize(
    ("name", "argument", "method", "expected"),
    [
        ("applicants:profile", None, "GET", 302),
        ("applicants:personal", None, "GET", 200),
        ("applicants:household", None, "GET", 200),
        ("applicants:member_edit", "member", "GET", 200),
        ("applicants:member_remove", "member", "POST", 302),
        ("applicants:incomes", None, "GET", 200),
        ("applicants:income_edit", "income", "GET", 200),
        ("applicants:income_remove", "income", "POST", 302),
        ("applicants:obligations", None, "GET", 200),
        ("applicants:obligation_edit", "obligation", "GET", 200),
        ("applicants:obligation_remove", "obligation", "POST", 302),
        ("applicants:documents", None, "GET", 200),
        ("applicants:document_download", "document", "GET", 200),
        ("applicants:document_remove", "document", "POST", 302),
        ("applicants:step_confirm", "step", "POST", 302),
        ("applicants:consent", None, "GET", 200),
        ("applicants:consent", None, "POST", 200),
        ("applicants:review", None, "GET", 200),
    ],
)
def test_the_owner_opens_every_page(client, profile, name, argument, method, expected):
    rows = declared(profile)
    client.force_login(profile.user)
    assert call(client, method, url_for(name, argument, rows)).status_code == expected


def test_list_steps_send_an_applicant_without_profile_to_personal_details(client):
    client.force_login(ApplicantUserFactory())
    for name in ("household", "incomes", "obligations", "documents", "consent", "review"):
        response = client.get(reverse(f"applicants:{name}"))
        assert response["Location"] == reverse("applicants:personal"), name


# --- the entry point and the progress indicator -------------------------------------------


def test_entry_point_goes_to_the_first_incomplete_step(client):
    user = ApplicantUserFactory()
    client.force_login(user)
    assert client.get(reverse("applicants:profile"))["Location"] == reverse("applicants:personal")
    user.mobile = "+96551234567"
    user.save()
    profile = CompleteProfileFactory(user=user)
    assert client.get(reverse("applicants:profile"))["Location"] == reverse("applicants:household")
    for step in ("household", "incomes", "obligations", "documents"):
        client.post(reverse("applicants:step_confirm", args=[step]))
    profile.refresh_from_db()
    assert profile.documents_confirmed_at is not None
    assert client.get(reverse("applicants:profile"))["Location"] == reverse("applicants:consent")
    client.post(reverse("applicants:consent"), {"agree": "on"})
    assert client.get(reverse("applicants:profile"))["Location"] == reverse("applicants:review")


def test_progress_shows_every_step_and_which_are_complete(client, profile):
    client.force_login(profile.user)
    client.post(reverse("applicants:step_confirm", args=["household"]))
    html = client.get(reverse("applicants:incomes")).content.decode()
    done = dict(re.findall(r'data-testid="step-(\d)"\s+data-done="(yes|no)"', html))
    assert done == {"1": "yes", "2": "yes", "3": "no", "4": "no", "5": "no", "6": "no", "7": "no"}
    assert 'aria-current="step"' in html
    assert "Step 3 of 7" in html


def test_save_and_continue_goes_to_the_next_step(client, profile):
    client.force_login(profile.user)
    response = client.post(reverse("applicants:step_confirm", args=["obligations"]))
    assert response["Location"] == reverse("applicants:documents")


def test_an_unknown_step_is_404(client, profile):
    client.force_login(profile.user)
    assert client.post(reverse("applicants:step_confirm", args=["personal"])).status_code == 404
    assert client.post(reverse("applicants:step_confirm", args=["nope"])).status_code == 404


# --- step 1 -------------------------------------------------------------------------------


def personal_data(**overrides):
    return {
        "name_ar": "مريم الشمري",
        "name_en": "",
        "gender": "f",
        "nationality": "الكويت",
        "governorate": GovernorateFactory().pk,
        "area": "حولي",
        "address": "قطعة 1",
        "mobile": "+٩٦٥ ٦١٢٣ ٤٥٦٧",
        "email": "",
    } | overrides


def test_personal_details_show_the_birth_date_of_the_civil_id_read_only(client):
    user = ApplicantUserFactory()
    client.force_login(user)
    response = client.get(reverse("applicants:personal"))
    field = response.context["form"]["birth_date"]
    assert field.field.disabled
    assert field.value() == parse_civil_id(user.civil_id).birth_date


def test_personal_details_are_saved_and_the_next_step_follows(client):
    user = ApplicantUserFactory()
    client.force_login(user)
    response = client.post(reverse("applicants:personal"), personal_data(birth_date="1999-01-01"))
    assert response["Location"] == reverse("applicants:household")
    profile = ApplicantProfile.objects.get(user=user)
    user.refresh_from_db()
    assert user.mobile == "+96561234567"
    assert user.full_name == "مريم الشمري"  # the name the header shows
    assert profile.birth_date == parse_civil_id(user.civil_id).birth_date  # not the posted one
    assert AuditEntry.objects.filter(action="applicant_profile.create").exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("mobile", "2200 1234", "8 digits starting with 4, 5, 6 or 9"),
        ("mobile", "+965 512", "8 digits starting with 4, 5, 6 or 9"),
        ("name_ar", "", "This field is required"),
        ("email", "not-an-email", "valid email"),
    ],
)
def test_bad_personal_details_change_nothing(client, field, value, message):
    user = ApplicantUserFactory()
    client.force_login(user)
    response = client.post(reverse("applicants:personal"), personal_data(**{field: value}))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not ApplicantProfile.objects.filter(user=user).exists()


def test_an_e_mail_used_by_another_account_is_refused_on_the_field(client):
    StaffUserFactory(email="used@example.test")
    user = ApplicantUserFactory()
    client.force_login(user)
    response = client.post(reverse("applicants:personal"), personal_data(email="used@example.test"))
    assert response.status_code == 200
    assert "already uses this e-mail" in " ".join(response.context["form"].errors["email"])
    assert not ApplicantProfile.objects.filter(user=user).exists()


# --- step 2 -------------------------------------------------------------------------------


def member_data(**overrides):
    return {"civil_id": civil_id_for(777), "name": "عبدالله", "kinship": "son"} | overrides


def test_a_member_is_added_and_listed(client, profile):
    client.force_login(profile.user)
    token = submission(client, reverse("applicants:household"))
    response = client.post(
        reverse("applicants:member_add"), member_data(submission=token), follow=True
    )
    assert response.redirect_chain[-1][0] == reverse("applicants:household")
    assert list(response.context["members"]) == list(HouseholdMember.objects.all())
    assert "عبدالله" in response.content.decode()


def test_a_double_submitted_form_adds_the_member_once(client, profile):
    client.force_login(profile.user)
    data = member_data(submission=submission(client, reverse("applicants:household")))
    first = client.post(reverse("applicants:member_add"), data)
    second = client.post(reverse("applicants:member_add"), data, follow=True)
    assert first.status_code == 302
    assert HouseholdMember.objects.count() == 1
    assert "already sent" in second.content.decode()


def test_a_form_without_its_token_adds_nothing(client, profile):
    client.force_login(profile.user)
    client.post(reverse("applicants:member_add"), member_data())
    client.post(reverse("applicants:income_add"), {"kind": "salary", "amount": "10"})
    assert not HouseholdMember.objects.exists()
    assert not IncomeSource.objects.exists()


def test_a_person_listed_elsewhere_is_saved_with_a_warning_that_names_nobody(client, profile):
    other = ApplicantProfileFactory(name_ar="اسم العائلة الأخرى")
    HouseholdMemberFactory(profile=other, civil_id=civil_id_for(777))
    client.force_login(profile.user)
    token = submission(client, reverse("applicants:household"))
    response = client.post(
        reverse("applicants:member_add"), member_data(submission=token), follow=True
    )
    html = response.content.decode()
    assert "already listed in another household" in html
    assert "Listed in another household" in html  # the badge on the member
    assert "اسم العائلة الأخرى" not in html
    assert other.user.civil_id not in html
    assert HouseholdMember.objects.filter(profile=profile).count() == 1


@pytest.mark.parametrize(
    ("civil_id", "message"),
    [
        ("own", "your own civil ID"),
        ("285031401230", "check digit"),
        ("12345", "12 digits"),
    ],
)
def test_refused_members_show_why_and_change_nothing(client, profile, civil_id, message):
    client.force_login(profile.user)
    if civil_id == "own":
        civil_id = profile.user.civil_id
    token = submission(client, reverse("applicants:household"))
    response = client.post(
        reverse("applicants:member_add"), member_data(civil_id=civil_id, submission=token)
    )
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["civil_id"])
    assert not HouseholdMember.objects.exists()


def test_the_same_person_twice_is_refused_with_a_clear_message(client, profile):
    HouseholdMemberFactory(profile=profile, civil_id=civil_id_for(777))
    client.force_login(profile.user)
    token = submission(client, reverse("applicants:household"))
    response = client.post(reverse("applicants:member_add"), member_data(submission=token))
    assert "already listed in your household" in " ".join(
        response.context["form"].errors["civil_id"]
    )
    assert HouseholdMember.objects.count() == 1


def test_a_member_is_edited_and_removed(client, profile):
    member = HouseholdMemberFactory(profile=profile)
    client.force_login(profile.user)
    url = reverse("applicants:member_edit", args=[member.pk])
    assert client.get(url).context["form"].initial["civil_id"] == member.civil_id
    response = client.post(url, member_data(civil_id=member.civil_id, name="اسم جديد"))
    assert response["Location"] == reverse("applicants:household")
    member.refresh_from_db()
    assert member.name == "اسم جديد"
    client.post(reverse("applicants:member_remove", args=[member.pk]))
    assert not HouseholdMember.objects.exists()


# --- steps 3 and 4 ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("list_name", "add_name", "model", "kind"),
    [
        ("incomes", "income_add", IncomeSource, "pension"),
        ("obligations", "obligation_add", MonthlyObligation, "loans"),
    ],
)
def test_money_is_added_with_arabic_digits(client, profile, list_name, add_name, model, kind):
    client.force_login(profile.user)
    token = submission(client, reverse(f"applicants:{list_name}"))
    response = client.post(
        reverse(f"applicants:{add_name}"),
        {"kind": kind, "amount": "٤٥٠٫٧٥٠", "submission": token},
    )
    assert response["Location"] == reverse(f"applicants:{list_name}")
    assert model.objects.get().amount == Decimal("450.750")


@pytest.mark.parametrize(
    ("amount", "message"),
    [("-20", "cannot be negative"), ("0", "at least 0.001"), ("250000", "100,000")],
)
@pytest.mark.parametrize(
    ("list_name", "add_name", "model"),
    [("incomes", "income_add", IncomeSource), ("obligations", "obligation_add", MonthlyObligation)],
)
def test_bad_amounts_are_refused_clearly(
    client, profile, list_name, add_name, model, amount, message
):
    client.force_login(profile.user)
    token = submission(client, reverse(f"applicants:{list_name}"))
    response = client.post(
        reverse(f"applicants:{add_name}"), {"kind": "other", "amount": amount, "submission": token}
    )
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors["amount"])
    assert not model.objects.exists()


def test_an_income_is_edited(client, profile):
    income = IncomeSourceFactory(profile=profile, amount=Decimal("100"))
    client.force_login(profile.user)
    url = reverse("applicants:income_edit", args=[income.pk])
    response = client.post(url, {"kind": "salary", "amount": "120.5"})
    assert response["Location"] == reverse("applicants:incomes")
    income.refresh_from_db()
    assert income.amount == Decimal("120.500")
    bad = client.post(url, {"kind": "salary", "amount": "-1"})
    assert bad.status_code == 200
    income.refresh_from_db()
    assert income.amount == Decimal("120.500")


# --- step 6 -------------------------------------------------------------------------------


def test_review_shows_everything_with_per_capita_income(client, profile):
    HouseholdMemberFactory.create_batch(2, profile=profile)
    IncomeSourceFactory(profile=profile, amount=Decimal("1000"))
    MonthlyObligationFactory(profile=profile, amount=Decimal("250"))
    DocumentFactory(profile=profile, original_name="عقد.pdf")
    client.force_login(profile.user)
    response = client.get(reverse("applicants:review"))
    html = response.content.decode()
    finances = response.context["finances"]
    assert finances.household_size == 3
    assert finances.per_capita == Decimal("250.000")  # (1000 − 250) ÷ 3
    assert response.context["birth_date"] == parse_civil_id(profile.user.civil_id).birth_date
    assert "250.000" in html
    assert "عقد.pdf" in html
    for name in ("personal", "household", "incomes", "obligations", "documents"):
        assert reverse(f"applicants:{name}") in html
    assert "Some steps are not complete yet" in html


# --- pages --------------------------------------------------------------------------------


def test_pages_are_arabic_and_right_to_left_by_default(profile):
    client = Client()  # without the English cookie of the ``client`` fixture
    client.force_login(profile.user)
    html = client.get(reverse("applicants:household")).content.decode()
    assert '<html lang="ar" dir="rtl">' in html


@pytest.mark.parametrize(
    "name", ["personal", "household", "incomes", "obligations", "documents", "consent", "review"]
)
def test_pages_have_no_inline_script_or_style(client, profile, name):
    declared(profile)
    client.force_login(profile.user)
    html = client.get(reverse(f"applicants:{name}")).content.decode()
    assert " style=" not in html
    assert re.search(r"<script(?![^>]*\bsrc=)[^>]*>", html) is None
    assert re.search(r"<[^>]*\son[a-z]+\s*=", html) is None  # no onclick=…


def test_held_profile_pages_say_that_changes_are_recorded(client, profile):
    AidRequestFactory(
        applicant=profile.user, status=RequestStatus.APPROVED, claimed_by=OrganisationFactory()
    )
    client.force_login(profile.user)
    assert (
        "every change is recorded" in client.get(reverse("applicants:household")).content.decode()
    )


def test_a_changed_mobile_asks_for_confirmation_by_code(client, profile):
    client.force_login(profile.user)
    data = personal_data(
        name_ar=profile.name_ar,
        governorate=profile.governorate_id,
        mobile="+965 9988 7766",
    )
    response = client.post(reverse("applicants:personal"), data, follow=False)
    assert response.status_code == 302
    html = client.get(reverse("applicants:personal")).content.decode()
    assert "not confirmed yet" in html
    assert reverse("account_change_phone") in html


def test_gender_and_relationship_start_unchosen():
    from applicants.forms import MemberForm, PersonalForm

    for form, name in ((PersonalForm(), "gender"), (MemberForm(), "kinship")):
        html = str(form[name])
        assert 'value="" selected' in html
        assert form.fields[name].required
    # Skipping the question is an error, not a silent first choice.
    form = MemberForm(data={"civil_id": "", "name": "x", "kinship": ""})
    assert "kinship" in form.errors
