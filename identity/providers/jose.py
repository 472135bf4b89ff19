"""Checking signed artefacts (JWS / JWT) against a provider's published keys (JWKS).

Only asymmetric algorithms from an explicit allow-list are accepted, never ``none`` or HMAC.
Time claims are checked against the adapter's clock with the configured leeway. Tokens are
never logged.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import jwt
from django.core.cache import cache

from identity.providers.base import ProviderUnavailable, TokenInvalid
from identity.providers.http import HttpClient

logger = logging.getLogger("identity.jose")

ALLOWED_ALGORITHMS = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256"})

KeyLookup = Callable[[str | None], Any]


def _keys_by_id(jwks: dict[str, Any]) -> dict[str | None, Any]:
    keys: dict[str | None, Any] = {}
    for entry in jwks.get("keys", []) if isinstance(jwks, dict) else []:
        if not isinstance(entry, dict) or entry.get("use", "sig") != "sig":
            continue
        try:
            keys[entry.get("kid")] = jwt.PyJWK(entry).key
        except jwt.PyJWTError:
            logger.warning("identity: ignoring an unusable key in a JWKS")
    return keys


class KeySet:
    """A provider's JWKS, cached in Django's cache (shared by every process).

    An unknown ``kid`` means the provider may have rotated its keys: fetch the set again, once,
    and at most once per cooldown, so a stream of made-up key ids cannot hammer the provider.
    """

    def __init__(
        self, url: str, *, http: HttpClient, cache_seconds: int, refresh_cooldown: int
    ) -> None:
        self.url = url
        self.http = http
        self.cache_seconds = cache_seconds
        self.refresh_cooldown = refresh_cooldown
        digest = hashlib.sha256(url.encode()).hexdigest()[:24]
        self._cache_key = f"identity:jwks:{digest}"
        self._cooldown_key = f"identity:jwks-refresh:{digest}"

    def _fetch(self) -> dict[str, Any]:
        response = self.http.request("GET", self.url)
        if response.status != 200:
            raise ProviderUnavailable(f"JWKS answered HTTP {response.status}")
        jwks = response.json()
        if not isinstance(jwks, dict):
            raise ProviderUnavailable("JWKS is not a JSON object")
        cache.set(self._cache_key, json.dumps(jwks), self.cache_seconds)
        return jwks

    def key_for(self, kid: str | None) -> Any:
        cached = cache.get(self._cache_key)
        jwks = json.loads(cached) if cached else self._fetch()
        keys = _keys_by_id(jwks)
        if kid is None and len(keys) == 1:
            return next(iter(keys.values()))
        if kid in keys:
            return keys[kid]
        if cached and cache.add(self._cooldown_key, 1, self.refresh_cooldown):
            logger.info("identity: unknown signing key id, refreshing the JWKS once")
            keys = _keys_by_id(self._fetch())
            if kid in keys:
                return keys[kid]
        raise TokenInvalid("the token is signed with a key the provider does not publish")


class StaticKeys:
    """Keys we hold ourselves (the simulator)."""

    def __init__(self, keys: dict[str | None, Any]) -> None:
        self.keys = keys

    def key_for(self, kid: str | None) -> Any:
        if kid in self.keys:
            return self.keys[kid]
        raise TokenInvalid("unknown key id")


def _audiences(claims: dict[str, Any]) -> list[str]:
    aud = claims.get("aud")
    if isinstance(aud, str):
        return [aud]
    if isinstance(aud, list):
        return [item for item in aud if isinstance(item, str)]
    return []


def unverified_claims(token: Any, *, algorithms: Iterable[str]) -> dict[str, Any] | None:
    """The claims of a *well-formed* signed token, read without verifying it; else None.

    Well-formed: a compact JWS whose header names one of ``algorithms`` (asymmetric, from the
    allow-list), whose payload is a JSON object and whose signature is not empty. Only for
    deciding what an unverifiable token claims to answer — never trust what it says.
    """
    if not isinstance(token, str) or token.count(".") != 2 or not token.rsplit(".", 1)[1]:
        return None
    try:
        header = jwt.get_unverified_header(token)
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return None
    if header.get("alg") not in ALLOWED_ALGORITHMS.intersection(algorithms):
        return None
    return claims if isinstance(claims, dict) else None


def verify_jwt(
    token: str,
    *,
    keys: KeySet | StaticKeys,
    algorithms: Iterable[str],
    clock: Callable[[], datetime.datetime],
    leeway: int,
    audience: str = "",
    issuer: str = "",
    required: Sequence[str] = ("exp",),
) -> dict[str, Any]:
    """The verified claims of ``token``, or TokenInvalid.

    ``audience`` / ``issuer``: checked when not empty. ``exp`` (required by default), ``nbf``
    and ``iat`` are checked against ``clock`` with ``leeway`` seconds of tolerance.
    """
    if not isinstance(token, str) or token.count(".") != 2:
        raise TokenInvalid("not a compact JWS")
    allowed = ALLOWED_ALGORITHMS.intersection(algorithms)
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise TokenInvalid("unreadable token header") from exc
    algorithm = header.get("alg")
    if algorithm not in allowed:
        raise TokenInvalid(f"algorithm {algorithm!r} is not accepted")
    key = keys.key_for(header.get("kid"))
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[algorithm],
            # Time, audience and issuer are checked below, against the adapter's clock.
            options={
                "verify_signature": True,
                "verify_exp": False,
                "verify_nbf": False,
                "verify_iat": False,
                "verify_aud": False,
                "verify_iss": False,
            },
        )
    except jwt.PyJWTError as exc:
        raise TokenInvalid(f"signature check failed ({type(exc).__name__})") from exc
    if not isinstance(claims, dict):
        raise TokenInvalid("the token's payload is not an object")
    for name in required:
        if name not in claims:
            raise TokenInvalid(f"the token has no {name!r} claim")
    now = clock().timestamp()
    try:
        if "exp" in claims and now > float(claims["exp"]) + leeway:
            raise TokenInvalid("the token has expired")
        if "nbf" in claims and now < float(claims["nbf"]) - leeway:
            raise TokenInvalid("the token is not valid yet")
        if "iat" in claims and now < float(claims["iat"]) - leeway:
            raise TokenInvalid("the token was issued in the future")
    except (TypeError, ValueError) as exc:
        raise TokenInvalid("a time claim is not a number") from exc
    if audience and audience not in _audiences(claims):
        raise TokenInvalid("the token is meant for someone else (audience)")
    if issuer and claims.get("iss") != issuer:
        raise TokenInvalid("the token comes from another issuer")
    return claims
