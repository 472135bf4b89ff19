"""Starting a gift: the guest's code (expiry, attempts), the default table of kinds."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.test import TestCase
from django.utils import timezone

from audit.models import AuditEntry
from donations.exceptions import CodeExpired, CodeWrong, GiftAmountNotAllowed, MobileRequired
from donations.models import Gift, GiftKind, GiftStatus
from donations.rules import default_pairs
from donations.services.gifts import gift_confirm_mobile, gift_start
from notifications import sms
from tests.donations.conftest import manager_of
from tests.factories.cases import needy_aid_type, student_aid_type

pytestmark = pytest.mark.django_db


@pytest.fixture
def organisation(capital, needy, rules):
    return manager_of([needy], [capital]).membership.organisation


def start(organisation, **overrides):
    fields = {"kind": GiftKind.GENERAL, "amount": Decimal("10"), "mobile": "50001234"}
    fields.update(overrides)
    with TestCase.captureOnCommitCallbacks(execute=True):
        return gift_start(organisation_id=organisation.pk, **fields)


def test_a_guests_gift_waits_for_the_code_sent_by_sms(organisation):
    sms.outbox.clear()
    gift = start(organisation)
    assert gift.status == GiftStatus.UNCONFIRMED
    assert gift.mobile == "+96550001234"
    code = sms.outbox[-1].body.split()[-1].rstrip(".")
    assert code not in gift.code_hash
    assert AuditEntry.objects.filter(action="gift.started").exists()
    assert gift_confirm_mobile(gift_id=gift.pk, code=code).status == GiftStatus.PENDING


def test_an_expired_code_is_refused(organisation):
    sms.outbox.clear()
    gift = start(organisation)
    code = sms.outbox[-1].body.split()[-1].rstrip(".")
    with (
        time_machine.travel(timezone.now() + datetime.timedelta(minutes=11)),
        pytest.raises(CodeExpired),
    ):
        gift_confirm_mobile(gift_id=gift.pk, code=code)


def test_a_code_tried_too_often_ends(organisation, settings):
    settings.DONATIONS_CODE_ATTEMPTS = 2
    sms.outbox.clear()
    gift = start(organisation)
    code = sms.outbox[-1].body.split()[-1].rstrip(".")
    for _ in range(2):
        with pytest.raises(CodeWrong):
            gift_confirm_mobile(gift_id=gift.pk, code="000000" if code != "000000" else "111111")
    with pytest.raises(CodeExpired):
        gift_confirm_mobile(gift_id=gift.pk, code=code)


def test_a_signed_in_donor_needs_no_code(organisation):
    from tests.factories import ApplicantUserFactory

    donor = ApplicantUserFactory()
    gift = start(organisation, donor=donor, mobile="")
    assert gift.status == GiftStatus.PENDING
    assert gift.donor == donor


@pytest.mark.parametrize(("amount", "mobile"), [("0", "50001234"), ("1.0001", "50001234")])
def test_amounts_are_checked(organisation, amount, mobile):
    with pytest.raises(GiftAmountNotAllowed):
        start(organisation, amount=Decimal(amount), mobile=mobile)


def test_a_guest_needs_a_valid_mobile(organisation):
    with pytest.raises(MobileRequired):
        start(organisation, mobile="")
    with pytest.raises(MobileRequired):
        start(organisation, mobile="123")


def test_the_default_table_lets_zakat_fund_only_means_tested_aid(db):
    needy = needy_aid_type(max_income_per_capita=Decimal("150"))
    student = student_aid_type()
    pairs = set(default_pairs([needy, student]))
    assert ("zakat", needy.pk) in pairs
    assert ("zakat", student.pk) not in pairs
    assert {("general", student.pk), ("sadaqa", student.pk)} <= pairs


def fund_options(page: str) -> list[str]:
    select = page.split('id="id_fund"', 1)[1].split("</select>", 1)[0]
    return [option.split(">", 1)[1] for option in select.split("<option")[2:]]


def test_the_give_page_offers_only_the_chosen_organisations_funds(
    client, capital, needy, student, rules
):
    needy_only = manager_of([needy], [capital]).membership.organisation
    students_only = manager_of([student], [capital]).membership.organisation
    client.cookies["django_language"] = "en"
    page = client.get(f"/donate/?organisation={students_only.pk}").content.decode()
    assert [o.split("<")[0] for o in fund_options(page)] == [str(student)]
    assert f'value="{students_only.pk}" selected' in page
    # The htmx request made when the organisation changes gets the other one's funds.
    page = client.get(f"/donate/?organisation={needy_only.pk}").content.decode()
    assert [o.split("<")[0] for o in fund_options(page)] == [str(needy)]
    assert 'hx-get="/donate/"' in page
    # Sent back with a fund the organisation does not give: refused, nothing started.
    response = client.post(
        "/donate/",
        {
            "organisation": needy_only.pk,
            "fund": student.pk,
            "kind": "general",
            "amount": "5",
            "mobile": "50001234",
        },
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Gift.objects.exists()
