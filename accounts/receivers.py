"""Signal receivers. They only record: no domain step runs here (STYLE: no domain steps in
signals)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest


def record_second_factor_on_activation(
    sender: Any, *, request: HttpRequest, user: Any, authenticator: Any, **kwargs: Any
) -> None:
    """allauth's ``authenticator_added``: whoever just activated a TOTP device typed a valid
    code from it in this session, so this session passed the second factor
    (``accounts.permissions.second_factor_passed``) and need not sign in again."""
    from allauth.account.internal.flows.login import record_authentication
    from allauth.mfa.models import Authenticator

    if authenticator.type != Authenticator.Type.TOTP or request is None:
        return
    if getattr(request, "user", None) != user:
        return
    record_authentication(
        request, user, "mfa", id=authenticator.pk, type=authenticator.type, activated=True
    )
