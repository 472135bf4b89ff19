"""The identity providers' settings (identity/providers/), read from the environment like the rest
of ``config/settings.py``, which imports them (kept apart only so that no settings module passes
500 lines)."""

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured

from config import defaults

env = environ.Env()
PRODUCTION = env.str("DJANGO_ENV", default="development") == "production"
BASE_DIR = Path(__file__).resolve().parent.parent

# --- identity verification (identity/) -----------------------------------------------------
# One provider at a time: "simulator" (built-in page that plays the phone; development only),
# "hawiyati" (Kuwait Mobile ID, push-then-poll), "nafath" (Saudi, push + signed callback) or
# "oidc" (UAE PASS, MOSIP eSignet or any OpenID provider). identity/providers/ has one adapter each.
IDENTITY_PROVIDER = env.str("IDENTITY_PROVIDER", default="simulator")
if IDENTITY_PROVIDER not in {"simulator", "hawiyati", "nafath", "oidc"}:
    raise ImproperlyConfigured("IDENTITY_PROVIDER must be simulator, hawiyati, nafath or oidc.")
if PRODUCTION and IDENTITY_PROVIDER == "simulator":
    raise ImproperlyConfigured("The identity simulator is refused in production.")
# Lifetimes of one attempt: the person has this long to answer on the phone / at the provider.
IDENTITY_PUSH_LIFETIME_SECONDS = env.int("IDENTITY_PUSH_LIFETIME_SECONDS", default=120)
IDENTITY_OIDC_LIFETIME_SECONDS = env.int("IDENTITY_OIDC_LIFETIME_SECONDS", default=600)
# The browser asks for news every N seconds (htmx); the server asks the provider at most once
# per IDENTITY_PROVIDER_POLL_MIN_SECONDS per attempt, however many tabs are open (0 = always).
IDENTITY_POLL_SECONDS = env.int("IDENTITY_POLL_SECONDS", default=3)
IDENTITY_PROVIDER_POLL_MIN_SECONDS = env.int("IDENTITY_PROVIDER_POLL_MIN_SECONDS", default=2)
IDENTITY_HTTP_CONNECT_TIMEOUT = env.float("IDENTITY_HTTP_CONNECT_TIMEOUT", default=5.0)
IDENTITY_HTTP_READ_TIMEOUT = env.float("IDENTITY_HTTP_READ_TIMEOUT", default=10.0)
IDENTITY_JWT_LEEWAY_SECONDS = env.int("IDENTITY_JWT_LEEWAY_SECONDS", default=60)
# Signing keys (JWKS) are cached this long; an unknown key id forces one refresh, at most once
# per IDENTITY_JWKS_REFRESH_COOLDOWN_SECONDS (a stream of made-up key ids cannot hammer the
# provider).
IDENTITY_JWKS_CACHE_SECONDS = env.int("IDENTITY_JWKS_CACHE_SECONDS", default=3600)
IDENTITY_JWKS_REFRESH_COOLDOWN_SECONDS = env.int(
    "IDENTITY_JWKS_REFRESH_COOLDOWN_SECONDS", default=60
)
# Abuse limits: pushes to one civil ID's phone, and attempts from one client address, per window.
IDENTITY_PUSH_LIMIT_PER_CIVIL_ID = env.int("IDENTITY_PUSH_LIMIT_PER_CIVIL_ID", default=3)
IDENTITY_START_LIMIT_PER_IP = env.int("IDENTITY_START_LIMIT_PER_IP", default=10)
IDENTITY_LIMIT_WINDOW_SECONDS = env.int("IDENTITY_LIMIT_WINDOW_SECONDS", default=600)
# Shown when the identity app says the person has not enrolled (e.g. no Kuwait Mobile ID yet).
IDENTITY_ENROLMENT_HELP_URL = env.str(
    "IDENTITY_ENROLMENT_HELP_URL",
    default={
        "hawiyati": "https://www.paci.gov.kw/",
        "nafath": "https://www.iam.gov.sa/",
        "oidc": "",
        "simulator": "",
    }[IDENTITY_PROVIDER],
)
# Simulator: its RSA signing key is generated at first use and kept in this file (never in
# production; the file is outside the web root, mode 0600).
IDENTITY_SIMULATOR_KEY_FILE = Path(
    env.str("IDENTITY_SIMULATOR_KEY_FILE", default=str(BASE_DIR / "var" / "identity-simulator.pem"))
)

