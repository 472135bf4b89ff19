"""An appeal's decision reaches the organisation that held (and rejected) the case."""

from __future__ import annotations

import json

import pytest

from aid_requests.services.appeals import aid_request_appeal
from charities.services.cases import aid_request_reject
from charities.services.claim import aid_request_claim
from dedup.request_steps import appeal_decide
from tests.factories import StaffUserFactory
from tests.factories.cases import family, open_request
from webhooks.models import Event
from webhooks.services import webhook_endpoint_create

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("overturn", [True, False])
def test_the_decision_is_sent_to_the_former_holder(manager, receiver, capital, needy, overturn):
    webhook_endpoint_create(
        actor=manager, url=receiver.url, events=[Event.APPEAL_DECIDED], second_factor_passed=True
    )
    aid_request = open_request(family(capital), needy, capital)
    aid_request_claim(aid_request_id=aid_request.pk, actor=manager, second_factor_passed=True)
    aid_request_reject(
        aid_request_id=aid_request.pk,
        actor=manager,
        reason="الدخل يتجاوز الحد",
        second_factor_passed=True,
    )
    appeal = aid_request_appeal(
        aid_request_id=aid_request.pk, applicant=aid_request.applicant, reason="r" * 30
    )
    appeal_decide(
        appeal_id=appeal.pk,
        decided_by=StaffUserFactory(role="ministry_admin"),
        overturn=overturn,
        note="قرار الوزارة بعد المراجعة",
    )
    [sent] = receiver.received
    body = json.loads(sent["body"])
    assert body["event"] == "appeal.decided"
    assert body["organisation"] == manager.membership.organisation_id
    assert body["data"]["case_id"] == aid_request.pk
    assert body["data"]["appeal_id"] == appeal.pk
    assert body["data"]["decision"] == ("overturned" if overturn else "upheld")
    assert "قرار" not in sent["body"].decode()  # the note is not sent
