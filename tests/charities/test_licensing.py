"""Ministry administrators license organisations: approve, suspend, reactivate, edit licence."""

import re

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Role, User
from accounts.permissions import Capability, capabilities
from audit.models import AuditEntry
from charities.exceptions import IllegalStatusMove, NotAllowed, OrganisationReasonRequired
from charities.models import (
    Organisation,
    OrganisationApplication,
    OrganisationKind,
    OrganisationStatus,
    OrganisationStatusChange,
)
from charities.services.claim import aid_request_claim
from charities.services.licensing import (
    organisation_apply,
    organisation_approve,
    organisation_licence_update,
    organisation_reactivate,
    organisation_suspend,
)
from charities.services.staff import application_confirm_token, organisation_application_confirm
from tests.factories import (
    AidRequestFactory,
    AidTypeFactory,
    CharityStaffFactory,
    GovernorateFactory,
    OrganisationFactory,
    StaffUserFactory,
)

pytestmark = pytest.mark.django_db
SITE = "https://portal.example/"
P, A, S = OrganisationStatus.PENDING, OrganisationStatus.ACTIVE, OrganisationStatus.SUSPENDED
MOVES = {
    "approve": organisation_approve,
    "suspend": organisation_suspend,
    "reactivate": organisation_reactivate,
}


@pytest.fixture
def admin():
    return StaffUserFactory(role=Role.MINISTRY_ADMIN)


@pytest.fixture
def official():
    return StaffUserFactory(role=Role.MINISTRY_OFFICIAL)


def _move(name, organisation, actor, reason="Licence checked with the registry."):
    return MOVES[name](organisation_id=organisation.pk, actor=actor, reason=reason, site_url=SITE)


# --- services: status moves -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "start", "end", "action"),
    [
        ("approve", P, A, "organisation.approved"),
        ("suspend", A, S, "organisation.suspended"),
        ("reactivate", S, A, "organisation.reactivated"),
    ],
)
def test_legal_moves_change_the_status_with_history_and_audit(admin, name, start, end, action):
    organisation = OrganisationFactory(status=start)
    _move(name, organisation, admin, reason="  Because.  ")
    organisation.refresh_from_db()
    assert organisation.status == end
    change = OrganisationStatusChange.objects.get(organisation=organisation)
    assert (change.from_status, change.to_status, change.reason, change.by) == (
        start,
        end,
        "Because.",
        admin,
    )
    assert change.at is not None
    entry = AuditEntry.objects.get(action=action)
    assert entry.actor == admin
    assert entry.object_id == str(organisation.pk)
    assert entry.organisation_id == organisation.pk
    assert entry.data == {"from": start.value, "to": end.value, "reason": "Because."}


@pytest.mark.parametrize(
    ("name", "start"),
    [
        ("approve", A),
        ("approve", S),
        ("suspend", P),
        ("suspend", S),
        ("reactivate", P),
        ("reactivate", A),
    ],
)
def test_illegal_moves_are_refused_and_change_nothing(admin, name, start):
    organisation = OrganisationFactory(status=start)
    with pytest.raises(IllegalStatusMove):
        _move(name, organisation, admin)
    organisation.refresh_from_db()
    assert organisation.status == start
    assert not OrganisationStatusChange.objects.exists()
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize("reason", ["", "   "])
@pytest.mark.parametrize("name", ["approve", "suspend", "reactivate"])
def test_every_move_needs_a_reason(admin, name, reason):
    start = {"approve": P, "suspend": A, "reactivate": S}[name]
    organisation = OrganisationFactory(status=start)
    with pytest.raises(OrganisationReasonRequired):
        _move(name, organisation, admin, reason=reason)
    organisation.refresh_from_db()
    assert organisation.status == start
    assert not OrganisationStatusChange.objects.exists()
    assert not AuditEntry.objects.exists()


@pytest.mark.parametrize(
    "make_actor",
    [
        lambda: StaffUserFactory(role=Role.MINISTRY_OFFICIAL),
        lambda: CharityStaffFactory(role=Role.MANAGER),
    ],
    ids=["official", "manager"],
)
def test_only_ministry_admins_may_move_an_organisation(make_actor):
    organisation = OrganisationFactory(status=P)
    with pytest.raises(NotAllowed):
        _move("approve", organisation, make_actor())
    organisation.refresh_from_db()
    assert organisation.status == P


