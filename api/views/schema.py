"""The OpenAPI 3 schema (drf-spectacular) and a plain page that lists the endpoints from it.

The page is rendered here, from the schema itself: no Swagger UI, nothing from a CDN.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.views import SpectacularAPIView

METHODS = ("get", "post", "put", "patch", "delete")


class SchemaView(SpectacularAPIView):
    """GET /api/v1/schema/: the schema, open to anyone (it holds no data)."""

    authentication_classes: list[Any] = []
    permission_classes: list[Any] = []
    throttle_classes: list[Any] = []


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
