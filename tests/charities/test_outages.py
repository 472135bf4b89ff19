"""Issue 11: a claim or an invitation is saved and answered normally while Redis or SMTP is down.

Real parts only: the project's Celery app sends to a Redis URL whose port is closed (with the
production publish settings), and Django's SMTP backend connects to a closed port.
"""

from __future__ import annotations

import logging
import time

import pytest

from accounts.models import Role, User
from aid_requests.models import RequestStatus
from charities.models import StaffMembership
from notifications.models import DeliveryStatus, Notification
from tests.conftest import closed_port
from tests.factories.cases import caseworker, family, open_request
from tests.test_celery_worker import tasks_go_to, unique_queue

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_claim_with_redis_down_is_saved_answered_normally_and_its_notification_stays_pending(
    client, capital, needy, caplog
):
    manager = caseworker([needy], [capital], role=Role.MANAGER)
    aid_request = open_request(family(capital), needy, capital)
    client.force_login(manager)

    with tasks_go_to(unique_queue(), broker=f"redis://127.0.0.1:{closed_port()}/0"):
        started = time.monotonic()
        response = client.post(f"/charity/queue/{aid_request.pk}/claim/")
        took = time.monotonic() - started

    assert response.status_code == 302
    assert response["Location"] == f"/charity/cases/{aid_request.pk}/"
    aid_request.refresh_from_db()
    assert aid_request.status == RequestStatus.CLAIMED
    notification = Notification.objects.get(recipient=aid_request.applicant)
    assert (notification.sms_status, notification.attempts) == (DeliveryStatus.PENDING, 0)
    assert any("notifications.services._enqueue_delivery" in r.getMessage() for r in caplog.records)
    # Coarse on purpose (19 s before issue 11, ~0.1 s now; see docs/decisions.md): a loaded
    # machine must not make this flaky, a broker call that waits on retries must fail it.
    assert took < 10


def test_a_staff_invitation_with_smtp_down_is_saved_and_answered_normally(
    client, capital, needy, settings, caplog
):
    manager = caseworker([needy], [capital], role=Role.MANAGER)
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", closed_port()
    settings.EMAIL_TIMEOUT = 2
    client.force_login(manager)

    with caplog.at_level(logging.ERROR):
        response = client.post(
            "/charity/staff/invite/",
            {"full_name": "Huda", "email": "huda@example.test", "role": Role.CASEWORKER},
        )

    assert response.status_code == 302
    invited = User.objects.get(email="huda@example.test")
    assert StaffMembership.objects.filter(user=invited, is_active=True).exists()
    [failure] = [r for r in caplog.records if r.name == "config.commit"]
    assert "charities.services.mail.send_email" in failure.getMessage()
    assert issubclass(failure.exc_info[0], OSError)  # ConnectionRefusedError
    assert "huda@example.test" not in failure.getMessage()
