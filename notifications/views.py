"""Notification pages of the signed-in user: the list, marking read, the unread badge."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from accounts.http import AuthenticatedHttpRequest
from notifications import selectors, services

PAGE_SIZE = 20


@require_GET
@login_required
def notification_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    page = Paginator(
        selectors.notifications_for(request.user),
        PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "unread": selectors.unread_count(request.user),
    }
    return render(request, "notifications/list.html", context)


@require_POST
@login_required
def mark_all_read(request: AuthenticatedHttpRequest) -> HttpResponse:
    count = services.notification_mark_all_read(user=request.user)
    if count:
        messages.success(request, _("All notifications are marked as read."))
    return redirect("notifications:list")


@require_POST
@login_required
def mark_read(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    notification = selectors.get_notification_for_user(request.user, pk)
    services.notification_mark_read(user=request.user, notification_id=notification.pk)
    return redirect("notifications:list")


@require_GET
@login_required
def unread_count(request: AuthenticatedHttpRequest) -> HttpResponse:
    context = {"count": selectors.unread_count(request.user)}
    return render(request, "notifications/partials/unread_count.html", context)
