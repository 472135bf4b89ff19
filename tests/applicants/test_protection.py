"""Protected applicants: only ministry administrators set the flag, with a reason, audited; the
ministry's applicant lookup page and its toggle."""

import re

import pytest
from django.urls import reverse

from accounts.models import Role
from applicants import selectors
from applicants.exceptions import (
    ApplicantProfileMissing,
    ProtectionNotAllowed,
    ProtectionReasonRequired,
    ProtectionUnchanged,
)
from applicants.models import ApplicantProfile
from applicants.services import protection
from audit.models import AuditEntry
from tests.factories import (
    AidRequestFactory,
    ApplicantUserFactory,
    CharityStaffFactory,
    StaffUserFactory,
)
from tests.factories.applicants import CompleteProfileFactory
from tests.factories.second_factor import sign_in_with_second_factor, totp_device

pytestmark = pytest.mark.django_db
ACTION = "applicant_profile.protection_set"


@pytest.fixture
def admin():
    return StaffUserFactory(role=Role.MINISTRY_ADMIN)


@pytest.fixture
def official():
    return StaffUserFactory(role=Role.MINISTRY_OFFICIAL)


# --- the service --------------------------------------------------------------------------


def test_an_admin_protects_an_applicant_with_a_reason_and_it_is_audited(admin, profile):
    protection.applicant_protection_set(
        profile_id=profile.pk,
        protected=True,
        actor=admin,
        reason="  Court order:\n domestic violence  ",
        ip_address="192.0.2.7",
    )
    profile.refresh_from_db()
    assert profile.is_protected
    entry = AuditEntry.objects.get(action=ACTION)
    assert (entry.actor, entry.applicant_id, entry.object_id) == (
        admin,
        profile.user_id,
        str(profile.pk),
    )
    assert entry.data == {"protected": True, "reason": "Court order: domestic violence"}
    assert entry.ip_address == "192.0.2.7"


def test_the_protection_is_removed_again_and_the_history_lists_both(admin, profile):
    protection.applicant_protection_set(
        profile_id=profile.pk, protected=True, actor=admin, reason="first"
    )
    protection.applicant_protection_set(
        profile_id=profile.pk, protected=False, actor=admin, reason="order lifted"
    )
    profile.refresh_from_db()
    assert not profile.is_protected
    history = list(selectors.protection_history(profile))
    assert [(e.data["protected"], e.data["reason"]) for e in history] == [
        (False, "order lifted"),
        (True, "first"),
    ]


@pytest.mark.parametrize(
    "make_actor",
    [
        lambda: StaffUserFactory(role=Role.MINISTRY_OFFICIAL),
        lambda: CharityStaffFactory(role=Role.MANAGER),
        ApplicantUserFactory,
    ],
    ids=["ministry-official", "charity-manager", "applicant"],
)
def test_nobody_but_a_ministry_admin_may_set_it(profile, make_actor):
    with pytest.raises(ProtectionNotAllowed):
        protection.applicant_protection_set(
            profile_id=profile.pk, protected=True, actor=make_actor(), reason="x"
        )
    profile.refresh_from_db()
    assert not profile.is_protected
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("reason", ["", "   ", "\n\t"])
def test_a_reason_is_required(admin, profile, reason):
    with pytest.raises(ProtectionReasonRequired):
        protection.applicant_protection_set(
            profile_id=profile.pk, protected=True, actor=admin, reason=reason
        )
    profile.refresh_from_db()
    assert not profile.is_protected


def test_setting_the_value_it_already_has_changes_nothing(admin, profile):
    with pytest.raises(ProtectionUnchanged, match="not protected"):
        protection.applicant_protection_set(
            profile_id=profile.pk, protected=False, actor=admin, reason="x"
        )
    assert not AuditEntry.objects.exists()


def test_an_unknown_profile_is_refused(admin):
    with pytest.raises(ApplicantProfileMissing):
        protection.applicant_protection_set(
            profile_id=987654, protected=True, actor=admin, reason="x"
        )


