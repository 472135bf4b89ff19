"""Staff with a real TOTP device, signed in through allauth with password and code.

``Client.force_login`` gives a session that never passed the second factor: since issue 11
such a session sees no personal data when ``STAFF_REQUIRE_MFA`` is on. Tests that need a
staff member who did pass it sign in the honest way, so allauth writes its own record of the
second factor into the session.
"""

from __future__ import annotations

import time

from allauth.account.models import EmailAddress
from allauth.mfa import app_settings
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
    yield_hotp_counters_from_time,
)
from allauth.mfa.utils import decrypt
from django.core.cache import cache

from tests.factories import PASSWORD


def totp_device(user) -> str:  # type: ignore[no-untyped-def]
    """The user's TOTP secret; a device is enrolled first if they have none."""
    device = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).first()
    if device is None:
        secret = generate_totp_secret()
        TOTP.activate(user, secret)
        return secret
    return decrypt(device.data["secret"])


#: A code is typed at least this many seconds before its period ends.
TYPING_SECONDS = 5


def totp_code(secret: str) -> str:
    """The code the authenticator app shows now — or, in a period's last seconds, the next
    one, waited for: allauth takes only the current period's code (no tolerance), and a slow
    browser under load would otherwise type a code that expired on the way (seen in CI)."""
    period = app_settings.TOTP_PERIOD
    left = period - time.time() % period
    if left < TYPING_SECONDS:
        time.sleep(left + 0.1)
    counter = list(yield_hotp_counters_from_time())[0]
    return format_hotp_value(hotp_value(secret, counter))


def sign_in_with_second_factor(client, user, password: str = PASSWORD) -> None:  # type: ignore[no-untyped-def]
    """Sign ``user`` (staff, e-mail and ``password``) in through allauth's login page and its
    second-factor page, typing a current TOTP code."""
    secret = totp_device(user)
    EmailAddress.objects.get_or_create(
        user=user, email=user.email, defaults={"verified": True, "primary": True}
    )
    client.logout()  # allauth's login page sends a signed-in visitor away
    response = client.post("/accounts/login/", {"login": user.email, "password": password})
    assert response.status_code == 302, response.content[:2000]
    assert response["Location"].startswith("/accounts/2fa/authenticate/"), response["Location"]
    code = totp_code(secret)
    # allauth refuses a code used once in its period; a test may sign the same person in twice.
    cache.delete(f"allauth.mfa.totp.used?user={user.pk}&code={code}")
    response = client.post("/accounts/2fa/authenticate/", {"code": code})
    assert response.status_code == 302, response.content[:2000]
    assert client.session["_auth_user_id"] == str(user.pk)