def test_staff_of_a_suspended_organisation_can_no_longer_act(admin, needy, capital):
    organisation = OrganisationFactory(status=A, aid_types=[needy], governorates=[capital])
    manager = CharityStaffFactory(role=Role.MANAGER, membership__organisation=organisation)
    caseworker = CharityStaffFactory(membership__organisation=organisation)
    assert Capability.CLAIM_CASE in capabilities(caseworker)
    aid_request = AidRequestFactory(aid_type=needy, governorate=capital)
    _move("suspend", organisation, admin)
    for user in (manager, caseworker):
        fresh = User.objects.get(pk=user.pk)  # as on their next request
        assert capabilities(fresh) == frozenset()
    with pytest.raises(NotAllowed):
        aid_request_claim(aid_request_id=aid_request.pk, actor=User.objects.get(pk=caseworker.pk))
    _move("reactivate", organisation, admin)
    assert Capability.CLAIM_CASE in capabilities(User.objects.get(pk=caseworker.pk))


def test_approval_makes_the_applying_manager_able_to_act(admin):
    organisation = OrganisationFactory(status=P)
    manager = CharityStaffFactory(role=Role.MANAGER, membership__organisation=organisation)
    assert capabilities(manager) == frozenset()
    _move("approve", organisation, admin)
    assert Capability.MANAGE_STAFF in capabilities(User.objects.get(pk=manager.pk))


def test_history_keeps_every_move_newest_first(admin):
    organisation = OrganisationFactory(status=P)
    _move("approve", organisation, admin, reason="one")
    _move("suspend", organisation, admin, reason="two")
    _move("reactivate", organisation, admin, reason="three")
    reasons = list(organisation.status_changes.values_list("reason", flat=True))
    assert reasons == ["three", "two", "one"]


# --- services: e-mails ----------------------------------------------------------------------


def test_approval_e_mails_each_active_manager_how_to_set_a_password(
    admin, django_capture_on_commit_callbacks
):
    organisation = OrganisationFactory(status=P)
    manager = CharityStaffFactory(role=Role.MANAGER, membership__organisation=organisation)
    manager.set_unusable_password()
    manager.save()
    CharityStaffFactory(role=Role.CASEWORKER, membership__organisation=organisation)
    CharityStaffFactory(
        role=Role.MANAGER,
        membership__organisation=organisation,
        membership__is_active=False,
    )
    with django_capture_on_commit_callbacks(execute=True):
        _move("approve", organisation, admin)
    assert [m.to for m in mail.outbox] == [[manager.email]]
    body = mail.outbox[0].body
    assert "https://portal.example/accounts/password/reset/" in body
    assert "https://portal.example/accounts/login/" in body


def test_a_manager_who_has_a_password_is_told_to_sign_in(admin, django_capture_on_commit_callbacks):
    organisation = OrganisationFactory(status=P)
    manager = CharityStaffFactory(role=Role.MANAGER, membership__organisation=organisation)
    manager.language = "en"
    manager.save()
    with django_capture_on_commit_callbacks(execute=True):
        _move("approve", organisation, admin)
    body = mail.outbox[0].body
    assert "Sign in with your e-mail address and password" in body
    assert "password/reset" not in body
    assert mail.outbox[0].subject == "Musaada: your organisation is approved"


def test_e_mails_are_written_in_the_managers_language(admin, django_capture_on_commit_callbacks):
    organisation = OrganisationFactory(status=A, name_ar="جمعية النور", name_en="Al-Noor")
    manager = CharityStaffFactory(role=Role.MANAGER, membership__organisation=organisation)
    manager.language = "en"
    manager.save()
    with django_capture_on_commit_callbacks(execute=True):
        _move("suspend", organisation, admin)
    assert mail.outbox[0].subject == "Musaada: your organisation is suspended"
    assert "Al-Noor" in mail.outbox[0].body


def test_nothing_is_e_mailed_when_the_move_is_refused(admin, django_capture_on_commit_callbacks):
    organisation = OrganisationFactory(status=A)
    CharityStaffFactory(role=Role.MANAGER, membership__organisation=organisation)
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(IllegalStatusMove):
        _move("approve", organisation, admin)
    assert mail.outbox == []


