"""Managers run the staff of their own organisation: invite, change role, remove."""

import pytest
from allauth.mfa.models import Authenticator
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Role, User
from accounts.permissions import Capability, capabilities
from audit.models import AuditEntry
from charities.exceptions import (
    AlreadyOnStaff,
    EmailAlreadyHasAccount,
    LastManager,
    NotAllowed,
    RoleNotAllowed,
)
from charities.models import OrganisationStatus, StaffMembership
from charities.services.staff import staff_invite, staff_remove, staff_role_change
from tests.factories import (
    ApplicantUserFactory,
    CharityStaffFactory,
    OrganisationFactory,
    StaffUserFactory,
)

pytestmark = pytest.mark.django_db
SITE = "https://portal.example/"


@pytest.fixture
def organisation():
    return OrganisationFactory(status=OrganisationStatus.ACTIVE)


@pytest.fixture
def manager(organisation):
    return CharityStaffFactory(role=Role.MANAGER, membership__organisation=organisation)


@pytest.fixture
def caseworker(organisation):
    return CharityStaffFactory(role=Role.CASEWORKER, membership__organisation=organisation)


@pytest.fixture
def other_member():
    """A caseworker of another organisation."""
    return CharityStaffFactory(role=Role.CASEWORKER)


def _invite(actor, email="new.person@example.test", role=Role.CASEWORKER, name="New Person"):
    return staff_invite(actor=actor, full_name=name, email=email, role=role, site_url=SITE)


def _fresh(user):
    """The user as loaded on their next request."""
    return User.objects.get(pk=user.pk)


def _totp(user):
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "x"})


# --- services: invite -----------------------------------------------------------------------


