"""Static tables of the settings: long, fixed values that no environment variable changes.

``config/settings.py`` is the one settings module and reads every environment variable; it
takes these tables from here so that it stays readable. Nothing here reads the environment.
"""

from __future__ import annotations

from typing import Any

from celery.schedules import crontab

#: The default wire format of Hawiyati (Kuwait Mobile ID, PACI), whose specification is not
#: public: settings.HAWIYATI_MAPPING starts from it (HAWIYATI_MAPPING_JSON is merged over it).
HAWIYATI_MAPPING: dict[str, Any] = {
    "paths": {
        "availability": "/api/v1/availability",
        "push": "/api/v1/authentication",
        "result": "/api/v1/authentication/{request_id}",
        "jwks": "/.well-known/jwks.json",
    },
    # "basic" = HTTP Basic client_id:client_secret; "bearer" = Authorization: Bearer <secret>.
    "auth": "basic",
    "request_fields": {
        "civil_id": "civilId",
        "reference": "clientReference",
        "challenge": "challenge",
        "display_text": "displayText",
    },
    "response_fields": {
        "available": "available",
        "request_id": "requestId",
        "match_code": "verificationCode",
        "status": "status",
        "signed_result": "signedResult",
    },
    # Provider status string -> our outcome (pending, approved, rejected, expired, not_enrolled).
    "statuses": {
        "WAITING": "pending",
        "RUNNING": "pending",
        "APPROVED": "approved",
        "OK": "approved",
        "REJECTED": "rejected",
        "USER_REFUSED": "rejected",
        "EXPIRED": "expired",
        "TIMEOUT": "expired",
        "NOT_ENROLLED": "not_enrolled",
    },
    # Claims of the signed result (RS256 JWS over our challenge).
    "claims": {"civil_id": "civilId", "challenge": "challenge"},
    "algorithms": ["RS256"],
    # Expected "aud" of the signed result; empty = our client id.
    "audience": "",
    # Expected "iss" of the signed result (PACI's issuer name from the service agreement).
    # Required: with it empty the adapter refuses to run rather than accept any issuer.
    "issuer": "",
}

#: Content Security Policy: everything comes from this origin; no inline script or style.
CONTENT_SECURITY_POLICY: dict[str, Any] = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}


#: The periodic jobs: settings.CELERY_BEAT_SCHEDULE is a copy. Celery beat sends them to a worker
#: in production; ``manage.py run_periodic`` runs them in-process under ``make run``.
BEAT_SCHEDULE: dict[str, dict[str, Any]] = {
    "worker-heartbeat": {"task": "reports.tasks.worker_heartbeat", "schedule": 60.0},
    "release-expired-claims": {
        "task": "charities.tasks.release_expired_claims",
        "schedule": 3600.0,
    },
    "refresh-report-rollups": {"task": "reports.tasks.refresh_rollups", "schedule": 300.0},
    # Requests out of the queue while covered elsewhere come back when that coverage ends.
    "return-covered-requests": {
        "task": "charities.tasks.return_covered_requests",
        "schedule": 3600.0,
    },
    # Notifications left pending (broker down at the commit, a lost task) are sent again.
    "resend-pending-notifications": {
        "task": "notifications.tasks.resend_pending_notifications",
        "schedule": 120.0,
    },
    # Attempts nobody answered within their lifetime end (the page expires its own too).
    "identity-expire-stale-attempts": {
        "task": "identity.tasks.expire_stale_attempts",
        "schedule": 60.0,
    },
    # Nightly, when the agencies are quiet: the state benefits of everyone in a live request
    # are asked again (benefits/tasks.py).
    "benefits-refresh-live-cases": {
        "task": "benefits.tasks.refresh_live_cases",
        "schedule": crontab(hour=2, minute=30),
    },
    # Days a charity's case held against a state benefit, freed by a step below benefits
    # (a withdrawal, an appeal, a household change), go back to the state within the hour.
    "benefits-refill-state-commitments": {
        "task": "benefits.tasks.refill_state_commitments",
        "schedule": 3600.0,
    },
    # Sessions past their expiry leave the database (sessions are rows there: docs/scaling.md).
    "clear-expired-sessions": {
        "task": "accounts.tasks.clear_expired_sessions",
        "schedule": crontab(hour=3, minute=15),
    },
    # Paid volunteering: placements whose end date passed — their certificates are ready.
    "volunteering-announce-certificates": {
        "task": "volunteering.tasks.announce_certificates",
        "schedule": crontab(hour=7, minute=0),
    },
}

#: Django REST Framework (the REST API, ``api/``): our Bearer tokens only (no session, so no
#: CSRF and no cookie reaches the API), JSON only, errors as problem documents, each client's
#: own limit of calls a minute. The URL carries the version (/api/v1/).
REST_FRAMEWORK: dict[str, Any] = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["api.authentication.ApiTokenAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["api.permissions.HasScope"],
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.ClientRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.problems.exception_handler",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    "COERCE_DECIMAL_TO_STRING": True,
}

#: drf-spectacular: the OpenAPI 3 schema at /api/v1/schema/.
SPECTACULAR_SETTINGS: dict[str, Any] = {
    "TITLE": "Musaada API",
    "DESCRIPTION": (
        "The charity pages' work for an organisation's own software: the anonymised queue, "
        "claim, the case file, approve, payments, release, reject, messages. Bearer tokens "
        "with scopes; errors as application/problem+json; Idempotency-Key on every POST."
    ),
    "VERSION": "1.0.0",
    "SCHEMA_PATH_PREFIX": "/api/v1",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
}
