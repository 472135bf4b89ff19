"""Notification pages: the owner, another user (404), anonymous (sign in), wrong method (405)."""

from __future__ import annotations

import pytest

from accounts.models import Role
from notifications.models import Notification
from notifications.views import PAGE_SIZE
from tests.factories import ApplicantUserFactory, CharityStaffFactory, StaffUserFactory
from tests.factories.notifications import NotificationFactory

pytestmark = pytest.mark.django_db

LIST = "/notifications/"
MARK_ALL = "/notifications/read/"
COUNT = "/notifications/unread-count/"


def mark_one(notification: Notification) -> str:
    return f"/notifications/{notification.pk}/read/"


@pytest.mark.parametrize(
    "make_user",
    [
        ApplicantUserFactory,
        lambda: CharityStaffFactory(role=Role.MANAGER),
        lambda: StaffUserFactory(role=Role.MINISTRY_OFFICIAL),  # a read-only user
    ],
    ids=["applicant", "charity-manager", "ministry-official"],
)
def test_every_user_sees_their_own_notifications_and_nobody_elses(client, make_user):
    user = make_user()
    mine = NotificationFactory(recipient=user, context={"number": 4242})
    NotificationFactory(context={"number": 9191})  # someone else's
    client.force_login(user)

    response = client.get(LIST)

    assert response.status_code == 200
    assert list(response.context["page"].object_list) == [mine]
    page = response.content.decode()
    assert "4242" in page
    assert "9191" not in page


def test_unread_notifications_are_highlighted_and_read_ones_are_not(client):
    user = ApplicantUserFactory()
    NotificationFactory(recipient=user)
    NotificationFactory(recipient=user, read=True)
    client.force_login(user)

    page = client.get(LIST).content.decode()

    assert page.count('data-testid="notification"') == 2
    assert page.count('data-unread="true"') == 1
    assert "style=" not in page
    assert "<script>" not in page  # strict CSP: scripts only from files


def test_the_list_is_paginated_with_a_fixed_number_of_queries(client, django_assert_num_queries):
    user = ApplicantUserFactory()
    NotificationFactory.create_batch(PAGE_SIZE + 5, recipient=user)
    client.force_login(user)
    client.get(LIST)  # warm the session

    # the session with its user (one statement), the page count, the page rows, the unread count.
    with django_assert_num_queries(4):
        first = client.get(LIST)
    second = client.get(LIST, {"page": 2})

    assert len(first.context["page"].object_list) == PAGE_SIZE
    assert len(second.context["page"].object_list) == 5


def test_mark_all_read_marks_only_the_users_notifications_and_redirects(client):
    user = ApplicantUserFactory()
    NotificationFactory.create_batch(2, recipient=user)
    other = NotificationFactory()
    client.force_login(user)

    response = client.post(MARK_ALL)

    assert response.status_code == 302
    assert response["Location"] == LIST
    assert not Notification.objects.filter(recipient=user, read_at__isnull=True).exists()
    other.refresh_from_db()
    assert other.read_at is None


def test_the_owner_marks_one_notification_read(client):
    notification = NotificationFactory()
    client.force_login(notification.recipient)

    response = client.post(mark_one(notification))

    assert response.status_code == 302
    notification.refresh_from_db()
    assert notification.read_at is not None


def test_another_user_cannot_mark_a_notification_and_learns_nothing(client):
    notification = NotificationFactory()
    client.force_login(ApplicantUserFactory())

    assert client.post(mark_one(notification)).status_code == 404
    assert client.post("/notifications/987654/read/").status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None


def test_the_unread_count_partial_counts_the_users_unread_notifications(client):
    user = ApplicantUserFactory()
    NotificationFactory.create_batch(3, recipient=user)
    NotificationFactory()  # someone else's
    client.force_login(user)

    response = client.get(COUNT, headers={"HX-Request": "true"})

    assert response.status_code == 200
    assert response.context["count"] == 3
    assert "<html" not in response.content.decode()
    assert 'hx-get="/notifications/unread-count/"' in response.content.decode()


def test_the_unread_count_partial_is_hidden_when_there_is_nothing_unread(client):
    client.force_login(ApplicantUserFactory())

    response = client.get(COUNT)

    assert response.context["count"] == 0
    assert "d-none" in response.content.decode()


@pytest.mark.parametrize("url", [LIST, MARK_ALL, COUNT, "/notifications/1/read/"])
def test_anonymous_visitors_are_sent_to_sign_in(client, url):
    method = client.post if url.endswith("/read/") else client.get

    response = method(url)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("post", LIST),
        ("get", MARK_ALL),
        ("get", "/notifications/1/read/"),
        ("post", COUNT),
        ("delete", LIST),
    ],
)
def test_the_wrong_method_is_refused(client, method, url):
    client.force_login(ApplicantUserFactory())

    assert getattr(client, method)(url).status_code == 405
