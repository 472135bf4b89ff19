"""The nightly job that removes expired sessions (they are rows in the database)."""

import datetime

import pytest
from django.utils import timezone

from accounts.models import Session
from accounts.sessions import SessionStore
from accounts.tasks import clear_expired_sessions

pytestmark = pytest.mark.django_db


def session(expires_in: datetime.timedelta) -> str:
    store = SessionStore()
    store["_auth_user_id"] = "1"
    store.set_expiry(timezone.now() + expires_in)
    store.create()
    return store.session_key


def test_expired_sessions_are_deleted_and_live_ones_kept():
    expired = [session(datetime.timedelta(minutes=-5)), session(datetime.timedelta(days=-30))]
    live = session(datetime.timedelta(hours=1))

    assert clear_expired_sessions() == 2

    assert list(Session.objects.values_list("session_key", flat=True)) == [live]
    assert not Session.objects.filter(session_key__in=expired).exists()


def test_the_job_is_on_the_nightly_schedule(settings):
    entries = [
        entry
        for entry in settings.CELERY_BEAT_SCHEDULE.values()
        if entry["task"] == "accounts.tasks.clear_expired_sessions"
    ]
    assert len(entries) == 1
    assert entries[0]["schedule"].hour == {3}
