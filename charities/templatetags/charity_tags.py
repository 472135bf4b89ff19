"""Template helpers of the charity pages: what the viewing user may do, and 2FA reminders."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings

from accounts.permissions import Capability, can, has_second_factor

register = template.Library()


@register.filter
def may(user: Any, capability: str) -> bool:
    """``{% if user|may:"manage_staff" %}``: the permission module answers, not the template."""
    return can(user, Capability(capability))


@register.filter
def needs_second_factor(user: Any) -> bool:
    """True when staff must have a second factor (``STAFF_REQUIRE_MFA``) and ``user`` has none."""
    if not settings.STAFF_REQUIRE_MFA or not getattr(user, "is_authenticated", False):
        return False
    if user.is_applicant:
        return False
    return not has_second_factor(user)
