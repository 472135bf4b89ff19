"""The audit trail viewer: who may see it, each filter, keyset pages, constant query count."""

from __future__ import annotations

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from accounts.models import Role
from audit.models import AuditEntry
from audit.selectors import TRAIL_PAGE_SIZE
from tests.factories import (
    ApplicantUserFactory,
    CharityStaffFactory,
    OrganisationFactory,
    StaffUserFactory,
)

pytestmark = pytest.mark.django_db
URL = "/ministry/audit/"
KUWAIT = ZoneInfo("Asia/Kuwait")


@pytest.fixture
def official(client):
    user = StaffUserFactory(role=Role.MINISTRY_OFFICIAL)
    client.force_login(user)
    return user


def filtered(client, data: dict, **extra):
    """Send the filter form (a POST) and open the page it leads to (``?f=<key>``); an invalid
    form is answered at once. ``before`` is a page cursor, added to the page's address."""
    data = dict(data)
    before = data.pop("before", None)
    response = client.post(URL, data)
    if response.status_code != 302:
        return response
    assert response["Location"].startswith(f"{URL}?f="), response["Location"]
    return client.get(response["Location"] + (f"&before={before}" if before else ""), **extra)


def shown(response) -> list[int]:
    return [row["entry"].pk for row in response.context["rows"]]


# --- who may see it -----------------------------------------------------------------------


@pytest.mark.parametrize("role", [Role.MINISTRY_OFFICIAL, Role.MINISTRY_ADMIN])
def test_ministry_officials_and_admins_see_the_trail_newest_first(client, record, role):
    organisation = OrganisationFactory(name_en="Al Noor", name_ar="النور")
    manager = CharityStaffFactory(role=Role.MANAGER, full_name="Mona Manager")
    older = record("aid_request.claimed", actor=manager, organisation_id=organisation.pk)
    applicant = ApplicantUserFactory()
    newer = record(
        "aid_request.approved", actor=manager, applicant_id=applicant.pk, ip_address="10.1.2.3"
    )
    client.force_login(StaffUserFactory(role=role))
    response = client.get(URL)
    assert response.status_code == 200
    assert shown(response) == [newer.pk, older.pk]
    html = response.content.decode()
    assert "Mona Manager" in html
    assert "النور" in html  # Arabic is the default language
    assert "تم اعتماد الطلب" in html  # the action as a translated label, its code only as a hint
    assert 'title="aid_request.approved"' in html
    assert "10.1.2.3" in html
    assert "…" + applicant.civil_id[-4:] in html  # the applicant by a masked civil ID
    assert f"#{applicant.pk}" not in html


def test_an_applicant_actor_is_shown_by_id_not_by_name(client, official, record):
    applicant = ApplicantUserFactory(full_name="Secret Name")
    record("applicant_profile.update", actor=applicant, applicant_id=applicant.pk)
    html = client.get(URL).content.decode()
    assert "Secret Name" not in html
    assert applicant.civil_id not in html
    assert f"#{applicant.pk}" not in html
    assert "…" + applicant.civil_id[-4:] in html


@pytest.mark.parametrize(
    "make_user",
    [
        ApplicantUserFactory,
        lambda: CharityStaffFactory(role=Role.CASEWORKER),
        lambda: CharityStaffFactory(role=Role.MANAGER),
    ],
    ids=["applicant", "caseworker", "charity-manager"],
)
def test_everyone_else_gets_403(client, make_user):
    client.force_login(make_user())
    assert client.get(URL).status_code == 403


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/ministry/audit/")


def test_wrong_method_is_405(client, official):
    assert client.put(URL).status_code == 405


# --- filters ------------------------------------------------------------------------------


def test_filter_by_actor_email_part(client, official, record):
    alice = StaffUserFactory(email="alice@ministry.test")
    bob = StaffUserFactory(email="bob@charity.test")
    mine = record(actor=alice)
    record(actor=bob)
    record()
    assert shown(filtered(client, {"actor": "ALICE@ministry"})) == [mine.pk]


def test_filter_by_actor_civil_id_part_in_arabic_digits(client, official, record):
    applicant = ApplicantUserFactory(civil_id="285031401239")
    mine = record(actor=applicant)
    record(actor=ApplicantUserFactory())
    assert shown(filtered(client, {"actor": "٣١٤٠١٢"})) == [mine.pk]


