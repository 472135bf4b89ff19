"""Every page of paid volunteering against every kind of user, and the wrong HTTP method.

Public: the list and an opportunity's page. Applicants: their own applications (404 for
another's). Organisations: their own opportunities and applications (404 for another
organisation's); publishing, editing and completing are for managers, deciding for caseworkers
and managers, hours and stipends for those who record payments. Ministry staff have none of
these (403); anonymous users are sent to sign in.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from accounts.models import Role
from tests.factories import StaffUserFactory
from tests.factories.cases import on
from tests.volunteering.conftest import licensed_org, opportunity, staff, volunteer
from volunteering.models import Application, ApplicationStatus, HourLog, Opportunity
from volunteering.services import applications, hours

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 2, 5)

PUBLISH = {
    "title_ar": "مساعد",
    "title_en": "Helper",
    "description_ar": "وصف",
    "description_en": "Description",
    "kind": "community",
    "place": "Hawalli",
    "starts_on": "2026-03-01",
    "ends_on": "2026-05-31",
    "hours_per_week": "10",
    "seats": "2",
    "stipend_basis": "hourly",
    "rate": "1.500",
    "closes_on": "2026-02-20",
}


@pytest.fixture
def world(capital):
    """Organisation A's opportunity with an accepted volunteer (one week logged) and an
    applicant waiting; A's manager and caseworker."""
    org = licensed_org(capital)
    manager, worker = staff(org, Role.MANAGER), staff(org)
    job = opportunity(org, capital, closes_on=datetime.date(2026, 2, 10))
    placed, waiting = volunteer(capital), volunteer(capital)
    with on(datetime.date(2026, 1, 2)):
        accepted = applications.application_submit(opportunity_id=job.pk, applicant=placed)
        applications.application_accept(application_id=accepted.pk, actor=worker)
        pending = applications.application_submit(opportunity_id=job.pk, applicant=waiting)
    with on(TODAY):
        log = hours.hours_log(application_id=accepted.pk, actor=worker, week=1, hours=Decimal(12))
    return {
        "capital": capital,
        "job": job,
        "accepted": accepted,
        "pending": pending,
        "log": log,
        "manager": manager,
        "caseworker": worker,
        "volunteer": placed,
        "waiting": waiting,
    }


def user(kind, world):
    other = licensed_org(world["capital"])
    return {
        "manager": lambda: world["manager"],
        "caseworker": lambda: world["caseworker"],
        "other-manager": lambda: staff(other, Role.MANAGER),
        "other-caseworker": lambda: staff(other),
        "ministry-official": lambda: StaffUserFactory(role=Role.MINISTRY_OFFICIAL),
        "ministry-admin": lambda: StaffUserFactory(role=Role.MINISTRY_ADMIN),
        "applicant": lambda: world["volunteer"],
        "other-applicant": lambda: volunteer(world["capital"]),
    }[kind]()


# name → (method, path with {job} {acc} {pend} {log}, data, who may)
STAFF = {
    "staff_list": ("get", "organisation/", {}, "staff"),
    "publish_form": ("get", "organisation/new/", {}, "manager"),
    "publish": ("post", "organisation/new/", PUBLISH, "manager"),
    "opportunity": ("get", "organisation/{job}/", {}, "staff"),
    "edit_form": ("get", "organisation/{job}/edit/", {}, "manager"),
    "edit": ("post", "organisation/{job}/edit/", {}, "manager"),
    "complete": ("post", "organisation/{job}/complete/", {}, "manager"),
    "placement": ("get", "organisation/applications/{acc}/", {}, "staff"),
    "shortlist": ("post", "organisation/applications/{pend}/shortlist/", {}, "staff"),
    "accept": ("post", "organisation/applications/{pend}/accept/", {}, "staff"),
    "decline": ("post", "organisation/applications/{pend}/decline/", {"reason": "لا"}, "staff"),
    "hours": ("post", "organisation/applications/{acc}/hours/", {"week": 2, "hours": 8}, "staff"),
    "pay": (
        "post",
        "organisation/applications/{acc}/pay/",
        {"paid_on": "2026-02-05", "method": "bank_transfer"},
        "staff",
    ),
}
APPLICANT = {
    "mine": ("get", "mine/", {}),
    "my_application": ("get", "mine/{acc}/", {}),
    "certificate": ("get", "mine/{acc}/certificate/", {}),
    "withdraw": ("post", "mine/{acc}/withdraw/", {}),
    "confirm": ("post", "mine/{acc}/hours/{log}/confirm/", {}),
    "dispute": ("post", "mine/{acc}/hours/{log}/dispute/", {"reason": "ساعات أكثر"}),
}
#: Pages that name no object of an organisation (lists and forms): never a 404.
NO_OBJECT = {"staff_list", "publish_form", "publish", "mine"}