def test_the_approved_manager_sets_a_password_with_allauths_reset_page(
    client, admin, django_capture_on_commit_callbacks
):
    """The e-mail's instructions work: reset page → code by e-mail → password → sign in."""
    organisation_apply(
        name_ar="جمعية",
        name_en="Society",
        kind=OrganisationKind.CHARITY,
        licence_number="LIC-FLOW",
        governorates=[GovernorateFactory()],
        aid_types=[AidTypeFactory()],
        email="",
        phone="",
        manager_name="New Manager",
        manager_email="new.manager@society.test",
        language="en",
        ip_address=None,
        site_url="http://testserver/",
    )
    applied = Organisation.objects.get(licence_number="LIC-FLOW")
    organisation_application_confirm(
        token=application_confirm_token(applied.application), ip_address=None
    )
    with django_capture_on_commit_callbacks(execute=True):
        _move("approve", applied, admin)
    mail.outbox.clear()
    response = client.post("/accounts/password/reset/", {"email": "new.manager@society.test"})
    assert response.status_code == 302
    code = re.search(r"\b([A-Z0-9]{6}|[A-Z0-9]{4}-[A-Z0-9]{4})\b", mail.outbox[-1].body)
    assert code, mail.outbox[-1].body
    confirm = client.post(response["Location"], {"code": code.group(1)})
    assert confirm.status_code == 302
    done = client.post(
        confirm["Location"],
        {"password1": "Brand-new-passw0rd", "password2": "Brand-new-passw0rd"},
    )
    assert done.status_code == 302
    manager = User.objects.get(email="new.manager@society.test")
    assert manager.check_password("Brand-new-passw0rd")
    client.logout()
    signed_in = client.post(
        "/accounts/login/",
        {"login": "new.manager@society.test", "password": "Brand-new-passw0rd"},
    )
    assert signed_in.status_code == 302
    assert client.get("/charity/").status_code == 200


# --- services: licence ----------------------------------------------------------------------


def test_licence_update_sets_governorates_and_aid_types_with_audit(admin):
    old_gov, new_gov = GovernorateFactory(), GovernorateFactory()
    old_type, new_type = AidTypeFactory(), AidTypeFactory()
    organisation = OrganisationFactory(governorates=[old_gov], aid_types=[old_type])
    organisation_licence_update(
        organisation_id=organisation.pk,
        actor=admin,
        governorates=[old_gov, new_gov],
        aid_types=[new_type],
    )
    assert set(organisation.governorates.all()) == {old_gov, new_gov}
    assert set(organisation.aid_types.all()) == {new_type}
    entry = AuditEntry.objects.get(action="organisation.licence_changed")
    assert entry.actor == admin
    assert entry.data == {
        "governorates": {"before": [old_gov.pk], "after": sorted([old_gov.pk, new_gov.pk])},
        "aid_types": {"before": [old_type.pk], "after": [new_type.pk]},
    }


def test_licence_update_without_a_change_writes_no_audit_entry(admin):
    gov, aid_type = GovernorateFactory(), AidTypeFactory()
    organisation = OrganisationFactory(governorates=[gov], aid_types=[aid_type])
    organisation_licence_update(
        organisation_id=organisation.pk, actor=admin, governorates=[gov], aid_types=[aid_type]
    )
    assert not AuditEntry.objects.exists()


def test_licence_update_limits_what_the_organisation_sees_next(admin, needy, student, capital):
    organisation = OrganisationFactory(aid_types=[needy], governorates=[capital])
    AidRequestFactory(aid_type=needy, governorate=capital)
    organisation_licence_update(
        organisation_id=organisation.pk, actor=admin, governorates=[capital], aid_types=[student]
    )
    from charities.selectors import open_requests_in_licence

    assert open_requests_in_licence(organisation).count() == 0


def test_only_ministry_admins_may_change_a_licence(official):
    gov = GovernorateFactory()
    organisation = OrganisationFactory()
    with pytest.raises(NotAllowed):
        organisation_licence_update(
            organisation_id=organisation.pk, actor=official, governorates=[gov], aid_types=[]
        )
    assert not organisation.governorates.exists()