def test_an_actor_search_matching_too_many_people_asks_for_more(
    client, official, record, monkeypatch
):
    monkeypatch.setattr("audit.forms.ACTOR_MATCH_LIMIT", 2)
    users = [StaffUserFactory(email=f"same{n}@ministry.test") for n in range(3)]
    record(actor=users[0])
    response = filtered(client, {"actor": "same"})
    assert shown(response) == []
    assert response.context["form"].errors["actor"]


def test_an_actor_search_matching_nobody_shows_nothing(client, official, record):
    record(actor=official)
    assert shown(filtered(client, {"actor": "nobody-has-this"})) == []


def test_filter_by_organisation(client, official, record):
    ours, theirs = OrganisationFactory(), OrganisationFactory()
    mine = record(organisation_id=ours.pk)
    record(organisation_id=theirs.pk)
    record()
    response = filtered(client, {"organisation": ours.pk})
    assert shown(response) == [mine.pk]
    assert (ours.pk, str(ours)) in response.context["form"].fields["organisation"].choices


def test_filter_by_applicant_civil_id(client, official, record):
    applicant = ApplicantUserFactory()
    mine = record(applicant_id=applicant.pk)
    record(applicant_id=ApplicantUserFactory().pk)
    assert shown(filtered(client, {"applicant": applicant.civil_id})) == [mine.pk]


def test_an_unknown_applicant_civil_id_shows_an_error_and_no_rows(client, official, record):
    record(applicant_id=1)
    response = filtered(client, {"applicant": "285031401239"})
    assert response.status_code == 200
    assert shown(response) == []
    assert response.context["form"].errors["applicant"]


def test_filter_by_action_offers_each_action_once(client, official, record):
    claimed = [record("aid_request.claimed"), record("aid_request.claimed")]
    record("aid_request.approved")
    record("staff.signed_in")
    response = filtered(client, {"action": "aid_request.claimed"})
    assert shown(response) == [claimed[1].pk, claimed[0].pk]
    assert response.context["form"].fields["action"].choices[1:] == [
        ("aid_request.approved", "aid_request.approved"),
        ("aid_request.claimed", "aid_request.claimed"),
        ("staff.signed_in", "staff.signed_in"),
    ]


def test_filter_by_date_range_in_kuwait_time(client, official, record):
    def on(day: int, hour: int):
        moment = datetime.datetime(2026, 3, day, hour, 30, tzinfo=KUWAIT)
        with time_machine.travel(moment, tick=False):
            return record(f"test.day_{day}_{hour}")

    before = on(1, 23)
    first = on(2, 0)  # 21:30 UTC on 1 March: still the 2nd in Kuwait
    last = on(3, 23)
    after = on(4, 0)
    response = filtered(client, {"date_from": "2026-03-02", "date_to": "2026-03-03"})
    assert shown(response) == [last.pk, first.pk]
    assert before.pk not in shown(response)
    assert after.pk not in shown(response)


def test_a_reversed_date_range_is_an_error(client, official, record):
    record()
    response = filtered(client, {"date_from": "2026-03-05", "date_to": "2026-03-01"})
    assert shown(response) == []
    assert response.context["form"].errors["date_to"]


# --- pages --------------------------------------------------------------------------------


def test_older_pages_follow_by_id_and_keep_the_filters(client, official, record):
    entries = [record("test.paged") for _ in range(TRAIL_PAGE_SIZE + 3)]
    record("test.other")
    first = filtered(client, {"action": "test.paged"})
    assert shown(first) == [e.pk for e in reversed(entries)][:TRAIL_PAGE_SIZE]
    cursor = first.context["next_before"]
    assert cursor == entries[3].pk
    key = first.context["query"]
    assert key.startswith("f=")
    assert f"?{key}&amp;before={cursor}" in first.content.decode()
    assert 'id="audit-more"' in first.content.decode()

    second = client.get(f"{URL}?{key}&before={cursor}")
    assert shown(second) == [entries[2].pk, entries[1].pk, entries[0].pk]
    assert second.context["next_before"] is None
    assert 'id="audit-more"' not in second.content.decode()


