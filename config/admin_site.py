"""Django's admin behind the portal's own sign-in and second factor.

Django's admin has its own password-only login view. allauth's documented cure
(``secure_admin_login``) sends everyone who is not signed in to allauth's login page, with
``next=``, so the admin is reached through the same second factor, rate limits and sign-in
audit as the portal. The admin also shows every applicant's personal data, so it opens only
to a session that passed the second factor (``accounts.permissions.personal_data_allowed``).
"""

from __future__ import annotations

from typing import Any

from allauth.account.decorators import secure_admin_login
from django.contrib import admin
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme

from accounts.permissions import personal_data_allowed, second_factor_required_response


def has_permission(request: HttpRequest) -> bool:
    """Active staff (``is_staff``: ministry administrators) in a session that passed the
    second factor where one is required."""
    user = request.user
    return bool(user.is_active and user.is_staff and personal_data_allowed(request))


def _signed_in_staff_login(request: HttpRequest, extra_context: Any = None) -> HttpResponse:
    """Reached only by signed-in active staff (``secure_admin_login`` sends everyone else to
    allauth's login). Django's own login form is never shown or accepted: it would sign in
    with a password alone, past every limit."""
    if not has_permission(request):
        return second_factor_required_response(request)
    next_url = request.GET.get(REDIRECT_FIELD_NAME, "")
    if url_has_allowed_host_and_scheme(
        next_url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(next_url)
    return redirect("admin:index")


def secure_admin_site() -> None:
    admin.autodiscover()
    admin.site.login = secure_admin_login(_signed_in_staff_login)  # type: ignore[method-assign]
    admin.site.has_permission = has_permission  # type: ignore[method-assign]