# --- views: the list ------------------------------------------------------------------------

LIST = "/charity/licensing/"


def test_admin_sees_every_organisation_and_filters_by_status(client, admin):
    pending = OrganisationFactory(status=P)
    active = OrganisationFactory(status=A)
    suspended = OrganisationFactory(status=S)
    client.force_login(admin)
    response = client.get(LIST)
    assert response.status_code == 200
    assert set(response.context["page"].object_list) == {pending, active, suspended}
    assert {f["value"]: f["count"] for f in response.context["filters"]} == {
        "": 3,
        "pending": 1,
        "active": 1,
        "suspended": 1,
    }
    filtered = client.get(LIST, {"status": "pending"})
    assert list(filtered.context["page"].object_list) == [pending]
    assert client.get(LIST, {"status": "nonsense"}).context["status"] == ""


def test_the_list_costs_the_same_queries_for_many_organisations(client, admin):
    client.force_login(admin)
    OrganisationFactory.create_batch(2)
    with CaptureQueriesContext(connection) as few:
        client.get(LIST)
    OrganisationFactory.create_batch(20)
    with CaptureQueriesContext(connection) as many:
        client.get(LIST)
    assert len(many) == len(few)


@pytest.mark.parametrize(
    "make_user",
    [
        lambda: StaffUserFactory(role=Role.MINISTRY_OFFICIAL),
        lambda: CharityStaffFactory(role=Role.MANAGER),
    ],
    ids=["official", "manager"],
)
@pytest.mark.parametrize("url", [LIST, "/charity/licensing/{pk}/"])
def test_others_get_403(client, make_user, url):
    organisation = OrganisationFactory()
    client.force_login(make_user())
    assert client.get(url.format(pk=organisation.pk)).status_code == 403


@pytest.mark.parametrize("url", [LIST, "/charity/licensing/{pk}/"])
def test_anonymous_is_sent_to_sign_in(client, url):
    organisation = OrganisationFactory()
    response = client.get(url.format(pk=organisation.pk))
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("url", [LIST, "/charity/licensing/{pk}/"])
def test_pages_refuse_post(client, admin, url):
    organisation = OrganisationFactory()
    client.force_login(admin)
    assert client.post(url.format(pk=organisation.pk)).status_code == 405


# --- views: one organisation ----------------------------------------------------------------


def test_detail_offers_the_moves_of_the_current_status(client, admin):
    client.force_login(admin)
    for status, moves in [(P, ["approve"]), (A, ["suspend"]), (S, ["reactivate"])]:
        organisation = OrganisationFactory(status=status)
        response = client.get(f"/charity/licensing/{organisation.pk}/")
        assert response.status_code == 200
        assert [m["name"] for m in response.context["moves"]] == moves


def test_detail_tells_when_the_managers_e_mail_already_had_an_account(client, admin):
    organisation = OrganisationFactory(status=P)
    OrganisationApplication.objects.create(
        organisation=organisation,
        manager_name="M",
        manager_email="taken@example.test",
        manager_email_had_account=True,
        submitted_at=organisation.created_at,
    )
    client.force_login(admin)
    response = client.get(f"/charity/licensing/{organisation.pk}/")
    assert 'data-testid="email-had-account"' in response.content.decode()


def test_detail_tells_when_the_manager_has_not_confirmed_the_e_mail(client, admin):
    organisation = OrganisationFactory(status=P)
    application = OrganisationApplication.objects.create(
        organisation=organisation,
        manager_name="M",
        manager_email="new@example.test",
        submitted_at=organisation.created_at,
    )
    client.force_login(admin)
    url = f"/charity/licensing/{organisation.pk}/"
    assert 'data-testid="email-unconfirmed"' in client.get(url).content.decode()
    organisation_application_confirm(token=application_confirm_token(application), ip_address=None)
    assert 'data-testid="email-unconfirmed"' not in client.get(url).content.decode()
    assert organisation.memberships.get().user.email == "new@example.test"


def test_detail_of_an_unknown_organisation_is_404(client, admin):
    client.force_login(admin)
    assert client.get("/charity/licensing/999999/").status_code == 404


