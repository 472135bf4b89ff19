"""Reads are always scoped to the user."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404
from django.utils import timezone

from notifications import selectors
from tests.factories import ApplicantUserFactory
from tests.factories.notifications import NotificationFactory

pytestmark = pytest.mark.django_db


def test_notifications_for_a_user_are_theirs_only_and_newest_first():
    user = ApplicantUserFactory()
    now = timezone.now()
    older = NotificationFactory(recipient=user, created_at=now - datetime.timedelta(days=1))
    newer = NotificationFactory(recipient=user, created_at=now)
    NotificationFactory()  # someone else's

    assert list(selectors.notifications_for(user)) == [newer, older]


def test_unread_count_counts_only_the_users_unread_notifications(django_assert_num_queries):
    user = ApplicantUserFactory()
    NotificationFactory.create_batch(2, recipient=user)
    NotificationFactory(recipient=user, read=True)
    NotificationFactory()  # someone else's

    with django_assert_num_queries(1):
        assert selectors.unread_count(user) == 2


def test_unread_count_of_an_anonymous_visitor_is_zero_without_a_query(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert selectors.unread_count(AnonymousUser()) == 0


def test_another_users_notification_is_not_found():
    theirs = NotificationFactory()

    with pytest.raises(Http404):
        selectors.get_notification_for_user(ApplicantUserFactory(), theirs.pk)
    assert selectors.get_notification_for_user(theirs.recipient, theirs.pk) == theirs