def url(world, path):
    return "/volunteering/" + path.format(
        job=world["job"].pk, acc=world["accepted"].pk, pend=world["pending"].pk, log=world["log"].pk
    )


def data_for(name, world, data):
    if name == "edit":
        return {
            **PUBLISH,
            "seats": "5",
            "starts_on": "2026-01-04",
            "ends_on": "2026-04-03",
            "hours_per_week": "12",
            "rate": "1.250",
            "closes_on": "2026-02-10",
            "governorate": world["capital"].pk,
        }
    if name == "publish":
        return {**data, "governorate": world["capital"].pk}
    return data


def nothing_changed(world):
    world["job"].refresh_from_db()
    assert world["job"].accepted_count == 1
    assert world["job"].seats == 3
    assert world["job"].completed_at is None
    assert Opportunity.objects.filter(organisation=world["job"].organisation).count() == 1
    assert Application.objects.get(pk=world["pending"].pk).status == ApplicationStatus.APPLIED
    assert Application.objects.get(pk=world["accepted"].pk).status == ApplicationStatus.ACCEPTED
    assert HourLog.objects.count() == 1
    assert HourLog.objects.get().status == "logged"


@pytest.mark.parametrize("name", list(STAFF))
@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("other-manager", 404),
        ("other-caseworker", 404),
        ("ministry-official", 403),
        ("ministry-admin", 403),
        ("applicant", 403),
    ],
)
def test_nobody_outside_the_organisation_gets_in(client, world, name, kind, expected):
    verb, path, data, who = STAFF[name]
    if name in NO_OBJECT and kind.startswith("other-"):
        expected = 200 if verb == "get" else 302  # their own list and form
        if who == "manager" and kind == "other-caseworker":
            expected = 403
    elif kind == "other-caseworker" and who == "manager":
        expected = 403  # refused by role before any object is looked up
    client.force_login(user(kind, world))
    with on(TODAY):
        response = getattr(client, verb)(url(world, path), data_for(name, world, data))
    assert response.status_code == expected
    nothing_changed(world)


@pytest.mark.parametrize("name", list(STAFF))
@pytest.mark.parametrize("kind", ["manager", "caseworker"])
def test_the_organisation_gets_in_as_its_role_allows(client, world, name, kind):
    verb, path, data, who = STAFF[name]
    client.force_login(world[kind])
    with on(TODAY):
        response = getattr(client, verb)(url(world, path), data_for(name, world, data))
    if kind == "caseworker" and who == "manager":
        assert response.status_code == 403
        nothing_changed(world)
    else:
        assert response.status_code == (200 if verb == "get" else 302), name


@pytest.mark.parametrize("name", list(STAFF) + list(APPLICANT))
def test_anonymous_is_sent_to_sign_in(client, world, name):
    verb, path, data = (STAFF.get(name) or APPLICANT[name])[:3]
    response = getattr(client, verb)(url(world, path), data)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    nothing_changed(world)


@pytest.mark.parametrize("name", list(APPLICANT))
@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("other-applicant", 404),
        ("manager", 403),
        ("caseworker", 403),
        ("ministry-official", 403),
    ],
)
def test_only_the_applicant_opens_their_application(client, world, name, kind, expected):
    verb, path, data = APPLICANT[name]
    if name == "mine" and kind == "other-applicant":
        expected = 200  # their own (empty) list
    client.force_login(user(kind, world))
    with on(TODAY):
        response = getattr(client, verb)(url(world, path), data)
    assert response.status_code == expected
    nothing_changed(world)


@pytest.mark.parametrize("name", list(APPLICANT))
def test_the_applicant_opens_their_own(client, world, name):
    verb, path, data = APPLICANT[name]
    client.force_login(world["volunteer"])
    with on(TODAY):
        response = getattr(client, verb)(url(world, path), data)
    # the certificate waits for the end of the placement: back to the application
    assert response.status_code == (200 if verb == "get" and name != "certificate" else 302)


@pytest.mark.parametrize("name", list(STAFF) + list(APPLICANT))
def test_the_wrong_method_is_405(client, world, name):
    verb, path, data = (STAFF.get(name) or APPLICANT[name])[:3]
    if name in {"publish_form", "publish", "edit_form", "edit"}:
        pytest.skip("a form page answers GET and POST")
    client.force_login(world["manager"] if name in STAFF else world["volunteer"])
    wrong = "post" if verb == "get" else "get"
    assert getattr(client, wrong)(url(world, path)).status_code == 405
    assert client.put(url(world, path)).status_code == 405


def test_the_public_list_and_page_are_open_to_everyone_with_filters(client, world):
    with on(TODAY):
        assert client.get("/volunteering/").status_code == 200
        page = client.get(f"/volunteering/{world['job'].pk}/")
        assert page.status_code == 200
        listed = client.get("/volunteering/", {"kind": "education"}).context["opportunities"]
        assert [o.pk for o in listed] == [world["job"].pk]
        assert not list(client.get("/volunteering/", {"kind": "health"}).context["opportunities"])
        assert not list(
            client.get("/volunteering/", {"starts_from": "2026-02-01"}).context["opportunities"]
        )
    assert client.post("/volunteering/").status_code == 405


