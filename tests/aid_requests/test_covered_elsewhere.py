"""Covered elsewhere: a request whose people all hold its aid type already leaves every queue,
the applicant is told (not by whom), and it comes back by itself when that coverage ends."""

import datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format

from accounts.models import Role
from aid_requests.models import RequestStatus, TimelineEntry
from audit.models import AuditEntry
from charities import selectors
from charities.exceptions import DuplicateAid, NoLongerOpen
from charities.request_steps import aid_request_submit
from charities.services.claim import aid_request_claim
from charities.services.covered import return_covered_requests
from charities.services.payments import aid_request_approve
from charities.tasks import return_covered_requests_task
from config.dates import format_date
from dedup.models import BINDING, AidCommitment
from dedup.request_steps import aid_request_withdraw
from notifications.models import Notification
from tests.factories import civil_id_for
from tests.factories.applicants import make_ready_applicant
from tests.factories.cases import caseworker, family, on, open_request

pytestmark = pytest.mark.django_db
S = RequestStatus
START = datetime.date(2027, 1, 10)


@pytest.fixture
def held_elsewhere(media, rent_allowance, capital):
    """An applicant who is a member of another household whose rent allowance a charity holds,
    and the request she then submits herself for the same aid (her household: herself)."""
    with on(START):
        applicant, docs = make_ready_applicant(
            income="300", obligations="200", members=0, disabled=0, students=0
        )
        holder = caseworker([rent_allowance], [capital], role=Role.MANAGER)
        held = open_request(family(capital, [applicant.civil_id]), rent_allowance, capital)
        aid_request_claim(aid_request_id=held.pk, actor=holder)
        held.refresh_from_db()
    with on(START + datetime.timedelta(days=3)):
        own = aid_request_submit(
            applicant=applicant,
            aid_type=rent_allowance,
            amount=Decimal("600.000"),
            justification="الإيجار متأخر",
            documents=docs,
        )
    own.refresh_from_db()
    return own, held, holder


def _in_any_queue(aid_request, rent_allowance, capital, *organisations):
    for organisation in organisations:
        rows = selectors.queue_for(organisation, selectors.QueueFilters()).rows
        licensed = selectors.open_requests_in_licence(organisation)
        if aid_request in rows or licensed.filter(pk=aid_request.pk).exists():
            return True
    return False


def test_request_whose_only_person_holds_the_aid_elsewhere_is_in_no_queue(
    held_elsewhere, rent_allowance, capital, client
):
    own, held, holder = held_elsewhere
    assert (own.status, own.covered_until) == (S.OPEN, held.coverage_end)
    other = caseworker([rent_allowance], [capital]).membership.organisation
    assert not _in_any_queue(own, rent_allowance, capital, other, holder.membership.organisation)
    # the applicant is told in plain words, with the date, and not by whom
    notice = Notification.objects.get(recipient=own.applicant, kind="request_covered")
    body = notice.message("en").body
    assert format_date(held.coverage_end, "en") in body
    assert "already receives this aid" in body
    client.force_login(own.applicant)
    page = client.get(reverse("aid_requests:detail", args=[own.pk]), HTTP_ACCEPT_LANGUAGE="en")
    html = page.content.decode()
    assert 'data-testid="covered-elsewhere"' in html
    assert holder.membership.organisation.name_ar not in html
    assert holder.membership.organisation.name_en not in html
    entry = AuditEntry.objects.get(action="aid_request.covered_elsewhere")
    assert entry.data == {"until": held.coverage_end.isoformat()}
    # nobody can claim it while it is out of the queue
    with on(START + datetime.timedelta(days=4)), pytest.raises(NoLongerOpen):
        aid_request_claim(aid_request_id=own.pk, actor=caseworker([rent_allowance], [capital]))


def test_it_returns_to_the_queue_by_itself_when_the_coverage_elsewhere_ends(
    held_elsewhere, rent_allowance, capital
):
    own, held, _holder = held_elsewhere
    other = caseworker([rent_allowance], [capital])
    with on(held.coverage_end):  # still covered on its last day
        assert return_covered_requests() == []
    next_day = held.coverage_end + datetime.timedelta(days=1)
    with on(next_day):
        assert return_covered_requests_task() == 1  # the beat task, run in this process
    own.refresh_from_db()
    assert (own.status, own.covered_until, own.coverage_start) == (S.OPEN, None, next_day)
    assert _in_any_queue(own, rent_allowance, capital, other.membership.organisation)
    back = TimelineEntry.objects.filter(aid_request=own).order_by("at", "pk").last()
    assert (back.from_status, back.to_status, back.actor) == (S.OPEN, S.OPEN, None)
    with translation.override("ar"):
        assert date_format(next_day, "j F Y") in back.note  # day first, the month named
    assert Notification.objects.filter(
        recipient=own.applicant, kind="request_coverage_ended"
    ).exists()
    with on(next_day):
        aid_request_claim(aid_request_id=own.pk, actor=other)
    own.refresh_from_db()
    assert own.status == S.CLAIMED