def test_htmx_asks_for_the_rows_alone(client, official, record):
    entries = [record() for _ in range(TRAIL_PAGE_SIZE + 1)]
    response = client.get(URL, {"before": entries[-1].pk}, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert "<html" not in html
    assert html.count('data-testid="audit-row"') == TRAIL_PAGE_SIZE


def test_a_garbage_cursor_is_ignored(client, official, record):
    entry = record()
    assert shown(client.get(URL, {"before": "x' OR 1=1"})) == [entry.pk]
    assert shown(client.get(URL, {"before": "9" * 40})) == [entry.pk]


def test_query_count_does_not_grow_with_the_trail(
    client, official, record, django_assert_max_num_queries
):
    organisation = OrganisationFactory()
    applicant = ApplicantUserFactory()
    record(actor=official, organisation_id=organisation.pk, applicant_id=applicant.pk)
    with django_assert_max_num_queries(12) as few:
        client.get(URL)
    budget = len(few.captured_queries)  # now: each request resets the connection's query log
    for n in range(TRAIL_PAGE_SIZE + 10):
        record(
            f"test.action_{n % 7}",
            actor=CharityStaffFactory() if n % 5 == 0 else official,
            organisation_id=OrganisationFactory().pk if n % 3 == 0 else None,
            applicant_id=n,
        )
    assert AuditEntry.objects.count() > TRAIL_PAGE_SIZE
    with django_assert_max_num_queries(budget):
        response = client.get(URL)
    assert len(response.context["rows"]) == TRAIL_PAGE_SIZE
    # Every filter at once: two more queries (actor search → ids, civil ID → applicant id).
    every_filter = {
        "actor": "staff",
        "organisation": organisation.pk,
        "applicant": applicant.civil_id,
        "action": "test.action_1",
        "date_from": "2020-01-01",
        "date_to": "2099-12-31",
    }
    page = client.post(URL, every_filter)["Location"] + "&before=999999"
    with django_assert_max_num_queries(budget + 2):
        assert client.get(page).status_code == 200


# --- the civil-ID search ------------------------------------------------------------------


def test_a_mistyped_civil_id_gets_the_check_digit_message(client, official, record):
    record(applicant_id=1)
    client.cookies["django_language"] = "en"
    response = filtered(client, {"applicant": "285031401238"})  # the last digit is wrong
    assert shown(response) == []
    assert response.context["form"].errors["applicant"] == [
        "This civil ID is not valid: its check digit does not match. Check for a typo."
    ]


def test_a_civil_id_in_arabic_digits_finds_the_applicant(client, official, record):
    applicant = ApplicantUserFactory(civil_id="285031401239")
    mine = record(applicant_id=applicant.pk)
    assert shown(filtered(client, {"applicant": "٢٨٥٠٣١٤٠١٢٣٩"})) == [mine.pk]


# --- one entry with its details -------------------------------------------------------------


def entry_url(entry) -> str:
    return f"/ministry/audit/{entry.pk}/"


def test_an_entry_shows_its_details_and_hides_secrets(client, official, record):
    entry = record(
        "organisation.suspended",
        organisation_id=OrganisationFactory(name_en="Al Noor", name_ar="النور").pk,
        data={
            "reason": "Accounts not filed for 2024",
            "from": "active",
            "licence": {"aid_types": ["needy", "rent"]},
            "access_token": "abc",
            "sms_code": "123456",
            "password": "hunter2",
            "callback": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl",
        },
    )
    client.cookies["django_language"] = "en"
    response = client.get(entry_url(entry))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Accounts not filed for 2024" in html
    assert "licence.aid_types[1]" in html
    assert ">rent<" in html
    assert "Al Noor" in html
    for secret in ("abc", "123456", "hunter2", "eyJhbGciOiJIUzI1NiJ9"):
        assert secret not in html, secret
    hidden = {line.path for line in response.context["lines"] if line.hidden}
    assert hidden == {"access_token", "sms_code", "password", "callback"}
    # The trail links each row to its entry.
    assert entry_url(entry) in client.get(URL).content.decode()


def test_an_appeal_decision_reason_can_be_read(client, official, record):
    entry = record("appeal.decided", data={"decision": "upheld", "note": "income above limit"})
    html = client.get(entry_url(entry)).content.decode()
    assert "income above limit" in html


@pytest.mark.parametrize(
    "make_user",
    [
        ApplicantUserFactory,
        lambda: CharityStaffFactory(role=Role.CASEWORKER),
        lambda: CharityStaffFactory(role=Role.MANAGER),
    ],
    ids=["applicant", "caseworker", "charity-manager"],
)
def test_an_entry_is_403_for_everyone_else(client, record, make_user):
    entry = record(data={"reason": "x"})
    client.force_login(make_user())
    assert client.get(entry_url(entry)).status_code == 403


def test_an_entry_for_anonymous_and_the_wrong_method(client, record):
    entry = record()
    response = client.get(entry_url(entry))
    assert response.status_code == 302
    assert response["Location"].startswith(f"/accounts/login/?next={entry_url(entry)}")
    client.force_login(StaffUserFactory(role=Role.MINISTRY_ADMIN))
    assert client.post(entry_url(entry)).status_code == 405
    assert client.get("/ministry/audit/999999/").status_code == 404


# --- no civil ID in any URL -----------------------------------------------------------------


def _urls_in(html: str) -> list[str]:
    """Every address the page links or sends a GET form to."""
    urls = re.findall(r'(?:href|hx-get|src)="([^"]*)"', html)
    for form in re.findall(r"<form\b[^>]*>", html):
        method = re.search(r'method="([^"]*)"', form)
        if method is None or method.group(1).lower() == "get":
            action = re.search(r'action="([^"]*)"', form)
            urls.append(action.group(1) if action else "")
    return urls


def test_the_filter_form_is_a_post_and_the_civil_id_stays_out_of_every_url(
    client, official, record
):
    applicant = ApplicantUserFactory(civil_id="285031401239")
    entries = [record(applicant_id=applicant.pk) for _ in range(TRAIL_PAGE_SIZE + 1)]
    page = client.get(URL).content.decode()
    assert '<form method="post" action="/ministry/audit/"' in page
    assert 'name="csrfmiddlewaretoken"' in page
    by_actor = client.post(URL, {"actor": "٢٨٥٠٣١"})  # part of a civil ID, Arabic digits
    assert by_actor.status_code == 302
    assert "٢٨٥" not in by_actor["Location"]
    assert "285031" not in by_actor["Location"]
    response = client.post(URL, {"applicant": "285031401239"})
    assert response.status_code == 302
    location = response["Location"]
    assert "285031" not in location
    first = client.get(location)
    assert shown(first) == [e.pk for e in reversed(entries)][:TRAIL_PAGE_SIZE]
    for url in _urls_in(first.content.decode()):
        assert "285031" not in url, url
    # the next page keeps the filter through the key alone
    older = client.get(f"{location}&before={first.context['next_before']}")
    assert shown(older) == [entries[0].pk]


def test_the_filter_is_kept_in_the_session_of_who_chose_it(client, official, record):
    applicant = ApplicantUserFactory()
    record(applicant_id=applicant.pk)
    record()
    location = client.post(URL, {"applicant": applicant.civil_id})["Location"]
    other = Client()
    other.force_login(StaffUserFactory(role=Role.MINISTRY_OFFICIAL))
    other.cookies["django_language"] = "en"
    response = other.get(location)
    assert response.status_code == 200
    assert shown(response) == []  # not the unfiltered trail either
    assert "This filter has expired: choose it again." in response.content.decode()


def test_the_former_get_filters_are_refused_and_not_repeated(client, official, record):
    applicant = ApplicantUserFactory()
    record(applicant_id=applicant.pk)
    client.cookies["django_language"] = "en"
    response = client.get(URL, {"applicant": applicant.civil_id})
    assert response.status_code == 302
    assert response["Location"] == URL
    page = client.get(URL).content.decode()
    assert "Filters are no longer taken from the address: use the form below." in page
    assert applicant.civil_id not in page


def test_an_empty_filter_form_shows_the_whole_trail(client, official, record):
    entry = record()
    response = client.post(URL, {"actor": " ", "applicant": ""})
    assert response["Location"] == URL
    assert shown(client.get(URL)) == [entry.pk]


def test_a_request_is_named_by_its_reference_and_actions_in_words(client, official, record):
    from aid_requests.models import request_reference
    from tests.factories.cases import AidRequestFactory

    aid_request = AidRequestFactory()
    entry = record("aid_request.claimed", target=aid_request)
    record("something.new")
    client.force_login(official)
    client.cookies["django_language"] = "en"
    html = client.get(URL).content.decode()
    assert request_reference(30) == "MSA-0000030"
    assert aid_request.reference in html
    assert f"aidrequest #{aid_request.pk}" not in html
    assert "Request taken by a charity" in html
    assert "something.new" in html  # an unknown code falls back to itself
    detail = client.get(entry_url(entry)).content.decode()
    assert aid_request.reference in detail
    assert "Request taken by a charity" in detail


def test_other_objects_are_named_by_their_models_name_in_the_readers_language():
    from django.utils import translation

    from audit.labels import object_label

    with translation.override("en"):
        assert object_label("accounts.user", 1) == "User 1"
        assert object_label("aid_requests.aidrequest", "30") == "MSA-0000030"
        assert object_label("gone.model", 5) == "gone.model 5"
    with translation.override("ar"):
        label = object_label("accounts.user", 1)
    assert label.endswith(" 1")
    assert "accounts" not in label


def test_an_api_call_has_its_own_translated_label():
    from django.utils import translation

    from audit.labels import action_label

    with translation.override("en"):
        assert action_label("api.called") == "API called by a linked system"
    with translation.override("ar"):
        assert action_label("api.called") == "استدعاء واجهة برمجية من نظام مرتبط"


def test_staff_organisations_and_profiles_are_named_by_what_people_know_them_by(
    client, official, record
):
    from django.utils import translation

    from aid_requests.models import Payment
    from audit.labels import OBJECT_NAMES, object_label, object_names
    from tests.factories import HouseholdMemberFactory, StaffMembershipFactory

    organisation = OrganisationFactory(name_en="Al-Noor", name_ar="النور")
    membership = StaffMembershipFactory(
        organisation=organisation, user__full_name="Huda Saleh", user__role=Role.MANAGER
    )
    nameless = StaffUserFactory(full_name="", email="reviewer@ministry.test")
    member = HouseholdMemberFactory()
    civil_id = member.profile.user.civil_id
    entries = [
        record("staff.role_changed", target=membership.user),
        record("organisation.licence_changed", target=organisation),
        record("staff.invited", target=membership),
        record("staff.signed_in", target=nameless),
        record("household_member.add", target=member),
        record("applicant_profile.update", target=member.profile),
    ]
    with translation.override("en"):
        names = object_names((e.object_type, e.object_id) for e in entries)
        shown = [object_label(e.object_type, e.object_id, names) for e in entries]
        payment = OBJECT_NAMES["aid_requests.payment"][1](Payment(period=2, aid_request_id=30))
        assert shown == [
            "Huda Saleh (Charity manager)",
            "Al-Noor",
            "Huda Saleh (Charity manager) at Al-Noor",
            "r…@ministry.test (Ministry official)",
            f"Household member of …{civil_id[-4:]}",
            f"Profile of …{civil_id[-4:]}",
        ]
        assert payment == "Payment 2 of MSA-0000030"
    with translation.override("ar"):
        names = object_names((e.object_type, e.object_id) for e in entries)
        arabic = [object_label(e.object_type, e.object_id, names) for e in entries]
    assert arabic[1] == "النور"
    assert "Charity manager" not in arabic[0]
    assert "Huda Saleh" in arabic[0]
    assert "at" not in arabic[2].split()
    assert "Profile" not in arabic[5]

    # The trail's page names them so, and an object deleted since keeps its model's name.
    client.cookies["django_language"] = "en"
    html = client.get(URL).content.decode()
    assert "Huda Saleh (Charity manager) at Al-Noor" in html
    assert f"Household member of …{civil_id[-4:]}" in html
    assert "User " not in html
    gone = record("household_member.remove", target=member)
    member.delete()
    with translation.override("en"):
        assert object_label(gone.object_type, gone.object_id, object_names([])) == (
            f"Household member {gone.object_id}"
        )
