"""Musaada settings, read from the environment (django-environ).

With nothing set this is the *embedded default*: a SQLite file in the project folder, Celery
tasks run inline, e-mail and SMS printed to the console, the identity simulator on, DEBUG on.
``DJANGO_ENV=production`` turns on every deployment safeguard and refuses to start without its
secrets. The README lists every variable.
"""

from __future__ import annotations

from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from config import defaults

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DJANGO_ENV = env.str("DJANGO_ENV", default="development")
if DJANGO_ENV not in {"development", "production"}:
    raise ImproperlyConfigured("DJANGO_ENV must be 'development' or 'production'.")
PRODUCTION = DJANGO_ENV == "production"

if PRODUCTION:
    # REDIS_URL too: without it the cache (rate limits, throttles) would be each process's own
    # memory and tasks would run inline, so several web machines would not share them.
    _required = ("SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL", "REDIS_URL")
    _missing = [name for name in _required if not env.str(name, "")]
    if _missing:
        raise ImproperlyConfigured(
            "Production refuses to start without: " + ", ".join(_missing) + ". See README."
        )
    SECRET_KEY = env.str("SECRET_KEY")
    if len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5:
        raise ImproperlyConfigured("SECRET_KEY must be at least 50 random characters.")
    DEBUG = env.bool("DEBUG", default=False)
    if DEBUG:
        raise ImproperlyConfigured("DEBUG must be off in production.")
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS")
else:
    # Only used on a developer's machine; production never reads this value.
    SECRET_KEY = env.str("SECRET_KEY", default="embedded-development-key-not-for-production-use")
    DEBUG = env.bool("DEBUG", default=True)
    ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])

CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# --- applications -------------------------------------------------------------------------
INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.forms",
    "django_htmx",
    "csp",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "rest_framework",
    "drf_spectacular",
    # Musaada, in the order data flows: identity → applicants → aid_requests → dedup ← charities.
    "accounts",
    "identity",
    "applicants",
    "aid_requests",
    "charities",
    "benefits",
    "dedup",
    "volunteering",
    "donations",
    "reports",
    "audit",
    "notifications",
    "webhooks",
    "demo",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "config.middleware.LanguageMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "accounts.middleware.AuthenticationMiddleware",
    "config.middleware.PrivacyHeadersMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "config.middleware.RateLimitedMiddleware",
]

if PRODUCTION:
    # Production serves the collected static files itself (no CDN, no separate file server
    # needed); in development the staticfiles app serves them from the source folders.
    MIDDLEWARE.insert(1, "whitenoise.middleware.WhiteNoiseMiddleware")

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.navigation",
            ],
        },
    }
]
FORM_RENDERER = "config.forms.FormRenderer"

# --- database -----------------------------------------------------------------------------
DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'musaada.sqlite3'}")
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE transactions take the write lock at BEGIN, so two writers queue instead of one
    # failing half-way with "database is locked" (the dedup rule relies on this).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20}
    )
# A PostgreSQL streaming replica for the statistics, drill-downs and exports (config/replica.py:
# the router, read-your-writes). Without it everything reads and writes the one database.
DATABASE_REPLICA_URL = env.str("DATABASE_REPLICA_URL", default="")
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = env.db_url_config(DATABASE_REPLICA_URL)
    if {DATABASES[alias]["ENGINE"] for alias in DATABASES} != {"django.db.backends.postgresql"}:
        raise ImproperlyConfigured("DATABASE_REPLICA_URL needs PostgreSQL for both databases.")
    DATABASE_ROUTERS = ["config.replica.ReplicaRouter"]
    # Outside the session middleware: a session saved after the view counts as a write.
    MIDDLEWARE.insert(
        MIDDLEWARE.index("csp.middleware.CSPMiddleware"), "config.replica.ReadYourWritesMiddleware"
    )
