"""Signal receivers. They only record: no domain step runs here (STYLE: no domain steps in
signals)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from accounts.step_up import account_for_login
from audit.services import (
    client_ip,
    sign_in_failure_record,
    sign_in_step_up_record,
    staff_sign_in_record,
)


def record_sign_in(sender: Any, *, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    """allauth's ``user_logged_in``: sent once the whole sign-in (second factor included) is
    done, never by ``Client.force_login`` or Django's own ``login()``."""
    staff_sign_in_record(user=user, ip_address=client_ip(request))


def record_sign_in_code_rejected(
    sender: Any, *, request: HttpRequest, user: Any, **kwargs: Any
) -> None:
    """allauth's ``login_code_rejected``: a wrong one-time code at the extra sign-in step."""
    sign_in_step_up_record(user=user, step="rejected", ip_address=client_ip(request))


def record_sign_in_failed(
    sender: Any, *, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    """Django's ``user_login_failed`` (a wrong password, or no such account): aggregated per
    (account or typed login, address) by ``sign_in_failure_record``."""
    login = str(credentials.get("email") or credentials.get("username") or "")
    sign_in_failure_record(
        login=login,
        user=account_for_login(credentials),
        ip_address=client_ip(request) if request is not None else None,
    )
