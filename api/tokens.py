"""Bearer tokens: how they look, how they are hashed, how long they live.

A token reads ``msd_<prefix>_<secret>``: the prefix (8 random characters, stored in clear and
unique) finds the row, the secret (32 random bytes) is never stored — only the SHA-256 of the
whole token. A fast hash is right here: the secret has 256 bits of entropy, so there is nothing
to guess, and every API call checks one.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import secrets
from dataclasses import dataclass

TOKEN_PREFIX = "msd"  # noqa: S105  # the public start of every token, not a secret
#: How long a token lives from the moment it is issued.
TOKEN_LIFETIME = datetime.timedelta(days=90)
#: On rotation the previous token keeps working this long (at most), so that the software can
#: switch to the new one without a failed call; then it expires.
ROTATION_OVERLAP = datetime.timedelta(hours=1)
#: ``last_used_at`` is written at most this often per token (one UPDATE, not one per call).
LAST_USED_PRECISION = datetime.timedelta(minutes=1)


@dataclass(frozen=True)
class NewToken:
    """A token as issued: ``value`` is shown once and never stored."""

    value: str
    prefix: str
    secret_hash: str


def token_hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def token_new() -> NewToken:
    prefix = secrets.token_hex(4)
    value = f"{TOKEN_PREFIX}_{prefix}_{secrets.token_urlsafe(32)}"
    return NewToken(value=value, prefix=prefix, secret_hash=token_hash(value))


def token_prefix(value: str) -> str | None:
    """The lookup prefix of a presented token, or None when it is not shaped like one."""
    head, sep, rest = value.partition("_")
    prefix, sep2, secret = rest.partition("_")
    if head != TOKEN_PREFIX or not sep or not sep2 or len(prefix) != 8 or not secret:
        return None
    return prefix


def token_matches(value: str, secret_hash: str) -> bool:
    return hmac.compare_digest(token_hash(value), secret_hash)