# After a request that wrote, that browser reads the primary for this long (≥ the replica's lag);
# a background export waits this long for the replica to replay what preceded it.
DATABASE_REPLICA_READ_YOUR_WRITES_SECONDS = env.int(
    "DATABASE_REPLICA_READ_YOUR_WRITES_SECONDS", default=15
)
DATABASE_REPLICA_WAIT_SECONDS = env.float("DATABASE_REPLICA_WAIT_SECONDS", default=5.0)
for _database in DATABASES.values():
    if _database["ENGINE"] == "django.db.backends.sqlite3":
        continue
    # A new PostgreSQL connection costs 7-15 ms: keep connections open between requests.
    _database["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    # A kept connection that the database dropped (a restart, a failover) is noticed before
    # its first use in a request and replaced, instead of failing that request. Django's own
    # backend, whose check asks the socket before sending ``SELECT 1`` (config/postgresql).
    _database["CONN_HEALTH_CHECKS"] = True
    _database["ENGINE"] = "config.postgresql"
    # A database host that accepts connections but does not answer (frozen, a dropped route)
    # fails a request in seconds with the error page; without a limit it would wait until
    # gunicorn kills the worker. Another value: ?connect_timeout=N in DATABASE_URL.
    _database.setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
    # Parameters sent apart from the SQL (not quoted into it by psycopg): the same statement
    # text every time. Measured on the claim: ~0.6 ms less Python and less PostgreSQL CPU per
    # claim (docs/benchmarks.md).
    _database["OPTIONS"]["server_side_binding"] = env.bool(
        "DATABASE_SERVER_SIDE_BINDING", default=True
    )
    # ... which psycopg prepares once per connection after it ran this many times (Django
    # turns psycopg's preparing off unless told; 0 or less: never prepare). PostgreSQL then
    # plans a statement once instead of on every run: planning the case page's query cost
    # ten times its execution, and the case page's PostgreSQL CPU halved (issue 19,
    # docs/benchmarks.md). Off with server-side binding off (a pooler in transaction mode).
    if _database["OPTIONS"]["server_side_binding"]:
        _prepare = env.int("DATABASE_PREPARE_THRESHOLD", default=5)
        _database["OPTIONS"]["prepare_threshold"] = _prepare if _prepare > 0 else None
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- sessions, cache, tasks ---------------------------------------------------------------
# Nothing a request leaves behind stays in the web process (docs/scaling.md): sessions are rows
# in PostgreSQL, counters and cached values are in Redis, uploads in the shared MEDIA_ROOT, so
# any web machine can answer any request.
SESSION_ENGINE = "accounts.sessions"
REDIS_URL = env.str("REDIS_URL", default="")
# Redis answers on the local network in milliseconds: a connection that takes longer than
# this, or a reply that does not come, means it is down, and a request must not wait for it.
REDIS_CONNECT_TIMEOUT = env.float("REDIS_CONNECT_TIMEOUT", default=1.0)
REDIS_SOCKET_TIMEOUT = env.float("REDIS_SOCKET_TIMEOUT", default=2.0)
if REDIS_URL:
    CACHES = {
        "default": {
            # Redis, falling back to a per-process memory cache while Redis is unreachable
            # (config/cache.py): sign-in and its rate limits keep working, per process.
            "BACKEND": "config.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "socket_connect_timeout": REDIS_CONNECT_TIMEOUT,
                "socket_timeout": REDIS_SOCKET_TIMEOUT,
            },
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_RESULT_BACKEND = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # Embedded default: no broker; tasks run inline, in the request that sends them.
    CELERY_BROKER_URL = "memory://"
    CELERY_RESULT_BACKEND = "cache+memory://"
    CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
# Fire and forget: no request reads a task's result, so sending a task never touches the
# result backend (with results on, .delay() first subscribed to the result on Redis and, with
# Redis down, retried that for 19 s). A task that wants its result stored says so itself.
CELERY_TASK_IGNORE_RESULT = True
# Sending a task with the broker unreachable fails fast (the caller logs it; the notification
# sweep re-sends what stayed pending): one retry after 0.2 s, each try bounded by the socket
# timeouts. Measured with a closed port: ~0.01 s; with a Redis that accepts and never answers:
# ~2 x REDIS_SOCKET_TIMEOUT. Without these, a hung Redis kept the request waiting for ever.
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
CELERY_BROKER_CONNECTION_TIMEOUT = REDIS_CONNECT_TIMEOUT
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "socket_connect_timeout": REDIS_CONNECT_TIMEOUT,
    "socket_timeout": REDIS_SOCKET_TIMEOUT,
    **CELERY_TASK_PUBLISH_RETRY_POLICY,
}
CELERY_REDIS_SOCKET_CONNECT_TIMEOUT = REDIS_CONNECT_TIMEOUT
CELERY_REDIS_SOCKET_TIMEOUT = REDIS_SOCKET_TIMEOUT
# A worker that loses Redis keeps trying to reconnect (Celery's default), it does not exit.
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "Asia/Kuwait"
# The periodic jobs (Celery beat; `manage.py run_periodic` under make run): config/defaults.py.
CELERY_BEAT_SCHEDULE = {name: dict(entry) for name, entry in defaults.BEAT_SCHEDULE.items()}

# --- accounts (django-allauth) ------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["accounts.backends.RoleAwareAuthenticationBackend"]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
# A new applicant goes straight on to prove their identity with the identity app.
ACCOUNT_SIGNUP_REDIRECT_URL = "identity:verify"
ACCOUNT_ADAPTER = "accounts.adapter.AccountAdapter"
# "username" is the civil ID (applicants); "email" is for staff. The backend keeps them apart.
ACCOUNT_LOGIN_METHODS = {"email", "username"}
ACCOUNT_USER_MODEL_USERNAME_FIELD = "civil_id"
ACCOUNT_USER_MODEL_EMAIL_FIELD = "email"
ACCOUNT_SIGNUP_FIELDS = ["username*", "phone*", "password1*", "password2*"]
ACCOUNT_PHONE_VERIFICATION_ENABLED = True
# The code page offers a new code and a corrected number, twice each (each costs an SMS).
ACCOUNT_PHONE_VERIFICATION_SUPPORTS_RESEND = 2
ACCOUNT_PHONE_VERIFICATION_SUPPORTS_CHANGE = 2
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = True
# A reset asked for an address that has no account sends nothing (allauth would otherwise
# mail "you have no account" to any address typed, e.g. to flood someone's mailbox).
ACCOUNT_EMAIL_UNKNOWN_ACCOUNTS = False
ACCOUNT_EMAIL_VERIFICATION = "optional"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_FORMS = {
    "login": "accounts.forms.LoginForm",
    "signup": "accounts.forms.SignupForm",
    "reset_password": "accounts.forms.PasswordResetForm",
}
# No per-account ("key") limit on failed sign-ins: anyone who knows a civil ID could use it to
# keep the owner out. Failures are limited per address; per account they bring an extra step
# (a one-time code) instead, see accounts/step_up.py.
ACCOUNT_RATE_LIMITS = {
    "login_failed": "10/m/ip,100/h/ip",
    "signup": "5/m/ip,30/h/ip",
    "reset_password": "5/m/ip,10/h/key",
}
# After this many failed sign-ins to one account, each less than the window after the one
# before, the right password also needs a one-time code (SMS to applicants, e-mail to staff
# without a TOTP device). The code lives ACCOUNT_LOGIN_BY_CODE_TIMEOUT seconds, 3 tries.
SIGN_IN_STEP_UP_AFTER = env.int("SIGN_IN_STEP_UP_AFTER", default=5)
SIGN_IN_FAILURE_WINDOW_SECONDS = env.int("SIGN_IN_FAILURE_WINDOW_SECONDS", default=900)
ACCOUNT_LOGIN_BY_CODE_TIMEOUT = 300
ACCOUNT_LOGIN_BY_CODE_MAX_ATTEMPTS = 3
# Reverse proxies in front of gunicorn that append the address they saw to X-Forwarded-For
# (nginx: $proxy_add_x_forwarded_for). 0 = X-Forwarded-For is ignored and the socket address is
# the client. audit.services.client_ip applies it for audit entries and all limits; allauth
# gets the same number (its adapter calls client_ip too).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT must be 0 or more.")
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_TOTP_ISSUER = "Musaada"
# Staff must have a second factor before they see personal data (enforced from issue 5 on).
STAFF_REQUIRE_MFA = env.bool("STAFF_REQUIRE_MFA", default=PRODUCTION)

# Argon2id first (config/hashers.py: sized for 50 sign-ups a second on two cores); the others
# still verify older hashes, which Django upgrades to the first hasher at the next sign-in.
PASSWORD_HASHERS = [
    "config.hashers.MusaadaArgon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2SHA1PasswordHasher",
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# --- domain settings ----------------------------------------------------------------------
# The name the identity app shows on the phone, and the portal shows beside it, per language.
PORTAL_NAME = env.str("PORTAL_NAME", default="Musaada")
PORTAL_NAME_AR = env.str("PORTAL_NAME_AR", default="مساعدة")
CIVIL_ID_SCHEME = env.str("CIVIL_ID_SCHEME", default="kw")
if CIVIL_ID_SCHEME not in {"kw", "sa"}:
    raise ImproperlyConfigured("CIVIL_ID_SCHEME must be 'kw' or 'sa'.")
CLAIM_DEADLINE_DAYS = env.int("CLAIM_DEADLINE_DAYS", default=14)

# --- identity verification (identity/; read in config/settings_identity.py) ---------------
from config.settings_identity import *  # noqa: E402, F403

# --- state benefits: the agencies' live lookup (benefits/agencies/) -------------------------
# "simulator" answers from the records of benefits_import; "http" asks each agency of
# BENEFITS_AGENCY_URLS (code=URL,…) with its Bearer key from BENEFITS_AGENCY_KEYS (code=key,…).
BENEFITS_LOOKUP = env.str("BENEFITS_LOOKUP", default="simulator")
BENEFITS_AGENCY_URLS: dict[str, str] = env.dict("BENEFITS_AGENCY_URLS", default={})
BENEFITS_AGENCY_KEYS: dict[str, str] = env.dict("BENEFITS_AGENCY_KEYS", default={})
BENEFITS_HTTP_CONNECT_TIMEOUT = env.float("BENEFITS_HTTP_CONNECT_TIMEOUT", default=5.0)
BENEFITS_HTTP_READ_TIMEOUT = env.float("BENEFITS_HTTP_READ_TIMEOUT", default=10.0)
# A timeout, reset, 5xx or 429 is tried again RETRIES times, after BACKOFF, 2×BACKOFF, … s.
BENEFITS_HTTP_RETRIES = env.int("BENEFITS_HTTP_RETRIES", default=2)
BENEFITS_HTTP_BACKOFF_SECONDS = env.float("BENEFITS_HTTP_BACKOFF_SECONDS", default=0.5)
# A "small file" a ministry administrator may upload in the portal (bigger ones: the command).
BENEFITS_UPLOAD_MAX_BYTES = env.int("BENEFITS_UPLOAD_MAX_BYTES", default=5 * 1024 * 1024)
if BENEFITS_LOOKUP not in {"simulator", "http"}:
    raise ImproperlyConfigured("BENEFITS_LOOKUP must be simulator or http.")
# As for the identity providers: plain http only outside production (a stub on 127.0.0.1).
if PRODUCTION and BENEFITS_LOOKUP == "http":
    for _code, _url in BENEFITS_AGENCY_URLS.items() or [("(none)", "")]:
        if not (_url.startswith("https://") and BENEFITS_AGENCY_KEYS.get(_code)):
            raise ImproperlyConfigured(f"Agency {_code} needs an https:// URL and a key.")

# --- donations: the payment gateway (read in config/settings_donations.py) ----------------
from config.settings_donations import *  # noqa: E402, F403

# --- internationalisation -----------------------------------------------------------------
LANGUAGE_CODE = "ar"
LANGUAGES = [("ar", _("Arabic")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "Asia/Kuwait"
USE_I18N = True
USE_TZ = True
# One date form per language, day first (config/formats/<lang>/formats.py; config.dates.format_date
# for Python-side texts).
FORMAT_MODULE_PATH = "config.formats"

# --- static and uploaded files ------------------------------------------------------------
STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))
# Uploads live outside the web root and are only served through permission-checked views.
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(BASE_DIR / "var" / "uploads")))
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

