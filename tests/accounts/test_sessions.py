"""Sessions: Django's database store, read with its signed-in user in one plain statement
(accounts/sessions.py), and the user found from it exactly as Django finds it."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest
from django.apps import apps as installed_apps
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore as DjangoStore
from django.contrib.sessions.models import Session as DjangoSession
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import Session
from accounts.sessions import SessionStore, signed_in_user
from tests.factories import ApplicantUserFactory
from tests.factories.cases import caseworker

pytestmark = pytest.mark.django_db

UNREAD = "notifications:unread_count"


def saved(expires_in: datetime.timedelta, **data) -> str:
    store = SessionStore()
    store.update(data)
    store.set_expiry(timezone.now() + expires_in)
    store.create()
    return str(store.session_key)


def signed_in(user) -> str:
    """A session signed in to ``user`` as ``django.contrib.auth.login`` leaves it."""
    return saved(
        datetime.timedelta(hours=1),
        **{
            SESSION_KEY: str(user.pk),
            BACKEND_SESSION_KEY: settings.AUTHENTICATION_BACKENDS[0],
            HASH_SESSION_KEY: user.get_session_auth_hash(),
        },
    )


def user_of(key: str):
    """``request.user`` of a request carrying the session ``key``, and the statements sent."""
    request = RequestFactory().get("/")
    request.session = SessionStore(key)
    with CaptureQueriesContext(connection) as queries:
        user = signed_in_user(request)
        user.is_authenticated  # noqa: B018 - evaluated inside the capture
    return user, [q["sql"] for q in queries.captured_queries]


def user_statements(queries: list[str]) -> list[str]:
    table = connection.ops.quote_name("accounts_user")
    return [q for q in queries if f"FROM {table}" in q]


def test_the_portal_keeps_its_sessions_in_this_store():
    assert settings.SESSION_ENGINE == "accounts.sessions"
    assert Session.get_session_store_class() is SessionStore


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


def test_each_saved_session_keeps_the_id_of_the_user_its_data_names():
    user = ApplicantUserFactory()
    assert Session.objects.get(session_key=signed_in(user)).user_id == user.pk
    assert Session.objects.get(session_key=saved(datetime.timedelta(hours=1))).user_id is None
    odd = saved(datetime.timedelta(hours=1), _auth_user_id="not-a-number")
    assert Session.objects.get(session_key=odd).user_id is None


def test_the_signed_in_user_is_read_with_the_session_in_one_statement():
    user = ApplicantUserFactory()
    found, queries = user_of(signed_in(user))
    assert found == user
    assert len(queries) == 1
    assert "accounts_session" in queries[0]
    assert "accounts_user" in queries[0]


def test_a_staff_members_organisation_comes_with_them():
    staff = caseworker([], [])
    found, queries = user_of(signed_in(staff))
    with CaptureQueriesContext(connection) as more:
        organisation = found.membership.organisation
    assert organisation == staff.membership.organisation
    assert len(queries) == 1
    assert len(more) == 0


def test_a_signed_in_page_reads_the_user_only_with_its_session(client):
    user = ApplicantUserFactory()
    client.force_login(user)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse(UNREAD))
    assert response.status_code == 200
    assert response.wsgi_request.user == user
    assert user_statements([q["sql"] for q in queries.captured_queries]) == []


def test_the_data_not_the_column_says_who_is_signed_in():
    """A session row whose user column names someone else (changed behind Django's back)
    signs in the user its signed data names, read on its own."""
    mine, other = ApplicantUserFactory(), ApplicantUserFactory()
    key = signed_in(mine)
    Session.objects.filter(session_key=key).update(user_id=other.pk)
    found, queries = user_of(key)
    assert found == mine
    assert len(queries) == 2  # the session with the other, then its own user on its own
    assert user_statements(queries[1:]) == queries[1:]


def test_a_session_saved_before_it_kept_its_user_still_signs_in():
    user = ApplicantUserFactory()
    key = signed_in(user)
    Session.objects.filter(session_key=key).update(user_id=None)
    found, queries = user_of(key)
    assert found == user
    assert len(queries) == 2


def test_a_changed_password_signs_out_a_session_read_with_its_user():
    user = ApplicantUserFactory()
    key = signed_in(user)
    user.set_password("another-long-Passw0rd")
    user.save()
    found, _ = user_of(key)
    assert not found.is_authenticated
    assert not Session.objects.filter(session_key=key).exists()  # Django flushed it


def test_a_deactivated_user_read_with_the_session_is_not_signed_in():
    user = ApplicantUserFactory()
    key = signed_in(user)
    user.is_active = False
    user.save()
    found, _ = user_of(key)
    assert not found.is_authenticated


def test_a_deleted_users_sessions_go_with_them():
    user = ApplicantUserFactory()
    key = signed_in(user)
    user.delete()
    assert not Session.objects.filter(session_key=key).exists()


def test_a_user_deleted_behind_the_orms_back_is_not_signed_in():
    user = ApplicantUserFactory()
    key = signed_in(user)
    with connection.cursor() as cursor:  # no foreign key in the database: the row stays
        cursor.execute("DELETE FROM accounts_user WHERE id = %s", [user.pk])
    found, _ = user_of(key)
    assert not found.is_authenticated


def test_the_user_read_with_a_session_is_given_once():
    user = ApplicantUserFactory()
    store = SessionStore(signed_in(user))
    store.load()
    assert store.take_user(str(user.pk)) == user
    assert store.take_user(str(user.pk)) is None


def test_the_user_read_with_a_session_is_given_only_for_its_own_id():
    mine, other = ApplicantUserFactory(), ApplicantUserFactory()
    store = SessionStore(signed_in(mine))
    store.load()
    assert store.take_user(str(other.pk)) is None
    assert store.take_user(str(mine.pk)) is None  # spent by the first ask


def test_sign_in_and_sign_out_through_the_portal_keep_the_column_right(client):
    user = ApplicantUserFactory()
    client.force_login(user)
    key = client.cookies[settings.SESSION_COOKIE_NAME].value
    assert Session.objects.get(session_key=key).user_id == user.pk
    client.post(reverse("account_logout"))
    assert not Session.objects.filter(session_key=key).exists()
    assert not Session.objects.filter(user_id=user.pk).exists()


def test_the_upgrade_moves_live_sessions_with_their_users():
    """accounts migration 0003: Django's table's live sessions move to accounts' own, each
    with its user's id read from its data; the expired ones and the old table's rows go."""
    from importlib import import_module

    move = import_module("accounts.migrations.0003_session").move_sessions
    user = ApplicantUserFactory()
    old = DjangoStore()
    old.update({SESSION_KEY: str(user.pk), "step": "two"})
    old.create()
    anonymous = DjangoStore()
    anonymous["step"] = "one"
    anonymous.create()
    DjangoSession.objects.create(
        session_key="e" * 32, session_data="x", expire_date=timezone.now() - datetime.timedelta(1)
    )
    move(installed_apps, SimpleNamespace(connection=connection))
    assert not DjangoSession.objects.exists()
    moved = dict(Session.objects.values_list("session_key", "user_id"))
    assert moved == {old.session_key: user.pk, anonymous.session_key: None}
    assert SessionStore(old.session_key).load()["step"] == "two"
