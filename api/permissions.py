"""Scopes: each endpoint names the one scope it needs (``required_scope`` on the view)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import BasePermission

from api.models import ApiToken


class HasScope(BasePermission):
    """Anonymous → 401 (DRF answers so when an authenticator was tried and none succeeded);
    a client without the view's scope → 403."""

    message = _("This client does not have the scope this call needs.")
    code = "missing_scope"

    def has_permission(self, request: Any, view: Any) -> bool:
        token = request.auth
        if not isinstance(token, ApiToken):
            return False
        scopes = getattr(view, "required_scopes", ())
        return any(token.client.has_scope(scope) for scope in scopes)