def test_a_claim_after_the_coverage_ended_returns_it_at_once(
    held_elsewhere, rent_allowance, capital
):
    own, held, _holder = held_elsewhere
    with on(held.coverage_end + datetime.timedelta(days=2)):
        aid_request_claim(aid_request_id=own.pk, actor=caseworker([rent_allowance], [capital]))
    own.refresh_from_db()
    assert (own.status, own.covered_until) == (S.CLAIMED, None)
    assert own.coverage_start == held.coverage_end + datetime.timedelta(days=2)


def test_the_date_follows_when_the_aid_elsewhere_is_cut_short(held_elsewhere):
    own, held, holder = held_elsewhere
    with on(START + datetime.timedelta(days=4)):
        aid_request_approve(
            aid_request_id=held.pk, actor=holder, amount=Decimal("100.000"), payments=2
        )
        assert return_covered_requests() == []
    own.refresh_from_db()
    assert own.covered_until == datetime.date(2027, 3, 9)  # the last day approved elsewhere
    notices = Notification.objects.filter(recipient=own.applicant, kind="request_covered")
    assert sorted(n.context["date"] for n in notices) == ["2027-03-09", "2027-07-09"]
    with on(datetime.date(2027, 3, 10)):
        assert return_covered_requests() == [own.pk]
    own.refresh_from_db()
    assert (own.covered_until, own.coverage_start) == (None, datetime.date(2027, 3, 10))


def test_the_applicant_may_withdraw_it_while_covered_elsewhere(held_elsewhere):
    own, held, _holder = held_elsewhere
    aid_request_withdraw(aid_request_id=own.pk, applicant=own.applicant)
    own.refresh_from_db()
    assert own.status == S.WITHDRAWN
    with on(held.coverage_end + datetime.timedelta(days=1)):
        assert return_covered_requests() == []
    own.refresh_from_db()
    assert own.status == S.WITHDRAWN


def test_a_claim_refused_because_everyone_is_covered_takes_it_out_of_the_queue(
    rent_allowance, capital, media
):
    with on(START):
        holder = caseworker([rent_allowance], [capital])
        wife = family(capital)
        held = open_request(family(capital, [wife.civil_id]), rent_allowance, capital)
        aid_request_claim(aid_request_id=held.pk, actor=holder)
        own = open_request(wife, rent_allowance, capital)  # in the queue, never screened
        other = caseworker([rent_allowance], [capital])
        assert _in_any_queue(own, rent_allowance, capital, other.membership.organisation)
        with pytest.raises(DuplicateAid):
            aid_request_claim(aid_request_id=own.pk, actor=other)
    own.refresh_from_db()
    assert (own.status, own.covered_until) == (S.OPEN, held.coverage_end)
    assert not _in_any_queue(own, rent_allowance, capital, other.membership.organisation)
    assert Notification.objects.filter(recipient=wife, kind="request_covered").count() == 1


def test_a_household_only_partly_covered_stays_in_the_queue(rent_allowance, capital, media):
    with on(START):
        holder = caseworker([rent_allowance], [capital])
        wife = family(capital, [civil_id_for(5_000_901)])  # her household has someone not covered
        held = open_request(family(capital, [wife.civil_id]), rent_allowance, capital)
        aid_request_claim(aid_request_id=held.pk, actor=holder)
        own = open_request(wife, rent_allowance, capital)
        other = caseworker([rent_allowance], [capital])
        with pytest.raises(DuplicateAid):
            aid_request_claim(aid_request_id=own.pk, actor=other)
    own.refresh_from_db()
    assert own.covered_until is None
    assert not AidCommitment.objects.filter(aid_request=own, status__in=BINDING).exists()


def test_the_return_to_the_queue_runs_periodically():
    schedule = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    assert "charities.tasks.return_covered_requests" in schedule
    assert return_covered_requests_task.name == "charities.tasks.return_covered_requests"
