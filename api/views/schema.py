"""The OpenAPI 3 schema (drf-spectacular) and a plain page that lists the endpoints from it.

The page is rendered here, from the schema itself: no Swagger UI, nothing from a CDN.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.views import SpectacularAPIView

from api.problems import PROBLEM_CONTENT_TYPE, PROBLEM_TYPE, titles
from api.views.base import requested_language

METHODS = ("get", "post", "put", "patch", "delete")


class SchemaView(SpectacularAPIView):
    """GET /api/v1/schema/: the schema, open to anyone (it holds no data)."""

    authentication_classes: list[Any] = []
    permission_classes: list[Any] = []
    throttle_classes: list[Any] = []


@csrf_exempt  # a POST to no endpoint (a negative case id) is 404 too, not a CSRF page
def not_found(request: HttpRequest) -> HttpResponse:
    """Any address under /api/ that is no endpoint: 404 as a problem document."""
    translation.activate(requested_language(request.headers.get("Accept-Language", "")))
    title = titles()[404]
    body = {
        "type": PROBLEM_TYPE + "not_found",
        "title": title,
        "status": 404,
        "detail": title,
        "code": "not_found",
    }
    return JsonResponse(body, status=404, content_type=PROBLEM_CONTENT_TYPE)


@require_GET
def docs(request: HttpRequest) -> HttpResponse:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    operations = [
        {
            "method": method.upper(),
            "path": path,
            "summary": (operation.get("description") or "").strip(),
            "scopes": [
                scope
                for requirement in operation.get("security", [])
                for scope in requirement.get("bearer", [])
            ],
            "id": operation.get("operationId", ""),
        }
        for path, item in schema.get("paths", {}).items()
        for method, operation in item.items()
        if method in METHODS
    ]
    return render(
        request, "api/docs.html", {"operations": operations, "info": schema.get("info", {})}
    )
