"""A real Celery worker on Redis delivers an SMS to a real HTTP gateway after notify() commits."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from decimal import Decimal

import pytest
from celery import Celery
from django.db import transaction

from notifications import services
from notifications.models import DeliveryStatus, Notification, NotificationKind
from tests.conftest import redis_url
from tests.factories import AidRequestFactory
from tests.notifications.conftest import GATEWAY_KEY
from tests.test_celery_worker import ROOT, database_url_for_other_processes


def start_worker(queue: str, gateway_url: str) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": database_url_for_other_processes(),
        "REDIS_URL": redis_url(),
        "SMS_BACKEND": "http",
        "SMS_GATEWAY_URL": gateway_url,
        "SMS_GATEWAY_KEY": GATEWAY_KEY,
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool=solo",
            "-Q",
            queue,
            "--without-gossip",
            "--without-mingle",
            "--loglevel=INFO",
            "--hostname",
            f"{queue}@%h",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_worker_sends_the_sms_to_the_gateway_after_notify_commits(monkeypatch, sms_gateway):
    queue = f"test-{uuid.uuid4().hex[:8]}"
    # The test settings run tasks inline; send this one to the real worker's queue instead.
    sender = Celery(broker=redis_url(), backend=redis_url())
    enqueued = []
    monkeypatch.setattr(
        services,
        "_enqueue_delivery",
        lambda notification_id: enqueued.append(
            sender.send_task(
                "notifications.tasks.deliver_notification", args=[notification_id], queue=queue
            )
        ),
    )
    aid_request = AidRequestFactory()
    worker = start_worker(queue, sms_gateway.url)
    try:
        with transaction.atomic():
            notification = services.notify(
                recipient=aid_request.applicant,
                kind=NotificationKind.REQUEST_APPROVED,
                aid_request=aid_request,
                context={"amount": Decimal("75")},
            )
            assert enqueued == []  # nothing leaves before the commit
        assert len(enqueued) == 1
        assert enqueued[0].get(timeout=60) == {"sms": "sent", "email": "skipped"}
    finally:
        worker.terminate()
        output, _ = worker.communicate(timeout=30)

    assert "notifications.tasks.deliver_notification" in output
    [call] = sms_gateway.calls
    assert call.headers["Authorization"] == f"Bearer {GATEWAY_KEY}"
    assert call.body["to"] == aid_request.applicant.mobile
    assert str(aid_request.pk) in call.body["text"]
    assert "75.000" in call.body["text"]
    notification.refresh_from_db()
    assert notification.sms_status == DeliveryStatus.SENT
    assert notification.attempts == 1
    assert Notification.objects.count() == 1
