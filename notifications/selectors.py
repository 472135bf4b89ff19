"""Reads of the notifications app, always scoped to the signed-in user."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from notifications.models import Notification

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from accounts.models import User


def notifications_for(user: User) -> QuerySet[Notification]:
    """``user``'s notifications, newest first."""
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-id")


def unread_count(user: User | AnonymousUser) -> int:
    """How many of ``user``'s notifications are unread (0 for anonymous visitors)."""
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def get_notification_for_user(user: User, pk: int) -> Notification:
    """One of ``user``'s notifications; 404 for anyone else's (their existence is not told)."""
    return get_object_or_404(notifications_for(user), pk=pk)
