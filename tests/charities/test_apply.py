"""Organisations apply to join on a public page; nothing on it reveals which e-mails exist."""

import re

import pytest
import time_machine
from django.core import mail

from accounts.models import Role, User
from audit.models import AuditEntry
from charities.exceptions import LicenceNumberTaken
from charities.models import (
    Organisation,
    OrganisationApplication,
    OrganisationKind,
    OrganisationStatus,
    StaffMembership,
)
from charities.services.licensing import organisation_apply
from charities.services.staff import (
    application_confirm_token,
    organisation_application_confirm,
    staff_invite,
)
from tests.factories import (
    AidTypeFactory,
    CharityStaffFactory,
    GovernorateFactory,
    OrganisationFactory,
    StaffUserFactory,
)

pytestmark = pytest.mark.django_db
URL = "/charity/apply/"
THANKS = "/charity/apply/thanks/"


@pytest.fixture
def form_data():
    capital, jahra = GovernorateFactory(), GovernorateFactory()
    rent = AidTypeFactory()
    return {
        "name_ar": "جمعية الأمل",
        "name_en": "Al-Amal Society",
        "kind": OrganisationKind.CHARITY,
        "licence_number": "lic-2026-77",
        "governorates": [capital.pk, jahra.pk],
        "aid_types": [rent.pk],
        "email": "info@alamal.test",
        "phone": "+965 2200 1234",
        "manager_name": "Maryam Al-Salem",
        "manager_email": "Maryam@AlAmal.test",
    }


def _post(client, data, **extra):
    return client.post(URL, data, **extra)


# --- the page -------------------------------------------------------------------------------


def test_the_apply_page_is_public(client):
    response = client.get(URL)
    assert response.status_code == 200
    assert 'name="licence_number"' in response.content.decode()


def _confirm_url(message) -> str:
    found = re.search(r"https?://[^/\s]+(/charity/apply/confirm/[^\s]+/)", message.body)
    assert found, message.body
    return found.group(1)


