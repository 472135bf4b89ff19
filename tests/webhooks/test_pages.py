"""A manager's webhook pages: who may use them (only a manager of the organisation, only after
the second factor), and what they do (the secret shown once, the log, replay)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from accounts.models import Role
from audit.models import AuditEntry
from tests.api.conftest import org_manager
from tests.factories import ApplicantUserFactory, CharityStaffFactory, StaffUserFactory
from tests.factories.second_factor import sign_in_with_second_factor
from webhooks.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from webhooks.services import webhook_endpoint_create

pytestmark = pytest.mark.django_db

CREATE = {"url": "https://hooks.example.org/musaada", "events": ["case.claimed"]}
NAMES = ["list", "create", "disable", "log", "replay"]


@pytest.fixture
def delivery(manager):
    endpoint, _secret = webhook_endpoint_create(
        actor=manager,
        url="https://hooks.example.org/in",
        events=["case.claimed"],
        second_factor_passed=True,
    )
    return WebhookDelivery.objects.create(
        endpoint=endpoint, event="case.claimed", body="{}", created_at=timezone.now()
    )


def pages(delivery):
    """name → (method, path, data)."""
    e, d = delivery.endpoint_id, delivery.pk
    return {
        "list": ("get", "/charity/webhooks/", {}),
        "create": ("post", "/charity/webhooks/new/", CREATE),
        "disable": ("post", f"/charity/webhooks/{e}/disable/", {}),
        "log": ("get", f"/charity/webhooks/{e}/deliveries/", {}),
        "replay": ("post", f"/charity/webhooks/deliveries/{d}/replay/", {}),
    }


def call(client, name, delivery, *, method=None):
    verb, path, data = pages(delivery)[name]
    return getattr(client, method or verb)(path, data)


def someone(kind, manager, capital, needy):
    organisation = manager.membership.organisation
    return {
        "caseworker": lambda: CharityStaffFactory(
            role=Role.CASEWORKER, membership__organisation=organisation
        ),
        "ministry-admin": lambda: StaffUserFactory(role=Role.MINISTRY_ADMIN),
        "applicant": lambda: ApplicantUserFactory(),
    }[kind]()


def unchanged(delivery):
    assert WebhookEndpoint.objects.count() == 1
    assert WebhookEndpoint.objects.get().is_active
    assert not AuditEntry.objects.filter(action="webhook.delivery_replayed").exists()


@pytest.mark.parametrize("name", NAMES)
def test_anonymous_is_sent_to_sign_in(client, delivery, name):
    response = call(client, name, delivery)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    unchanged(delivery)


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("kind", ["caseworker", "ministry-admin", "applicant"])
def test_only_managers_get_in(client, delivery, manager, capital, needy, name, kind):
    client.force_login(someone(kind, manager, capital, needy))
    assert call(client, name, delivery).status_code == 403
    unchanged(delivery)


@pytest.mark.parametrize("name", ["disable", "log", "replay"])
def test_another_organisations_manager_gets_404(client, delivery, capital, needy, name):
    client.force_login(org_manager(needy, capital))
    assert call(client, name, delivery).status_code == 404
    unchanged(delivery)


@pytest.mark.parametrize("name", NAMES)
def test_the_second_factor_is_required(client, settings, delivery, manager, name):
    settings.STAFF_REQUIRE_MFA = True
    client.force_login(manager)  # no second factor in this session
    assert call(client, name, delivery).status_code == 403
    unchanged(delivery)


@pytest.mark.parametrize("name", NAMES)
def test_the_wrong_method_is_405(client, delivery, manager, name):
    client.force_login(manager)
    wrong = "post" if pages(delivery)[name][0] == "get" else "get"
    assert call(client, name, delivery, method=wrong).status_code == 405


def test_a_manager_creates_an_endpoint_and_sees_its_secret_once(client, settings, manager):
    settings.STAFF_REQUIRE_MFA = True
    sign_in_with_second_factor(client, manager)
    response = client.post("/charity/webhooks/new/", CREATE)
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    secret = response.context["secret"]
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.secret == secret
    assert endpoint.organisation_id == manager.membership.organisation_id
    listing = client.get("/charity/webhooks/")
    assert listing.status_code == 200
    assert secret.encode() not in listing.content
    assert b"hooks.example.org" in listing.content
    assert AuditEntry.objects.get(action="webhook.endpoint_created").actor == manager


def test_plain_http_to_another_host_is_refused(client, manager):
    client.force_login(manager)
    response = client.post("/charity/webhooks/new/", {**CREATE, "url": "http://example.org/x"})
    assert response.status_code == 400
    assert WebhookEndpoint.objects.count() == 0


def test_the_log_shows_every_attempt_and_disable_and_replay_work(client, manager, delivery):
    WebhookAttempt.objects.create(
        delivery=delivery,
        number=1,
        started_at=timezone.now(),
        duration_ms=12,
        response_status=503,
    )
    client.force_login(manager)
    log = client.get(f"/charity/webhooks/{delivery.endpoint_id}/deliveries/")
    assert log.status_code == 200
    assert b"503" in log.content
    replayed = client.post(f"/charity/webhooks/deliveries/{delivery.pk}/replay/")
    assert replayed.status_code == 302
    assert AuditEntry.objects.filter(action="webhook.delivery_replayed").count() == 1
    disabled = client.post(f"/charity/webhooks/{delivery.endpoint_id}/disable/")
    assert disabled.status_code == 302
    assert not WebhookEndpoint.objects.get().is_active


def test_a_delivery_left_unsent_by_a_disable_shows_cancelled_in_the_log(client, manager, delivery):
    client.force_login(manager)
    client.post(f"/charity/webhooks/{delivery.endpoint_id}/disable/")
    delivery.refresh_from_db()
    assert delivery.status == "cancelled"
    log = client.get(f"/charity/webhooks/{delivery.endpoint_id}/deliveries/")
    html = log.content.decode()
    assert "أُلغي: عُطّل العنوان قبل الإرسال" in html  # the status, translated
    assert "لم يُرسل" in html  # and no attempt is waiting
