"""The donations' settings (the payment gateway, the guest's mobile code), read from the
environment like the rest of ``config/settings.py``, which imports them (kept apart only so that
no settings module passes 500 lines)."""

import environ
from django.core.exceptions import ImproperlyConfigured

env = environ.Env()
PRODUCTION = env.str("DJANGO_ENV", default="development") == "production"

# "simulator" is a hosted payment page inside the portal (approve / decline) that signs and sends
# its notification like a real gateway; "http" talks to a Gulf-style gateway at
# DONATIONS_GATEWAY_URL. Either way notifications are signed with DONATIONS_GATEWAY_SECRET
# (HMAC-SHA256 over "<timestamp>.<body>") and refused outside the window. Production uses "http";
# until its URL and secret are set, giving is refused with "the gateway cannot be reached" and
# every notification is refused (no secret), so the rest of the portal starts without them.
DONATIONS_GATEWAY = env.str("DONATIONS_GATEWAY", default="http" if PRODUCTION else "simulator")
DONATIONS_GATEWAY_URL = env.str("DONATIONS_GATEWAY_URL", default="")
DONATIONS_GATEWAY_SECRET = env.str(
    "DONATIONS_GATEWAY_SECRET", default="" if PRODUCTION else "embedded-simulator-gateway-secret"
)
DONATIONS_GATEWAY_MERCHANT = env.str("DONATIONS_GATEWAY_MERCHANT", default="musaada")
DONATIONS_SIGNATURE_WINDOW_SECONDS = env.int("DONATIONS_SIGNATURE_WINDOW_SECONDS", default=300)
DONATIONS_HTTP_CONNECT_TIMEOUT = env.float("DONATIONS_HTTP_CONNECT_TIMEOUT", default=5.0)
DONATIONS_HTTP_READ_TIMEOUT = env.float("DONATIONS_HTTP_READ_TIMEOUT", default=10.0)
# A guest's mobile confirmation code: how long it lasts and how many wrong tries it takes.
DONATIONS_CODE_LIFETIME_SECONDS = env.int("DONATIONS_CODE_LIFETIME_SECONDS", default=600)
DONATIONS_CODE_ATTEMPTS = env.int("DONATIONS_CODE_ATTEMPTS", default=5)
# Codes sent per mobile number and per client address within the window (the form is public).
DONATIONS_CODE_LIMIT_PER_MOBILE = env.int("DONATIONS_CODE_LIMIT_PER_MOBILE", default=3)
DONATIONS_CODE_LIMIT_PER_IP = env.int("DONATIONS_CODE_LIMIT_PER_IP", default=10)
DONATIONS_CODE_LIMIT_WINDOW_SECONDS = env.int("DONATIONS_CODE_LIMIT_WINDOW_SECONDS", default=600)
if DONATIONS_GATEWAY not in {"simulator", "http"}:
    raise ImproperlyConfigured("DONATIONS_GATEWAY must be simulator or http.")
if PRODUCTION and DONATIONS_GATEWAY == "simulator":
    raise ImproperlyConfigured("The payment simulator is refused in production.")
if PRODUCTION and DONATIONS_GATEWAY_URL and not DONATIONS_GATEWAY_URL.startswith("https://"):
    raise ImproperlyConfigured("DONATIONS_GATEWAY_URL must be an https:// URL.")
if PRODUCTION and DONATIONS_GATEWAY_SECRET and len(DONATIONS_GATEWAY_SECRET) < 32:
    raise ImproperlyConfigured("DONATIONS_GATEWAY_SECRET must be at least 32 characters.")