def test_invite_creates_an_account_without_password_and_a_membership(
    manager, organisation, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        membership = _invite(manager, email="New.Person@Example.test", role=Role.MANAGER)
    user = membership.user
    assert user.email == "new.person@example.test"
    assert user.role == Role.MANAGER
    assert user.full_name == "New Person"
    assert not user.has_usable_password()
    assert membership.organisation == organisation
    assert membership.is_active
    entry = AuditEntry.objects.get(action="staff.invited")
    assert entry.actor == manager
    assert entry.organisation_id == organisation.pk
    assert entry.data == {"user": user.pk, "role": "manager"}
    assert [m.to for m in mail.outbox] == [["new.person@example.test"]]
    assert "https://portal.example/accounts/password/reset/" in mail.outbox[0].body
    # the invited person may act as soon as they sign in
    assert Capability.MANAGE_STAFF in capabilities(_fresh(user))


@pytest.mark.parametrize(
    "make_existing",
    [
        lambda: CharityStaffFactory(email="taken@example.test"),  # another organisation's
        lambda: StaffUserFactory(email="taken@example.test", role=Role.MINISTRY_OFFICIAL),
        lambda: ApplicantUserFactory(email="taken@example.test"),
    ],
    ids=["other-organisation", "ministry", "applicant"],
)
def test_invite_of_an_e_mail_with_an_account_creates_nothing(
    manager, make_existing, django_capture_on_commit_callbacks
):
    existing = make_existing()
    users = User.objects.count()
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(EmailAlreadyHasAccount):
        _invite(manager, email="TAKEN@example.test")
    assert User.objects.count() == users
    assert _fresh(existing).role == existing.role
    assert not AuditEntry.objects.exists()
    assert mail.outbox == []


def test_invite_of_a_current_member_says_so(manager, caseworker):
    with pytest.raises(AlreadyOnStaff):
        _invite(manager, email=caseworker.email, role=Role.MANAGER)
    assert _fresh(caseworker).role == Role.CASEWORKER


def test_invite_of_a_former_member_takes_them_back(manager, caseworker):
    staff_remove(actor=manager, membership_id=caseworker.membership.pk)
    membership = _invite(manager, email=caseworker.email, role=Role.MANAGER, name="")
    assert membership.pk == caseworker.membership.pk
    assert membership.is_active
    assert _fresh(caseworker).role == Role.MANAGER
    assert _fresh(caseworker).full_name == caseworker.full_name
    assert AuditEntry.objects.filter(action="staff.reinstated").count() == 1


def test_invite_only_gives_charity_roles(manager):
    with pytest.raises(RoleNotAllowed):
        _invite(manager, role=Role.MINISTRY_ADMIN)
    assert not User.objects.filter(email="new.person@example.test").exists()


def test_caseworkers_cannot_invite(caseworker):
    with pytest.raises(NotAllowed):
        _invite(caseworker)


@pytest.mark.parametrize("status", [OrganisationStatus.PENDING, OrganisationStatus.SUSPENDED])
def test_managers_of_an_inactive_organisation_cannot_invite(status):
    manager = CharityStaffFactory(
        role=Role.MANAGER, membership__organisation=OrganisationFactory(status=status)
    )
    with pytest.raises(NotAllowed):
        _invite(manager)


# --- services: role -------------------------------------------------------------------------


def test_role_change_both_ways_with_audit(manager, caseworker):
    staff_role_change(actor=manager, membership_id=caseworker.membership.pk, role=Role.MANAGER)
    assert _fresh(caseworker).role == Role.MANAGER
    assert Capability.MANAGE_STAFF in capabilities(_fresh(caseworker))
    staff_role_change(actor=manager, membership_id=caseworker.membership.pk, role=Role.CASEWORKER)
    assert _fresh(caseworker).role == Role.CASEWORKER
    entries = AuditEntry.objects.filter(action="staff.role_changed").order_by("id")
    assert [e.data for e in entries] == [
        {"user": caseworker.pk, "from": "caseworker", "to": "manager"},
        {"user": caseworker.pk, "from": "manager", "to": "caseworker"},
    ]


def test_the_same_role_changes_nothing(manager, caseworker):
    staff_role_change(actor=manager, membership_id=caseworker.membership.pk, role=Role.CASEWORKER)
    assert not AuditEntry.objects.exists()


def test_the_last_manager_cannot_demote_themselves(manager, caseworker):
    with pytest.raises(LastManager):
        staff_role_change(actor=manager, membership_id=manager.membership.pk, role=Role.CASEWORKER)
    assert _fresh(manager).role == Role.MANAGER
    assert not AuditEntry.objects.exists()


def test_a_manager_may_step_down_when_another_manager_remains(manager, organisation):
    CharityStaffFactory(role=Role.MANAGER, membership__organisation=organisation)
    staff_role_change(actor=manager, membership_id=manager.membership.pk, role=Role.CASEWORKER)
    assert _fresh(manager).role == Role.CASEWORKER


def test_a_removed_manager_does_not_count_as_the_remaining_one(manager, organisation):
    other = CharityStaffFactory(role=Role.MANAGER, membership__organisation=organisation)
    staff_remove(actor=manager, membership_id=other.membership.pk)
    with pytest.raises(LastManager):
        staff_role_change(actor=manager, membership_id=manager.membership.pk, role=Role.CASEWORKER)


def test_role_change_only_to_charity_roles(manager, caseworker):
    with pytest.raises(RoleNotAllowed):
        staff_role_change(
            actor=manager, membership_id=caseworker.membership.pk, role=Role.MINISTRY_ADMIN
        )


def test_role_change_of_another_organisations_staff_is_refused(manager, other_member):
    with pytest.raises(NotAllowed):
        staff_role_change(
            actor=manager, membership_id=other_member.membership.pk, role=Role.MANAGER
        )
    assert _fresh(other_member).role == Role.CASEWORKER


# --- services: remove -----------------------------------------------------------------------


def test_removed_staff_can_no_longer_act(manager, caseworker):
    assert Capability.CLAIM_CASE in capabilities(caseworker)
    staff_remove(actor=manager, membership_id=caseworker.membership.pk)
    membership = StaffMembership.objects.get(pk=caseworker.membership.pk)
    assert not membership.is_active
    assert capabilities(_fresh(caseworker)) == frozenset()
    entry = AuditEntry.objects.get(action="staff.removed")
    assert entry.data == {"user": caseworker.pk, "role": "caseworker"}
    assert entry.organisation_id == manager.membership.organisation_id


def test_the_last_manager_cannot_remove_themselves(manager):
    with pytest.raises(LastManager):
        staff_remove(actor=manager, membership_id=manager.membership.pk)
    assert StaffMembership.objects.get(pk=manager.membership.pk).is_active


def test_a_manager_may_leave_when_another_manager_remains(manager, organisation):
    CharityStaffFactory(role=Role.MANAGER, membership__organisation=organisation)
    staff_remove(actor=manager, membership_id=manager.membership.pk)
    assert capabilities(_fresh(manager)) == frozenset()


def test_removing_another_organisations_staff_is_refused(manager, other_member):
    with pytest.raises(NotAllowed):
        staff_remove(actor=manager, membership_id=other_member.membership.pk)
    assert StaffMembership.objects.get(pk=other_member.membership.pk).is_active


def test_removing_twice_is_refused(manager, caseworker):
    staff_remove(actor=manager, membership_id=caseworker.membership.pk)
    with pytest.raises(NotAllowed):
        staff_remove(actor=manager, membership_id=caseworker.membership.pk)
    assert AuditEntry.objects.filter(action="staff.removed").count() == 1


def test_caseworkers_cannot_remove_or_change_roles(caseworker, manager):
    with pytest.raises(NotAllowed):
        staff_remove(actor=caseworker, membership_id=manager.membership.pk)
    with pytest.raises(NotAllowed):
        staff_role_change(
            actor=caseworker, membership_id=caseworker.membership.pk, role=Role.MANAGER
        )


# --- views: the staff page ------------------------------------------------------------------

URL = "/charity/staff/"


def test_manager_sees_current_and_former_staff_with_their_second_factor(
    client, manager, caseworker, organisation, other_member
):
    _totp(caseworker)
    former = CharityStaffFactory(membership__organisation=organisation)
    staff_remove(actor=manager, membership_id=former.membership.pk)
    client.force_login(manager)
    response = client.get(URL)
    assert response.status_code == 200
    current = {m.user: m.has_second_factor for m in response.context["current"]}
    assert current == {manager: False, caseworker: True}
    assert [m.user for m in response.context["former"]] == [former]
    assert other_member.email not in response.content.decode()
    assert 'data-testid="2fa-yes"' in response.content.decode()


def test_the_staff_page_costs_the_same_queries_for_many_members(client, manager, organisation):
    client.force_login(manager)
    with CaptureQueriesContext(connection) as few:
        client.get(URL)
    for user in CharityStaffFactory.create_batch(10, membership__organisation=organisation):
        _totp(user)
    with CaptureQueriesContext(connection) as many:
        client.get(URL)
    assert len(many) == len(few)


@pytest.mark.parametrize(
    "make_user",
    [
        lambda: CharityStaffFactory(role=Role.CASEWORKER),
        lambda: StaffUserFactory(role=Role.MINISTRY_ADMIN),
        ApplicantUserFactory,
    ],
    ids=["caseworker", "ministry-admin", "applicant"],
)
def test_others_get_403(client, make_user):
    client.force_login(make_user())
    assert client.get(URL).status_code == 403


def test_managers_of_a_suspended_organisation_get_403(client):
    manager = CharityStaffFactory(
        role=Role.MANAGER,
        membership__organisation=OrganisationFactory(status=OrganisationStatus.SUSPENDED),
    )
    client.force_login(manager)
    assert client.get(URL).status_code == 403


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_staff_page_refuses_post(client, manager):
    client.force_login(manager)
    assert client.post(URL).status_code == 405


# --- views: two-factor reminder and the dashboard link --------------------------------------


@pytest.mark.parametrize("url", [URL, "/charity/"])
def test_reminder_to_set_up_a_second_factor_when_required(client, settings, manager, url):
    settings.STAFF_REQUIRE_MFA = True
    client.force_login(manager)
    content = client.get(url).content.decode()
    assert 'data-testid="mfa-reminder"' in content
    assert 'href="/accounts/2fa/"' in content


@pytest.mark.parametrize("url", [URL, "/charity/"])
def test_no_reminder_with_a_second_factor(client, settings, manager, url):
    settings.STAFF_REQUIRE_MFA = True
    _totp(manager)
    client.force_login(manager)
    assert 'data-testid="mfa-reminder"' not in client.get(url).content.decode()


@pytest.mark.parametrize("url", [URL, "/charity/"])
def test_no_reminder_when_not_required(client, settings, manager, url):
    settings.STAFF_REQUIRE_MFA = False
    client.force_login(manager)
    assert 'data-testid="mfa-reminder"' not in client.get(url).content.decode()


def test_dashboard_links_to_staff_for_managers_only(client, manager, caseworker):
    client.force_login(manager)
    assert 'data-testid="manage-staff"' in client.get("/charity/").content.decode()
    client.force_login(caseworker)
    assert 'data-testid="manage-staff"' not in client.get("/charity/").content.decode()


# --- views: invite --------------------------------------------------------------------------

INVITE = "/charity/staff/invite/"
NEW = {"full_name": "Sara Ahmad", "email": "sara@example.test", "role": "caseworker"}


def test_manager_invites_by_e_mail(
    client, manager, organisation, django_capture_on_commit_callbacks
):
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(INVITE, NEW)
    assert response.status_code == 302
    assert response["Location"] == URL
    user = User.objects.get(email="sara@example.test")
    assert user.membership.organisation == organisation
    assert [m.to for m in mail.outbox] == [["sara@example.test"]]
    assert "http://testserver/accounts/password/reset/" in mail.outbox[0].body


def test_invite_of_an_e_mail_with_an_account_shows_the_message(client, manager, other_member):
    client.force_login(manager)
    client.cookies["django_language"] = "en"
    response = client.post(INVITE, {**NEW, "email": other_member.email})
    assert response.status_code == 200
    assert "already has an account; ask the ministry to move it" in response.content.decode()
    assert _fresh(other_member).membership.organisation != manager.membership.organisation


def test_invite_with_a_bad_form_shows_errors(client, manager):
    client.force_login(manager)
    response = client.post(INVITE, {**NEW, "email": "not-an-address", "role": "ministry_admin"})
    assert response.status_code == 200
    assert response.context["invite_form"].has_error("email")
    assert response.context["invite_form"].has_error("role")
    assert not User.objects.filter(full_name="Sara Ahmad").exists()


def test_invite_refuses_get(client, manager):
    client.force_login(manager)
    assert client.get(INVITE).status_code == 405


def test_invite_is_403_for_caseworkers(client, caseworker):
    client.force_login(caseworker)
    assert client.post(INVITE, NEW).status_code == 403
    assert not User.objects.filter(email="sara@example.test").exists()


def test_invite_sends_anonymous_to_sign_in(client):
    response = client.post(INVITE, NEW)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


# --- views: role and remove -----------------------------------------------------------------


def test_manager_changes_a_role(client, manager, caseworker):
    client.force_login(manager)
    response = client.post(f"/charity/staff/{caseworker.membership.pk}/role/", {"role": "manager"})
    assert response.status_code == 302
    assert response["Location"] == URL
    assert _fresh(caseworker).role == Role.MANAGER


def test_the_last_manager_demoting_themselves_gets_a_message(client, manager):
    client.force_login(manager)
    response = client.post(
        f"/charity/staff/{manager.membership.pk}/role/", {"role": "caseworker"}, follow=True
    )
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert _fresh(manager).role == Role.MANAGER


def test_a_manager_who_steps_down_goes_home(client, manager, organisation):
    CharityStaffFactory(role=Role.MANAGER, membership__organisation=organisation)
    client.force_login(manager)
    response = client.post(f"/charity/staff/{manager.membership.pk}/role/", {"role": "caseworker"})
    assert response["Location"] == "/"


def test_a_bad_role_is_refused(client, manager, caseworker):
    client.force_login(manager)
    response = client.post(
        f"/charity/staff/{caseworker.membership.pk}/role/", {"role": "ministry_admin"}, follow=True
    )
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert _fresh(caseworker).role == Role.CASEWORKER


def test_manager_removes_a_member(client, manager, caseworker):
    client.force_login(manager)
    response = client.post(f"/charity/staff/{caseworker.membership.pk}/remove/")
    assert response.status_code == 302
    assert response["Location"] == URL
    assert capabilities(_fresh(caseworker)) == frozenset()


def test_the_last_manager_removing_themselves_gets_a_message(client, manager):
    client.force_login(manager)
    response = client.post(f"/charity/staff/{manager.membership.pk}/remove/", follow=True)
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert StaffMembership.objects.get(pk=manager.membership.pk).is_active


ACTIONS = ["role", "remove"]


@pytest.mark.parametrize("action", ACTIONS)
def test_another_organisations_staff_ids_are_404(client, manager, other_member, action):
    client.force_login(manager)
    response = client.post(
        f"/charity/staff/{other_member.membership.pk}/{action}/", {"role": "manager"}
    )
    assert response.status_code == 404
    assert _fresh(other_member).role == Role.CASEWORKER
    assert StaffMembership.objects.get(pk=other_member.membership.pk).is_active


@pytest.mark.parametrize("action", ACTIONS)
def test_actions_refuse_get(client, manager, caseworker, action):
    client.force_login(manager)
    assert client.get(f"/charity/staff/{caseworker.membership.pk}/{action}/").status_code == 405


@pytest.mark.parametrize("action", ACTIONS)
def test_actions_are_403_for_caseworkers(client, caseworker, manager, action):
    client.force_login(caseworker)
    response = client.post(f"/charity/staff/{manager.membership.pk}/{action}/", {"role": "x"})
    assert response.status_code == 403


@pytest.mark.parametrize("action", ACTIONS)
def test_actions_send_anonymous_to_sign_in(client, caseworker, action):
    response = client.post(f"/charity/staff/{caseworker.membership.pk}/{action}/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