# Hawiyati (Kuwait Mobile ID, PACI). The wire format is not public: every path, field name,
# status string and claim lives in HAWIYATI_MAPPING (its default in config/defaults.py), so the
# real specification only changes that table, or the JSON in HAWIYATI_MAPPING_JSON, merged
# over it one level deep.
HAWIYATI_BASE_URL = env.str("HAWIYATI_BASE_URL", default="")
HAWIYATI_CLIENT_ID = env.str("HAWIYATI_CLIENT_ID", default="")
HAWIYATI_CLIENT_SECRET = env.str("HAWIYATI_CLIENT_SECRET", default="")
HAWIYATI_MAPPING: dict = dict(defaults.HAWIYATI_MAPPING)
_hawiyati_override = env.json("HAWIYATI_MAPPING_JSON", default={})
for _key, _value in _hawiyati_override.items():
    if isinstance(_value, dict) and isinstance(HAWIYATI_MAPPING.get(_key), dict):
        HAWIYATI_MAPPING[_key] = {**HAWIYATI_MAPPING[_key], **_value}
    else:
        HAWIYATI_MAPPING[_key] = _value

# Nafath (Saudi Arabia): APP-ID / APP-KEY headers; the callback JWT is checked against the keys
# of /api/v1/mfa/jwk and, unless NAFATH_JWT_AUDIENCE is empty, its "aud" (default: the app id).
NAFATH_BASE_URL = env.str("NAFATH_BASE_URL", default="")
NAFATH_APP_ID = env.str("NAFATH_APP_ID", default="")
NAFATH_APP_KEY = env.str("NAFATH_APP_KEY", default="")
NAFATH_SERVICE = env.str("NAFATH_SERVICE", default="Login")
NAFATH_JWT_AUDIENCE = env.str("NAFATH_JWT_AUDIENCE", default=NAFATH_APP_ID)

# OpenID Connect (UAE PASS: OIDC_ID_CLAIM=idn; MOSIP eSignet: individual_id).
OIDC_ISSUER = env.str("OIDC_ISSUER", default="")
OIDC_CLIENT_ID = env.str("OIDC_CLIENT_ID", default="")
OIDC_CLIENT_SECRET = env.str("OIDC_CLIENT_SECRET", default="")
OIDC_ID_CLAIM = env.str("OIDC_ID_CLAIM", default="idn")
OIDC_SCOPES = env.str("OIDC_SCOPES", default="openid")
OIDC_ACR_VALUES = env.str("OIDC_ACR_VALUES", default="")
# "client_secret_basic" or "client_secret_post".
OIDC_TOKEN_AUTH_METHOD = env.str("OIDC_TOKEN_AUTH_METHOD", default="client_secret_basic")
if OIDC_TOKEN_AUTH_METHOD not in {"client_secret_basic", "client_secret_post"}:
    raise ImproperlyConfigured(
        "OIDC_TOKEN_AUTH_METHOD must be client_secret_basic or client_secret_post."
    )
OIDC_ALGORITHMS = env.list("OIDC_ALGORITHMS", default=["RS256"])
# Empty: built from the request (https://<host>/identity/oidc/callback/).
OIDC_REDIRECT_URI = env.str("OIDC_REDIRECT_URI", default="")

if PRODUCTION:
    for _name in ("HAWIYATI_BASE_URL", "NAFATH_BASE_URL", "OIDC_ISSUER", "OIDC_REDIRECT_URI"):
        if globals()[_name] and not globals()[_name].startswith("https://"):
            raise ImproperlyConfigured(f"{_name} must be an https:// URL in production.")

# --- end identity verification ------------------------------------------------------------
