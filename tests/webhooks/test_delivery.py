"""Events reach a real local receiver, signed; failures are retried and every attempt logged."""

from __future__ import annotations

import datetime
import json

import pytest
from django.test import override_settings

from accounts.models import Role
from charities.services.cases import (
    aid_request_release,
    release_expired_claims,
    warn_approaching_claim_deadlines,
)
from charities.services.claim import aid_request_claim
from tests.factories.cases import caseworker, family, open_request
from webhooks.exceptions import WebhookUrlRefused
from webhooks.models import (
    DeliveryStatus,
    Event,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from webhooks.services import (
    MAX_ATTEMPTS,
    webhook_delivery_attempt,
    webhook_delivery_replay,
    webhook_endpoint_create,
    webhook_endpoint_disable,
    webhook_event_emit,
)
from webhooks.signing import signature, signature_valid

pytestmark = pytest.mark.django_db(transaction=True)


def endpoint_for(manager, receiver, events=tuple(Event.values)):
    return webhook_endpoint_create(
        actor=manager, url=receiver.url, events=events, second_factor_passed=True
    )


def test_a_claim_is_posted_signed_to_the_receiver(manager, receiver, capital, needy):
    endpoint, secret = endpoint_for(manager, receiver)
    aid_request = open_request(family(capital), needy, capital)
    aid_request_claim(aid_request_id=aid_request.pk, actor=manager, second_factor_passed=True)
    [sent] = receiver.received
    headers, raw = sent["headers"], sent["body"]
    assert headers["X-Musaada-Event"] == "case.claimed"
    delivery = WebhookDelivery.objects.get()
    assert headers["X-Musaada-Delivery"] == str(delivery.pk)
    assert signature_valid(
        secret, headers["X-Musaada-Timestamp"], raw, headers["X-Musaada-Signature"]
    )
    assert not signature_valid(
        "whsec_other", headers["X-Musaada-Timestamp"], raw, headers["X-Musaada-Signature"]
    )
    body = json.loads(raw)
    assert body["event"] == "case.claimed"
    assert body["organisation"] == endpoint.organisation_id
    assert body["data"]["case_id"] == aid_request.pk
    assert body["data"]["reference"] == aid_request.reference
    text = raw.decode()
    applicant = aid_request.applicant
    assert applicant.civil_id not in text
    assert delivery.status == DeliveryStatus.DELIVERED
    assert WebhookAttempt.objects.get().response_status == 200


def test_the_signature_is_hmac_sha256_of_timestamp_dot_body():
    import hashlib
    import hmac

    expected = hmac.new(b"s", b"1700000000.{}", hashlib.sha256).hexdigest()
    assert signature("s", 1700000000, "{}") == f"sha256={expected}"


def test_a_500_is_retried_until_a_2xx_and_every_attempt_is_logged(manager, receiver):
    endpoint, _secret = endpoint_for(manager, receiver)
    receiver.answers.extend([500, 503])
    webhook_event_emit(
        organisation_id=endpoint.organisation_id,
        event=Event.CASE_RELEASED,
        data={"case_id": 1},
    )
    assert len(receiver.received) == 3
    assert len({r["body"] for r in receiver.received}) == 1  # the same body each time
    attempts = list(WebhookAttempt.objects.order_by("number"))
    assert [(a.number, a.response_status, a.succeeded) for a in attempts] == [
        (1, 500, False),
        (2, 503, False),
        (3, 200, True),
    ]
    assert WebhookDelivery.objects.get().status == DeliveryStatus.DELIVERED


def test_a_delivery_fails_after_the_last_attempt_and_can_be_replayed(manager, receiver):
    endpoint, secret = endpoint_for(manager, receiver)
    receiver.answers.extend([500] * MAX_ATTEMPTS)
    webhook_event_emit(
        organisation_id=endpoint.organisation_id, event=Event.CASE_CLAIMED, data={"case_id": 2}
    )
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts.count() == MAX_ATTEMPTS
    webhook_delivery_replay(actor=manager, delivery_id=delivery.pk, second_factor_passed=True)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED
    replayed = receiver.received[-1]
    assert replayed["body"] == receiver.received[0]["body"]
    assert signature_valid(
        secret,
        replayed["headers"]["X-Musaada-Timestamp"],
        replayed["body"],
        replayed["headers"]["X-Musaada-Signature"],
    )
    assert delivery.attempts.filter(is_replay=True).count() == 1


def test_a_connection_error_is_logged_and_retried(manager, receiver):
    endpoint, _secret = endpoint_for(manager, receiver)
    endpoint.url = "http://127.0.0.1:9/closed"  # nothing listens on the discard port
    endpoint.save()
    webhook_event_emit(
        organisation_id=endpoint.organisation_id, event=Event.CASE_CLAIMED, data={"case_id": 3}
    )
    attempts = list(WebhookAttempt.objects.all())
    assert len(attempts) == MAX_ATTEMPTS
    assert all(a.response_status is None and a.error for a in attempts)


def test_only_subscribed_active_endpoints_of_the_organisation_get_the_event(
    manager, receiver, needy, capital
):
    endpoint, _ = endpoint_for(manager, receiver, events=[Event.PAYMENT_RECORDED])
    other = caseworker([needy], [capital], role=Role.MANAGER)
    endpoint_for(other, receiver)
    assert (
        webhook_event_emit(
            organisation_id=endpoint.organisation_id, event=Event.CASE_CLAIMED, data={}
        )
        == []
    )
    webhook_endpoint_disable(actor=manager, endpoint_id=endpoint.pk, second_factor_passed=True)
    assert (
        webhook_event_emit(
            organisation_id=endpoint.organisation_id, event=Event.PAYMENT_RECORDED, data={}
        )
        == []
    )
    assert receiver.received == []


def test_release_and_the_deadline_emit_their_events(manager, receiver, capital, needy):
    endpoint_for(manager, receiver)
    first = open_request(family(capital), needy, capital)
    second = open_request(family(capital), needy, capital)
    for case in (first, second):
        aid_request_claim(aid_request_id=case.pk, actor=manager, second_factor_passed=True)
    second.refresh_from_db()
    aid_request_release(
        aid_request_id=first.pk, actor=manager, reason="لا نملك ميزانية", second_factor_passed=True
    )
    days = 10
    with override_settings(CLAIM_DEADLINE_DAYS=days):
        soon = second.claimed_at + datetime.timedelta(days=days, hours=-2)
        assert warn_approaching_claim_deadlines(now=soon) == [second.pk]
        assert warn_approaching_claim_deadlines(now=soon) == []  # once per claim
        release_expired_claims(now=second.claimed_at + datetime.timedelta(days=days, hours=1))
    events = [json.loads(r["body"]) for r in receiver.received]
    events = [(e["event"], e["data"]) for e in events if e["event"] != "case.claimed"]
    assert [e for e, _ in events] == [
        "case.released",
        "case.deadline_approaching",
        "case.released",
    ]
    assert events[0][1]["by"] == "organisation"
    assert events[1][1]["case_id"] == second.pk
    assert events[2][1]["by"] == "deadline"


@override_settings(PRODUCTION=True)
def test_production_refuses_plain_http(manager, receiver):
    with pytest.raises(WebhookUrlRefused):
        endpoint_for(manager, receiver)


def test_outside_production_only_local_http_is_accepted(manager):
    with pytest.raises(WebhookUrlRefused):
        webhook_endpoint_create(
            actor=manager,
            url="http://example.com/hook",
            events=[Event.CASE_CLAIMED],
            second_factor_passed=True,
        )


@pytest.mark.django_db  # not transactional: the send queued after the commit waits in the test
def test_a_delivery_to_an_endpoint_disabled_before_the_send_ends_cancelled(
    manager, receiver, django_capture_on_commit_callbacks
):
    endpoint, _secret = endpoint_for(manager, receiver)
    with django_capture_on_commit_callbacks() as queued:  # the send is queued, not yet run
        webhook_event_emit(
            organisation_id=endpoint.organisation_id, event=Event.CASE_CLAIMED, data={}
        )
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING
    webhook_endpoint_disable(actor=manager, endpoint_id=endpoint.pk, second_factor_passed=True)
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.CANCELLED
    for send in queued:  # the worker picks the send up after the disable
        send()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.CANCELLED
    assert receiver.received == []
    assert not delivery.attempts.exists()


def test_a_retry_after_the_endpoint_was_switched_off_ends_cancelled(manager, receiver):
    """Switched off elsewhere than by the service (the admin site) between two attempts."""
    endpoint, _secret = endpoint_for(manager, receiver)
    receiver.answers.extend([500] * MAX_ATTEMPTS)
    webhook_event_emit(organisation_id=endpoint.organisation_id, event=Event.CASE_CLAIMED, data={})
    delivery = WebhookDelivery.objects.get()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.PENDING)
    WebhookEndpoint.objects.filter(pk=endpoint.pk).update(is_active=False)
    assert webhook_delivery_attempt(delivery_id=delivery.pk, number=2) is True
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.CANCELLED
    assert delivery.attempts.count() == MAX_ATTEMPTS  # no attempt added