# --- e-mail -------------------------------------------------------------------------------
EMAIL_BACKEND = env.str(
    "EMAIL_BACKEND",
    default=(
        "django.core.mail.backends.smtp.EmailBackend"
        if PRODUCTION
        else "django.core.mail.backends.console.EmailBackend"
    ),
)
if PRODUCTION or env.str("EMAIL_URL", ""):
    globals().update(env.email_url("EMAIL_URL", default="smtp://localhost:25"))
# A mail server that hangs must not hold a request (or a worker) for ever.
EMAIL_TIMEOUT = env.float("EMAIL_TIMEOUT", default=10.0)
# Text messages: "console" (default), "locmem" (tests), or a dotted path to a backend class.
SMS_BACKEND = env.str("SMS_BACKEND", default="console")
# The "http" backend: POST JSON to the gateway with a Bearer key (notifications/sms.py).
SMS_GATEWAY_URL = env.str("SMS_GATEWAY_URL", default="")
SMS_GATEWAY_KEY = env.str("SMS_GATEWAY_KEY", default="")
SMS_SENDER = env.str("SMS_SENDER", default="Musaada")
SMS_GATEWAY_CONNECT_TIMEOUT = env.float("SMS_GATEWAY_CONNECT_TIMEOUT", default=5.0)
SMS_GATEWAY_READ_TIMEOUT = env.float("SMS_GATEWAY_READ_TIMEOUT", default=10.0)
if SMS_BACKEND == "http" and not SMS_GATEWAY_URL:
    raise ImproperlyConfigured("SMS_BACKEND=http needs SMS_GATEWAY_URL.")
if (
    PRODUCTION
    and SMS_BACKEND == "http"
    and not (SMS_GATEWAY_URL.startswith("https://") and SMS_GATEWAY_KEY)
):
    raise ImproperlyConfigured("In production the SMS gateway needs an https:// URL and a key.")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Musaada <no-reply@musaada.local>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- security -----------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if PRODUCTION:
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    LANGUAGE_COOKIE_SECURE = True
    SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Content Security Policy: everything comes from this origin (config/defaults.py).
CONTENT_SECURITY_POLICY = defaults.CONTENT_SECURITY_POLICY
# The REST API (api/): Django REST Framework and its OpenAPI schema (config/defaults.py).
REST_FRAMEWORK, SPECTACULAR_SETTINGS = defaults.REST_FRAMEWORK, defaults.SPECTACULAR_SETTINGS

# --- logging ------------------------------------------------------------------------------
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