def test_an_applicant_applies_on_the_page(client, world):
    person = volunteer(world["capital"])
    client.force_login(person)
    with on(TODAY):
        response = client.post(f"/volunteering/{world['job'].pk}/apply/", {"note": "أحب العمل"})
    assert response.status_code == 302
    assert Application.objects.get(applicant=person).note == "أحب العمل"


def test_the_certificate_downloads_once_the_placement_ended(client, world):
    client.force_login(world["volunteer"])
    with on(datetime.date(2026, 5, 1)):
        for lang in ("ar", "en"):
            response = client.get(url(world, "mine/{acc}/certificate/"), {"lang": lang})
            assert response.status_code == 200
            assert response["Content-Type"] == "application/pdf"
            assert response.content.startswith(b"%PDF")


def test_the_applicant_says_they_prefer_volunteering_in_the_profile(client, world):
    from volunteering.models import Preference

    person = world["waiting"]
    client.force_login(person)
    page = client.get(reverse("applicants:personal"))
    assert 'data-testid="volunteering-choice"' in page.content.decode()
    response = client.post(
        "/volunteering/preference/", {"prefers": "1", "next": "/apply/personal/"}
    )
    assert response.status_code == 302
    assert Preference.objects.get(applicant=person).prefers_volunteering
    client.post("/volunteering/preference/", {"next": "https://evil.example/"})
    assert not Preference.objects.get(applicant=person).prefers_volunteering


@pytest.mark.parametrize(
    ("kind", "expected"), [("manager", 403), ("ministry-official", 403), ("applicant", 302)]
)
def test_only_applicants_set_the_preference(client, world, kind, expected):
    client.force_login(user(kind, world))
    assert client.post("/volunteering/preference/", {"prefers": "1"}).status_code == expected
    assert client.get("/volunteering/preference/").status_code == 405


def test_anonymous_preference_goes_to_sign_in(client, world):
    response = client.post("/volunteering/preference/", {"prefers": "1"})
    assert response["Location"].startswith("/accounts/login/")


def test_the_apply_page_offers_paid_volunteering(client, world):
    client.force_login(world["waiting"])
    page = client.get(reverse("aid_requests:catalogue")).content.decode()
    assert 'data-testid="volunteering-choice"' in page
    assert 'href="/volunteering/"' in page


def test_the_manager_edits_the_seats_on_the_page(client, world):
    client.force_login(world["manager"])
    with on(TODAY):
        response = client.post(url(world, "organisation/{job}/edit/"), data_for("edit", world, {}))
    assert response.status_code == 302
    world["job"].refresh_from_db()
    assert world["job"].seats == 5


def test_seats_below_those_accepted_are_refused_on_the_page(client, world):
    client.force_login(world["manager"])
    data = {**data_for("edit", world, {}), "seats": "0"}
    with on(TODAY):
        response = client.post(url(world, "organisation/{job}/edit/"), data)
    assert response.status_code == 200  # the form again, with its message
    world["job"].refresh_from_db()
    assert world["job"].seats == 3


def test_the_stipend_aid_opens_like_any_case_and_request(client, world):
    aid_request_id = Application.objects.get(pk=world["accepted"].pk).aid_request_id
    client.force_login(world["caseworker"])
    assert client.get(f"/charity/cases/{aid_request_id}/").status_code == 200
    client.force_login(world["volunteer"])
    page = client.get(f"/requests/{aid_request_id}/")
    assert page.status_code == 200
    assert page.context["can_withdraw"] is False  # the volunteer leaves the placement instead


def test_the_case_page_sends_stipend_payments_to_the_placement(client, world):
    aid_request_id = Application.objects.get(pk=world["accepted"].pk).aid_request_id
    client.force_login(world["caseworker"])
    page = client.get(f"/charity/cases/{aid_request_id}/").content.decode()
    assert 'data-testid="stipend-placement"' in page
    assert f"/charity/cases/{aid_request_id}/payments/" not in page


@pytest.mark.parametrize("language", ["ar", "en"])
def test_hours_read_as_plain_numbers_in_both_languages(client, world, language):
    # 12 hours is "12", never "12,00" (Arabic decimal comma) or "12.00".
    client.force_login(world["caseworker"])
    client.cookies["django_language"] = language
    with on(TODAY):
        page = client.get(url(world, "organisation/applications/{acc}/")).content.decode()
    row = page.split('data-testid="week-1"', 1)[1].split("</tr>", 1)[0]
    assert '<td dir="ltr">12</td>' in row
    assert "12,00" not in page
    assert "12.00" not in page