def _apply_and_confirm(client, data, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        _post(client, data)
    return client.post(_confirm_url(mail.outbox[-1]))


def test_an_application_creates_a_pending_organisation_and_sends_a_confirmation_link(
    client, form_data, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, form_data)
    assert response.status_code == 302
    assert response["Location"] == THANKS
    organisation = Organisation.objects.get(licence_number="LIC-2026-77")
    assert organisation.status == OrganisationStatus.PENDING
    assert sorted(organisation.governorates.values_list("pk", flat=True)) == sorted(
        form_data["governorates"]
    )
    assert list(organisation.aid_types.values_list("pk", flat=True)) == form_data["aid_types"]
    assert organisation.email == "info@alamal.test"
    # nobody has confirmed the typed address yet: no account, no membership
    assert not User.objects.filter(email__iexact="maryam@alamal.test").exists()
    assert not StaffMembership.objects.filter(organisation=organisation).exists()
    application = organisation.application
    assert application.manager_email == "maryam@alamal.test"
    assert application.manager_confirmed_at is None
    assert not application.manager_email_had_account
    entry = AuditEntry.objects.get(action="organisation.applied")
    assert entry.object_id == str(organisation.pk)
    assert entry.data == {"manager_email_had_account": False}
    assert entry.ip_address == "127.0.0.1"
    assert [m.to for m in mail.outbox] == [["maryam@alamal.test"]]
    assert "Al-Amal Society" in mail.outbox[0].body or "جمعية الأمل" in mail.outbox[0].body
    # the link names no e-mail address
    assert "maryam" not in _confirm_url(mail.outbox[0]).lower()


def test_confirming_the_e_mail_creates_the_manager_account(
    client, form_data, django_capture_on_commit_callbacks
):
    page = client.get(
        _confirm_url_after_apply(client, form_data, django_capture_on_commit_callbacks)
    )
    assert page.status_code == 200
    # opening the link (a mail scanner does) creates nothing; the button does
    assert not User.objects.filter(email="maryam@alamal.test").exists()
    response = client.post(page.request["PATH_INFO"])
    assert response.status_code == 200
    assert 'data-testid="confirmed"' in response.content.decode()
    organisation = Organisation.objects.get(licence_number="LIC-2026-77")
    manager = User.objects.get(email="maryam@alamal.test")
    assert manager.role == Role.MANAGER
    assert manager.full_name == "Maryam Al-Salem"
    assert not manager.has_usable_password()
    assert manager.membership.organisation == organisation
    assert manager.membership.is_active
    organisation.application.refresh_from_db()
    assert organisation.application.manager_confirmed_at is not None
    entry = AuditEntry.objects.get(action="organisation.manager_confirmed")
    assert entry.data == {"manager_email_had_account": False}
    # confirming again changes nothing
    assert client.post(page.request["PATH_INFO"]).status_code == 200
    assert User.objects.filter(email="maryam@alamal.test").count() == 1


def _confirm_url_after_apply(client, data, django_capture_on_commit_callbacks) -> str:
    with django_capture_on_commit_callbacks(execute=True):
        _post(client, data)
    return _confirm_url(mail.outbox[-1])


def test_an_unconfirmed_address_can_be_invited_by_its_real_organisation(
    client, form_data, django_capture_on_commit_callbacks
):
    """Someone typed Maryam's address in an application; her own charity still invites her."""
    url = _confirm_url_after_apply(client, form_data, django_capture_on_commit_callbacks)
    real = OrganisationFactory(status=OrganisationStatus.ACTIVE)
    boss = CharityStaffFactory(role=Role.MANAGER, membership__organisation=real)
    membership = staff_invite(
        actor=boss,
        full_name="Maryam",
        email="Maryam@AlAmal.test",
        role=Role.CASEWORKER,
        site_url="http://testserver/",
    )
    assert membership.organisation == real
    assert membership.user.email == "maryam@alamal.test"
    # the old link can no longer take her: no second account, no move
    response = client.post(url)
    assert response.status_code == 200
    membership.refresh_from_db()
    assert membership.organisation == real
    assert User.objects.filter(email__iexact="maryam@alamal.test").count() == 1
    application = Organisation.objects.get(licence_number="LIC-2026-77").application
    assert application.manager_email_had_account
    assert not StaffMembership.objects.filter(organisation=application.organisation).exists()


def test_an_expired_confirmation_link_is_refused_and_creates_nothing(
    client, form_data, django_capture_on_commit_callbacks, settings
):
    settings.CHARITY_APPLY_CONFIRM_SECONDS = 3600
    with time_machine.travel("2026-03-01 09:00Z", tick=False):
        url = _confirm_url_after_apply(client, form_data, django_capture_on_commit_callbacks)
    client.cookies["django_language"] = "en"
    with time_machine.travel("2026-03-01 10:01Z", tick=False):
        response = client.post(url)
    assert response.status_code == 400
    assert "confirmation link has expired" in response.content.decode()
    assert not User.objects.filter(email__iexact="maryam@alamal.test").exists()
    assert not AuditEntry.objects.filter(action="organisation.manager_confirmed").exists()


def test_an_expired_unconfirmed_application_frees_its_licence_number(
    client, form_data, django_capture_on_commit_callbacks, settings
):
    settings.CHARITY_APPLY_CONFIRM_SECONDS = 3600
    with time_machine.travel("2026-03-01 09:00Z", tick=False):
        assert _post(client, form_data).status_code == 302
        # while the link works, the licence number is held
        again = _post(client, {**form_data, "manager_email": "other@alamal.test"})
        assert again.context["form"].has_error("licence_number")
    with time_machine.travel("2026-03-01 10:01Z", tick=False):
        response = _post(client, {**form_data, "manager_email": "other@alamal.test"})
    assert response.status_code == 302
    organisation = Organisation.objects.get(licence_number="LIC-2026-77")
    assert organisation.application.manager_email == "other@alamal.test"
    assert AuditEntry.objects.filter(action="organisation.application_discarded").count() == 1


@pytest.mark.parametrize(
    "token",
    ["forged", "MQ:1vQXyz:abcdefghijklmnopqrstuvwxyz0123456789abc"],
)
def test_a_forged_confirmation_link_is_refused_with_a_clear_message(
    client, form_data, token, django_capture_on_commit_callbacks
):
    _confirm_url_after_apply(client, form_data, django_capture_on_commit_callbacks)
    client.cookies["django_language"] = "en"
    response = client.post(f"/charity/apply/confirm/{token}/")
    assert response.status_code == 400
    assert "confirmation link is not valid" in response.content.decode()
    assert not User.objects.filter(email__iexact="maryam@alamal.test").exists()


def test_a_link_signed_for_another_purpose_is_refused(client, form_data):
    from django.core import signing

    _post(client, form_data)
    application = OrganisationApplication.objects.get()
    token = signing.dumps(application.pk)  # right key, wrong salt
    response = client.post(f"/charity/apply/confirm/{token}/")
    assert response.status_code == 400
    assert not User.objects.filter(email__iexact="maryam@alamal.test").exists()


def test_the_manager_of_a_pending_organisation_can_do_nothing_yet(
    client, form_data, django_capture_on_commit_callbacks
):
    _apply_and_confirm(client, form_data, django_capture_on_commit_callbacks)
    manager = User.objects.get(email="maryam@alamal.test")
    client.force_login(manager)
    assert client.get("/charity/").status_code == 403


def test_the_thank_you_page_explains_the_ministry_reviews(client):
    client.cookies["django_language"] = "en"
    response = client.get(THANKS)
    assert response.status_code == 200
    assert "ministry reviews every application" in response.content.decode()


def test_a_taken_licence_number_gets_a_clear_message_and_nothing_is_created(client, form_data):
    OrganisationFactory(licence_number="LIC-2026-77")
    client.cookies["django_language"] = "en"
    response = _post(client, form_data)
    assert response.status_code == 200
    assert "licence number is already registered" in response.content.decode()
    assert Organisation.objects.count() == 1
    assert not User.objects.filter(email="maryam@alamal.test").exists()
    assert not AuditEntry.objects.exists()


def test_licence_numbers_compare_without_case_and_with_arabic_digits(client, form_data):
    OrganisationFactory(licence_number="LIC-2026-77")
    response = _post(client, {**form_data, "licence_number": " Lic-٢٠٢٦-٧٧ "})
    assert response.status_code == 200
    assert response.context["form"].has_error("licence_number")


def test_sending_the_same_application_twice_creates_one_organisation(client, form_data):
    first = _post(client, form_data)
    second = _post(client, form_data)
    assert first.status_code == 302
    assert second.status_code == 200
    assert second.context["form"].has_error("licence_number")
    assert Organisation.objects.count() == 1
    assert not User.objects.filter(email="maryam@alamal.test").exists()


def test_an_e_mail_that_has_an_account_gets_the_same_answer_and_nothing_for_it(
    client, form_data, django_capture_on_commit_callbacks
):
    existing = CharityStaffFactory(email="maryam@alamal.test", role=Role.CASEWORKER)
    users_before = User.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, form_data)  # the e-mail is typed in another case
    assert response.status_code == 302
    assert response["Location"] == THANKS
    assert User.objects.count() == users_before
    organisation = Organisation.objects.get(licence_number="LIC-2026-77")
    assert not StaffMembership.objects.filter(organisation=organisation).exists()
    existing.membership.refresh_from_db()
    assert existing.membership.organisation != organisation
    # the ministry sees it on the application, and in the audit trail
    assert organisation.application.manager_email_had_account
    entry = AuditEntry.objects.get(action="organisation.applied")
    assert entry.data == {"manager_email_had_account": True}
    # only the holder of the address is told
    assert [m.to for m in mail.outbox] == [["maryam@alamal.test"]]
    assert "already has an account" in mail.outbox[0].body or "حساب" in mail.outbox[0].body


