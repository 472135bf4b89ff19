"""Identity-provider adapters, one per wire protocol, chosen by ``settings.IDENTITY_PROVIDER``.

Each adapter is built afresh from the settings and is given its base URL, an HTTP client with
the configured timeouts, and a clock (``django.utils.timezone.now``).
"""

from __future__ import annotations

from django.conf import settings
from django.utils import timezone

from identity.providers.base import IdentityProvider, ProviderMisconfigured
from identity.providers.hawiyati import HawiyatiProvider
from identity.providers.http import HttpClient
from identity.providers.nafath import NafathProvider
from identity.providers.oidc import OidcProvider
from identity.providers.simulator import SimulatorProvider


def get_provider(name: str | None = None) -> IdentityProvider:
    name = name or settings.IDENTITY_PROVIDER
    http = HttpClient(
        connect_timeout=settings.IDENTITY_HTTP_CONNECT_TIMEOUT,
        read_timeout=settings.IDENTITY_HTTP_READ_TIMEOUT,
    )
    keys = {
        "jwks_cache_seconds": settings.IDENTITY_JWKS_CACHE_SECONDS,
        "jwks_refresh_cooldown": settings.IDENTITY_JWKS_REFRESH_COOLDOWN_SECONDS,
    }
    leeway = settings.IDENTITY_JWT_LEEWAY_SECONDS
    if name == "simulator":
        if settings.PRODUCTION:
            raise ProviderMisconfigured("the simulator is refused in production")
        return SimulatorProvider(clock=timezone.now, leeway=leeway)
    if name == "hawiyati":
        return HawiyatiProvider(
            base_url=settings.HAWIYATI_BASE_URL,
            client_id=settings.HAWIYATI_CLIENT_ID,
            client_secret=settings.HAWIYATI_CLIENT_SECRET,
            mapping=settings.HAWIYATI_MAPPING,
            http=http,
            clock=timezone.now,
            leeway=leeway,
            **keys,
        )
    if name == "nafath":
        return NafathProvider(
            base_url=settings.NAFATH_BASE_URL,
            app_id=settings.NAFATH_APP_ID,
            app_key=settings.NAFATH_APP_KEY,
            service=settings.NAFATH_SERVICE,
            audience=settings.NAFATH_JWT_AUDIENCE,
            http=http,
            clock=timezone.now,
            leeway=leeway,
            **keys,
        )
    if name == "oidc":
        return OidcProvider(
            issuer=settings.OIDC_ISSUER,
            client_id=settings.OIDC_CLIENT_ID,
            client_secret=settings.OIDC_CLIENT_SECRET,
            id_claim=settings.OIDC_ID_CLAIM,
            scopes=settings.OIDC_SCOPES,
            acr_values=settings.OIDC_ACR_VALUES,
            token_auth_method=settings.OIDC_TOKEN_AUTH_METHOD,
            algorithms=list(settings.OIDC_ALGORITHMS),
            http=http,
            clock=timezone.now,
            leeway=leeway,
            **keys,
        )
    raise ProviderMisconfigured(f"unknown identity provider {name!r}")
