"""The API's own domain errors (client and token management)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from config.errors import DomainError


class ApiError(DomainError):
    message = _("This action is not possible.")


class ClientNotAllowed(ApiError):
    message = _(
        "Only a manager of the organisation, or an administrator of the ministry, may manage "
        "its API clients."
    )


class SecondFactorRequired(ApiError):
    message = _("Sign in with your second factor to manage API clients.")


class ScopeNotAllowed(ApiError):
    message = _(
        "An organisation's client may hold only the organisation scopes, and the ministry's "
        "client only the ministry's."
    )
    field = "scopes"


class ScopesRequired(ApiError):
    message = _("Choose at least one scope.")
    field = "scopes"


class ClientRevoked(ApiError):
    message = _("This client has been revoked.")
