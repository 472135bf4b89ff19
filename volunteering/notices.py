"""Notifications of paid volunteering (texts in ``notifications.messages``), called inside the
service's transaction: they go out after it commits.

The volunteer gets them by SMS and e-mail like any applicant. The organisation's notices (a new
application, a disputed week) go to its active staff in the portal only (``deliver=False``): a
busy organisation's staff would otherwise get a text message for every application.
"""

from __future__ import annotations

from typing import Any

from accounts.models import User
from aid_requests.models import AidRequest
from notifications.models import NotificationKind
from notifications.services import notify
from volunteering.models import Opportunity


def title(opportunity: Opportunity) -> dict[str, str]:
    return {"ar": opportunity.title_ar, "en": opportunity.title_en}


def tell_volunteer(
    volunteer: User,
    kind: NotificationKind,
    opportunity: Opportunity,
    *,
    aid_request: AidRequest | None = None,
    **context: Any,
) -> None:
    notify(
        recipient=volunteer,
        kind=kind,
        aid_request=aid_request,
        context={"opportunity": title(opportunity), **context},
    )


def tell_organisation(kind: NotificationKind, opportunity: Opportunity, **context: Any) -> None:
    staff = User.objects.filter(
        membership__organisation_id=opportunity.organisation_id,
        membership__is_active=True,
        is_active=True,
    ).order_by("pk")
    for member in staff:
        notify(
            recipient=member,
            kind=kind,
            context={"opportunity": title(opportunity), **context},
            deliver=False,
        )
