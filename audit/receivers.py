"""Signal receivers. They only record: no domain step runs here (STYLE: no domain steps in
signals)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from audit.services import client_ip, staff_sign_in_record


def record_sign_in(sender: Any, *, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    """allauth's ``user_logged_in``: sent once the whole sign-in (second factor included) is
    done, never by ``Client.force_login`` or Django's own ``login()``."""
    staff_sign_in_record(user=user, ip_address=client_ip(request))
