"""Repeated failed sign-ins to one account, and the extra step they bring (and the daily limit
on "someone tried to register with your civil ID" warnings, also kept in the cache).

Someone who knows only a civil ID (or a staff e-mail) must not be able to keep its owner out,
so failures never lock an account. Instead they are counted per account (in the cache), and
while an account has had ``SIGN_IN_STEP_UP_AFTER`` failures with less than
``SIGN_IN_FAILURE_WINDOW_SECONDS`` between one and the next, a sign-in with the right password
needs one more step: a one-time code, by SMS to an applicant's mobile or by e-mail to staff
(staff who have a TOTP device give that instead; allauth's MFA stage asks for it). The code is
allauth's login-by-code stage (``accounts.stages.StepUpCodeStage``): a few tries, a short life.

The counter lives in Django's cache. If the cache cannot be reached, the count is taken as
zero (logged): a Redis outage must not keep anyone out, and the per-address limits still apply.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import cache

from accounts.civil_id import normalise_login
from accounts.models import Role, User

logger = logging.getLogger(__name__)


def _key(user: User) -> str:
    return f"signin-failures:{user.pk}"


def account_for_login(credentials: dict[str, str]) -> User | None:
    """The account a failed sign-in aimed at: an applicant by civil ID, staff by e-mail (the
    same split as accounts.backends), or None when nothing matches."""
    email = credentials.get("email")
    if email:
        return (
            User.objects.filter(email__iexact=normalise_login(email))
            .exclude(role=Role.APPLICANT)
            .first()
        )
    username = credentials.get("username")
    if username:
        return User.objects.filter(civil_id=normalise_login(username), role=Role.APPLICANT).first()
    return None


def sign_in_failure_count(user: User) -> int:
    try:
        return int(cache.get(_key(user)) or 0)
    except Exception:
        logger.exception("sign-in failure counter unreachable; counted as zero")
        return 0


def sign_in_failure_add(user: User) -> int:
    """Count one more failure; the window restarts with each one (an attack that goes on keeps
    the extra step in place). Returns the count."""
    key, window = _key(user), settings.SIGN_IN_FAILURE_WINDOW_SECONDS
    try:
        cache.add(key, 0, timeout=window)
        count = cache.incr(key)
        cache.touch(key, timeout=window)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, timeout=window)
        count = 1
    except Exception:
        logger.exception("sign-in failure counter unreachable; failure not counted")
        return 0
    return int(count)


def sign_in_failures_clear(user: User) -> None:
    try:
        cache.delete(_key(user))
    except Exception:
        logger.exception("sign-in failure counter unreachable; not cleared")


def step_up_required(user: User) -> bool:
    return sign_in_failure_count(user) >= settings.SIGN_IN_STEP_UP_AFTER


def first_signup_warning_today(user: User) -> bool:
    """True the first time in 24 hours that someone tries to sign up with ``user``'s civil ID:
    the owner is warned by SMS at most once a day, however often it is tried. If the cache
    cannot be reached, no warning is sent (logged): SMS cost and annoyance are worse than a
    missed warning, and nothing was created."""
    try:
        return bool(cache.add(f"signup-warned:{user.pk}", 1, timeout=24 * 3600))
    except Exception:
        logger.exception("sign-up warning throttle unreachable; no warning sent")
        return False