@pytest.mark.parametrize(
    ("name", "start", "end"),
    [("approve", P, A), ("suspend", A, S), ("reactivate", S, A)],
)
def test_admin_moves_an_organisation_with_a_reason(client, admin, name, start, end):
    organisation = OrganisationFactory(status=start)
    client.force_login(admin)
    response = client.post(
        f"/charity/licensing/{organisation.pk}/{name}/", {"reason": "Checked."}, follow=True
    )
    assert response.redirect_chain[-1][0] == f"/charity/licensing/{organisation.pk}/"
    organisation.refresh_from_db()
    assert organisation.status == end
    assert [m.level_tag for m in response.context["messages"]] == ["success"]
    assert organisation.status_changes.get().reason == "Checked."


def test_a_move_without_reason_is_refused_with_a_message(client, admin):
    organisation = OrganisationFactory(status=P)
    client.force_login(admin)
    client.cookies["django_language"] = "en"
    response = client.post(f"/charity/licensing/{organisation.pk}/approve/", {}, follow=True)
    organisation.refresh_from_db()
    assert organisation.status == P
    assert "Give a reason" in response.content.decode()


def test_an_illegal_move_is_shown_as_a_message(client, admin):
    organisation = OrganisationFactory(status=A)
    client.force_login(admin)
    response = client.post(
        f"/charity/licensing/{organisation.pk}/approve/", {"reason": "again"}, follow=True
    )
    assert response.status_code == 200
    assert [m.level_tag for m in response.context["messages"]] == ["error"]
    assert not OrganisationStatusChange.objects.exists()


def test_approving_through_the_page_e_mails_the_manager(
    client, admin, django_capture_on_commit_callbacks
):
    organisation = OrganisationFactory(status=P)
    manager = CharityStaffFactory(role=Role.MANAGER, membership__organisation=organisation)
    client.force_login(admin)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/charity/licensing/{organisation.pk}/approve/", {"reason": "ok"})
    assert [m.to for m in mail.outbox] == [[manager.email]]
    assert "http://testserver/accounts/" in mail.outbox[0].body


def test_admin_edits_the_licence(client, admin):
    gov, aid_type = GovernorateFactory(), AidTypeFactory()
    organisation = OrganisationFactory()
    client.force_login(admin)
    response = client.post(
        f"/charity/licensing/{organisation.pk}/licence/",
        {"governorates": [gov.pk], "aid_types": [aid_type.pk]},
    )
    assert response.status_code == 302
    assert list(organisation.governorates.all()) == [gov]
    assert list(organisation.aid_types.all()) == [aid_type]


def test_an_empty_licence_is_refused(client, admin):
    gov = GovernorateFactory()
    organisation = OrganisationFactory(governorates=[gov])
    client.force_login(admin)
    response = client.post(f"/charity/licensing/{organisation.pk}/licence/", {}, follow=True)
    assert {m.level_tag for m in response.context["messages"]} == {"error"}
    assert list(organisation.governorates.all()) == [gov]


ACTIONS = ["approve", "suspend", "reactivate", "licence"]


@pytest.mark.parametrize("action", ACTIONS)
def test_actions_refuse_get(client, admin, action):
    organisation = OrganisationFactory()
    client.force_login(admin)
    assert client.get(f"/charity/licensing/{organisation.pk}/{action}/").status_code == 405


@pytest.mark.parametrize("action", ACTIONS)
def test_actions_are_403_for_ministry_officials(client, official, action):
    organisation = OrganisationFactory(status=P)
    client.force_login(official)
    response = client.post(f"/charity/licensing/{organisation.pk}/{action}/", {"reason": "x"})
    assert response.status_code == 403
    organisation.refresh_from_db()
    assert organisation.status == P


@pytest.mark.parametrize("action", ACTIONS)
def test_actions_send_anonymous_to_sign_in(client, action):
    organisation = OrganisationFactory(status=P)
    response = client.post(f"/charity/licensing/{organisation.pk}/{action}/", {"reason": "x"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("action", ACTIONS)
def test_actions_on_an_unknown_organisation_are_404(client, admin, action):
    client.force_login(admin)
    assert client.post(f"/charity/licensing/999999/{action}/", {"reason": "x"}).status_code == 404