def test_the_answer_is_the_same_with_and_without_an_account(client, form_data):
    without = _post(client, form_data)
    StaffUserFactory(email="other@alamal.test")
    with_account = _post(
        client,
        {**form_data, "licence_number": "LIC-2", "manager_email": "other@alamal.test"},
    )
    assert without.status_code == with_account.status_code == 302
    assert without["Location"] == with_account["Location"]


def test_an_incomplete_application_shows_errors_and_creates_nothing(client, form_data):
    response = _post(client, {**form_data, "governorates": [], "phone": "call us"})
    assert response.status_code == 200
    assert response.context["form"].has_error("governorates")
    assert response.context["form"].has_error("phone")
    assert not Organisation.objects.exists()


def test_inactive_aid_types_cannot_be_asked_for(client, form_data):
    retired = AidTypeFactory(is_active=False)
    response = _post(client, {**form_data, "aid_types": [retired.pk]})
    assert response.status_code == 200
    assert response.context["form"].has_error("aid_types")


def test_submissions_are_rate_limited_per_address(client, form_data):
    statuses = [
        _post(client, {**form_data, "licence_number": f"LIC-{n}"}).status_code for n in range(6)
    ]
    assert statuses == [302] * 5 + [429]
    assert Organisation.objects.count() == 5
    # another address is not affected
    other = _post(client, {**form_data, "licence_number": "LIC-X"}, REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 302


def test_invalid_submissions_count_towards_the_limit_too(client, form_data):
    for _n in range(5):
        assert _post(client, {**form_data, "governorates": []}).status_code == 200
    assert _post(client, form_data).status_code == 429
    assert not Organisation.objects.exists()


def test_the_limit_can_be_set(client, form_data, settings):
    settings.CHARITY_APPLY_LIMIT_PER_IP = 1
    assert _post(client, form_data).status_code == 302
    assert _post(client, {**form_data, "licence_number": "LIC-3"}).status_code == 429


@pytest.mark.parametrize("url", [URL, THANKS])
def test_wrong_method_is_405(client, url):
    assert client.put(url).status_code == 405


def test_thank_you_page_refuses_post(client):
    assert client.post(THANKS).status_code == 405


# --- the service ----------------------------------------------------------------------------


def _apply(**overrides):
    data = {
        "name_ar": "جمعية",
        "name_en": "Society",
        "kind": OrganisationKind.FOUNDATION,
        "licence_number": "LIC-SVC",
        "governorates": [GovernorateFactory()],
        "aid_types": [AidTypeFactory()],
        "email": "",
        "phone": "",
        "manager_name": "Manager",
        "manager_email": "manager@society.test",
        "language": "en",
        "ip_address": None,
        "site_url": "http://testserver/",
        **overrides,
    }
    return organisation_apply(**data)


def test_service_refuses_a_taken_licence_number():
    _apply()
    with pytest.raises(LicenceNumberTaken):
        _apply(manager_email="someone-else@society.test")
    assert Organisation.objects.count() == 1
    assert OrganisationApplication.objects.count() == 1


def test_service_keeps_the_language_for_the_manager():
    organisation = _apply(language="en")
    organisation_application_confirm(
        token=application_confirm_token(organisation.application), ip_address=None
    )
    assert organisation.memberships.get().user.language == "en"
