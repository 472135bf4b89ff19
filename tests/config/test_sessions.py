"""Sessions: Django's database store, read with one plain statement (config/sessions.py)."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from config.sessions import SessionStore

pytestmark = pytest.mark.django_db


def saved(expires_in: datetime.timedelta, **data) -> str:
    store = SessionStore()
    store.update(data)
    store.set_expiry(timezone.now() + expires_in)
    store.create()
    return str(store.session_key)


def test_the_portal_keeps_its_sessions_in_this_store():
    assert settings.SESSION_ENGINE == "config.sessions"


def test_a_live_session_is_read_in_one_plain_statement():
    """The ORM's ``get`` would send ``LIMIT 21``: this store sends its own statement (issue 19)."""
    key = saved(datetime.timedelta(hours=1), _auth_user_id="7", step="two")
    store = SessionStore(key)
    with CaptureQueriesContext(connection) as queries:
        data = store.load()
    assert data == {"_auth_user_id": "7", "step": "two", "_session_expiry": data["_session_expiry"]}
    assert len(queries) == 1
    assert "LIMIT" not in queries[0]["sql"]
    assert store.session_key == key


@pytest.mark.parametrize("key", ["expired", "unknown", "tampered"])
def test_an_expired_unknown_or_tampered_session_reads_empty_and_its_key_is_forgotten(key):
    expired = saved(datetime.timedelta(minutes=-1), _auth_user_id="7")
    live = saved(datetime.timedelta(hours=1), _auth_user_id="7")
    if key == "tampered":
        Session.objects.filter(session_key=live).update(session_data="not-signed:data")
    store = SessionStore({"expired": expired, "unknown": "x" * 32, "tampered": live}[key])
    assert store.load() == {}
    if key != "tampered":  # Django keeps the key of a row it read but could not decode
        assert store.session_key is None


def test_a_session_saved_again_is_read_with_its_new_data():
    key = saved(datetime.timedelta(hours=1), step="one")
    store = SessionStore(key)
    store["step"] = "two"
    store.save()
    assert SessionStore(key).load()["step"] == "two"
