"""Project-wide views: the health check and the error pages."""

from __future__ import annotations

import logging

import redis
from django.conf import settings
from django.db import connections
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.template import loader
from django.utils.translation import get_language, get_language_bidi
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from config.replica import REPLICA

logger = logging.getLogger(__name__)


def _check_database(alias: str) -> str:
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means "not reachable" to a health check
        logger.warning("healthz: database %s unreachable: %s", alias, type(exc).__name__)
        return "unreachable"
    return "ok"


def _check_databases() -> dict[str, str]:
    return {alias: _check_database(alias) for alias in connections if alias != REPLICA}


def _check_redis() -> str:
    if not settings.REDIS_URL:
        return "not configured"
    try:
        client = redis.Redis.from_url(
            settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2
        )
        client.ping()
    except redis.RedisError as exc:
        logger.warning("healthz: redis unreachable: %s", type(exc).__name__)
        return "unreachable"
    return "ok"


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when every configured backing service answers, 503 otherwise (for load balancers)."""
    databases = _check_databases()
    redis_status = _check_redis()
    healthy = all(v == "ok" for v in databases.values()) and redis_status != "unreachable"
    body = {
        "status": "ok" if healthy else "unavailable",
        "database": databases,
        "redis": redis_status,
    }
    if REPLICA in connections:
        # Shown, not counted: without the replica the reports read the primary
        # (config/replica.py), so a web node stays in the load balancer's rotation.
        body["replica"] = _check_database(REPLICA)
    return JsonResponse(body, status=200 if healthy else 503)


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "403.html", status=403)


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "404.html", status=404)


def error_500(request: HttpRequest) -> HttpResponse:
    # Rendered without the request's context processors: the failure may be the database.
    html = loader.render_to_string(
        "500.html", {"LANGUAGE_CODE": get_language(), "LANGUAGE_BIDI": get_language_bidi()}
    )
    return HttpResponse(html, status=500)
