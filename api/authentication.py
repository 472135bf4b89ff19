"""``Authorization: Bearer <token>``: the request acts as the token's client.

``request.user`` becomes the client's service account (an ordinary staff user of the
organisation, see ``api.models.ApiClient``), ``request.auth`` the ``ApiToken``. No header: the
request is anonymous, and every endpoint answers 401. A header with an unknown, expired or
revoked token: 401 at once.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header

from api.selectors import token_for_value
from api.services import api_token_touch


class InvalidToken(exceptions.AuthenticationFailed):
    default_detail = _("The token is unknown, expired or revoked.")
    default_code = "invalid_token"


class ApiTokenAuthentication(BaseAuthentication):
    keyword = b"bearer"

    def authenticate(self, request: Any) -> tuple[Any, Any] | None:
        parts = get_authorization_header(request).split()
        if not parts or parts[0].lower() != self.keyword:
            return None
        if len(parts) != 2:
            raise InvalidToken
        try:
            value = parts[1].decode("ascii")
        except UnicodeDecodeError as error:
            raise InvalidToken from error
        token = token_for_value(value)
        if token is None or not token.client.user.is_active:
            raise InvalidToken
        api_token_touch(token=token)
        return token.client.user, token

    def authenticate_header(self, request: Any) -> str:
        return 'Bearer realm="musaada"'