def test_the_django_admin_cannot_change_the_profile(admin_client, profile):
    url = reverse("admin:applicants_applicantprofile_change", args=[profile.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    assert 'name="is_protected"' not in page.content.decode()
    admin_client.post(url, {"is_protected": "on", "name_ar": "x"})
    profile.refresh_from_db()
    assert not profile.is_protected
    assert profile.name_ar != "x"
    assert admin_client.get(reverse("admin:applicants_applicantprofile_add")).status_code == 403


# --- the pages ----------------------------------------------------------------------------

LOOKUP = "/apply/ministry/applicants/"


def detail_url(user):
    return f"/apply/ministry/applicants/{user.pk}/"


def protection_url(user):
    return f"/apply/ministry/applicants/{user.pk}/protection/"


def test_the_urls():
    assert reverse("applicants:ministry_lookup") == LOOKUP
    assert reverse("applicants:ministry_applicant", args=[7]) == "/apply/ministry/applicants/7/"
    assert reverse("applicants:protection_set", args=[7]) == (
        "/apply/ministry/applicants/7/protection/"
    )


def test_anonymous_is_sent_to_sign_in(client, profile):
    for method, url in (
        ("get", LOOKUP),
        ("get", detail_url(profile.user)),
        ("post", protection_url(profile.user)),
    ):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith("/accounts/login/")


def test_wrong_methods_are_405(client, admin, profile):
    client.force_login(admin)
    assert client.put(LOOKUP).status_code == 405
    assert client.post(detail_url(profile.user)).status_code == 405
    assert client.get(protection_url(profile.user)).status_code == 405


@pytest.mark.parametrize(
    "make_user",
    [lambda: CharityStaffFactory(role=Role.MANAGER), ApplicantUserFactory],
    ids=["charity-manager", "applicant"],
)
def test_charity_staff_and_applicants_get_403(client, profile, make_user):
    client.force_login(make_user())
    assert client.get(LOOKUP).status_code == 403
    assert client.get(detail_url(profile.user)).status_code == 403
    assert client.post(protection_url(profile.user), {"reason": "x"}).status_code == 403
    assert not AuditEntry.objects.exists()


def test_the_applicant_cannot_open_their_own_ministry_page(client, profile):
    client.force_login(profile.user)
    assert client.get(detail_url(profile.user)).status_code == 403


def test_the_admin_finds_the_applicant_by_civil_id_and_the_view_is_logged(client, admin, profile):
    AidRequestFactory(applicant=profile.user)
    client.force_login(admin)
    response = client.post(LOOKUP, {"civil_id": profile.user.civil_id})
    assert response["Location"] == detail_url(profile.user)
    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert f'<bdi dir="ltr" data-testid="civil-id">{profile.user.civil_id}</bdi>' in html
    assert profile.name_ar in html
    assert 'data-protected="no"' in html
    assert protection_url(profile.user) in html
    entry = AuditEntry.objects.get(action="applicant.ministry_view")
    assert (entry.actor, entry.applicant_id) == (admin, profile.user_id)


def test_the_civil_id_never_appears_in_a_url(client, admin, profile):
    """The lookup is a POST form; the redirect names the applicant by number only."""
    civil_id = profile.user.civil_id
    client.force_login(admin)
    page = client.get(LOOKUP).content.decode()
    form = re.search(r"<form [^>]*action=\"/apply/ministry/applicants/\"[^>]*>", page)
    assert form, page
    assert 'method="post"' in form.group(0)
    assert 'name="csrfmiddlewaretoken"' in page
    response = client.post(LOOKUP, {"civil_id": civil_id})
    assert response.status_code == 302
    assert civil_id not in response["Location"]
    detail = client.get(response["Location"]).content.decode()
    for url in re.findall(r'(?:href|action|hx-get)="([^"]*)"', detail):
        assert civil_id not in url, url


def test_the_former_get_lookup_is_ignored(client, admin, profile):
    client.force_login(admin)
    response = client.get(LOOKUP, {"civil_id": profile.user.civil_id})
    assert response.status_code == 302
    assert response["Location"] == LOOKUP  # the bare page, not the applicant's
    page = client.get(response["Location"])
    assert not page.context["form"].is_bound
    assert profile.user.civil_id not in page.content.decode()
    assert not AuditEntry.objects.exists()


def test_an_unknown_or_invalid_civil_id_says_so(client, official):
    client.force_login(official)
    unknown = client.post(LOOKUP, {"civil_id": "285031401239"})
    assert "No applicant has registered" in " ".join(unknown.context["form"].errors["civil_id"])
    invalid = client.post(LOOKUP, {"civil_id": "285031401238"})
    assert "check digit" in " ".join(invalid.context["form"].errors["civil_id"])
    assert not AuditEntry.objects.exists()


def test_the_admin_marks_the_applicant_as_protected(client, admin, profile):
    client.force_login(admin)
    response = client.post(
        protection_url(profile.user), {"protected": "1", "reason": "Court order"}, follow=True
    )
    assert response.redirect_chain[-1][0] == detail_url(profile.user)
    html = response.content.decode()
    assert "charities no longer see the contact details" in html
    assert 'data-protected="yes"' in html
    assert "Court order" in html  # the history
    assert ApplicantProfile.objects.get(pk=profile.pk).is_protected


def test_without_a_reason_the_page_says_why_and_nothing_changes(client, admin, profile):
    client.force_login(admin)
    response = client.post(protection_url(profile.user), {"protected": "1", "reason": " "})
    assert response.status_code == 200
    assert response.context["form"].errors["reason"]
    assert not ApplicantProfile.objects.get(pk=profile.pk).is_protected
    assert not AuditEntry.objects.filter(action=ACTION).exists()


def test_a_stale_form_is_answered_with_a_message(client, admin, profile):
    ApplicantProfile.objects.filter(pk=profile.pk).update(is_protected=True)
    client.force_login(admin)
    response = client.post(protection_url(profile.user), {"protected": "1", "reason": "again"})
    assert response.status_code == 200
    assert "already protected" in response.content.decode()


def test_an_official_sees_the_flag_but_may_not_change_it(client, official, profile):
    client.force_login(official)
    html = client.get(detail_url(profile.user)).content.decode()
    assert 'data-protected="no"' in html
    assert protection_url(profile.user) not in html
    assert "Only ministry administrators can change this." in html
    response = client.post(protection_url(profile.user), {"protected": "1", "reason": "x"})
    assert response.status_code == 403
    assert not ApplicantProfile.objects.get(pk=profile.pk).is_protected


def test_staff_or_missing_ids_are_404(client, admin):
    client.force_login(admin)
    assert client.get(detail_url(admin)).status_code == 404
    assert client.get("/apply/ministry/applicants/987654/").status_code == 404
    assert client.post(protection_url(admin), {"protected": "1", "reason": "x"}).status_code == 404


def test_an_applicant_without_a_profile_is_shown_but_cannot_be_protected(client, admin):
    applicant = ApplicantUserFactory()
    client.force_login(admin)
    html = client.get(detail_url(applicant)).content.decode()
    assert "has not filled in a profile yet" in html
    response = client.post(protection_url(applicant), {"protected": "1", "reason": "x"})
    assert response.status_code == 404


def test_staff_without_a_passed_second_factor_see_no_personal_data(
    client, admin, profile, settings
):
    settings.STAFF_REQUIRE_MFA = True
    totp_device(admin)  # enrolled, but this session never typed a code
    client.force_login(admin)
    lookup = client.post(LOOKUP, {"civil_id": profile.user.civil_id})
    assert lookup.status_code == 403
    assert 'data-testid="needs-second-factor"' in lookup.content.decode()
    detail = client.get(detail_url(profile.user))
    assert detail.status_code == 403
    assert profile.user.civil_id not in detail.content.decode()
    response = client.post(protection_url(profile.user), {"protected": "1", "reason": "x"})
    assert response.status_code == 403
    assert not ApplicantProfile.objects.get(pk=profile.pk).is_protected
    assert not AuditEntry.objects.exists()


def test_staff_who_passed_the_second_factor_see_the_applicant(client, admin, profile, settings):
    settings.STAFF_REQUIRE_MFA = True
    sign_in_with_second_factor(client, admin)
    response = client.get(detail_url(profile.user))
    assert response.status_code == 200
    assert profile.user.civil_id in response.content.decode()


def test_ministry_staff_find_the_page_in_the_navigation(client, official):
    client.force_login(official)
    assert f'href="{LOOKUP}"' in client.get(LOOKUP).content.decode()


def test_the_page_shows_whether_the_profile_is_complete(client, admin):
    profile = CompleteProfileFactory()
    client.force_login(admin)
    html = client.get(detail_url(profile.user)).content.decode()
    assert 'data-complete="no"' in html
    assert "Privacy consent" in html


def test_the_django_admin_cannot_change_an_accounts_civil_id(admin_client, profile):
    url = reverse("admin:accounts_user_change", args=[profile.user.pk])
    page = admin_client.get(url).content.decode()
    assert 'name="civil_id"' not in page
    assert profile.user.civil_id in page  # shown, read-only
