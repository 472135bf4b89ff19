"""The built-in simulator: push-then-poll against a page that plays the phone.

The phone page (``identity:simulator``, development only) lists the pending attempts of a civil
ID; Approve signs an RS256 result over our challenge with the simulator's key, Reject records a
refusal. The adapter polls for that answer and checks the signature exactly as a real
provider's answer is checked.

The signing key is an RSA key generated at first use and kept in
``settings.IDENTITY_SIMULATOR_KEY_FILE`` (default ``var/identity-simulator.pem``, mode 0600).
Answers travel through Django's cache, the simulator's only "server"; with the embedded default
(local-memory cache) the phone page and the portal must run in one process, as
``manage.py runserver`` does.
"""

from __future__ import annotations

import datetime
import logging
import os
import secrets
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.conf import settings
from django.core.cache import cache

from identity.providers.base import Clock, CorrelationMismatch, Flow, Outcome, StartResult
from identity.providers.jose import StaticKeys, verify_jwt

if TYPE_CHECKING:
    from identity.models import VerificationAttempt

logger = logging.getLogger("identity.simulator")

AUDIENCE = "musaada-simulator"
ISSUER = "musaada-simulator"
KEY_ID = "simulator-1"
_loaded: dict[Path, rsa.RSAPrivateKey] = {}


def signing_key(path: Path | None = None) -> rsa.RSAPrivateKey:
    """The simulator's private key, generated and stored on first use."""
    path = Path(path or settings.IDENTITY_SIMULATOR_KEY_FILE)
    if path in _loaded:
        return _loaded[path]
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".simulator-key-")
        try:
            os.fchmod(handle, 0o600)
            os.write(handle, pem)
            os.close(handle)
            # link() fails when the file exists: of two processes generating at once, the first
            # wins and the second reads the winner's key below.
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(temporary)
    loaded = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(loaded, rsa.RSAPrivateKey):
        raise TypeError("the simulator key file does not hold an RSA key")
    _loaded[path] = loaded
    return loaded


def _answer_key(reference: str) -> str:
    return f"identity:simulator:{reference}"


def phone_answer(
    *, reference: str, civil_id: str, challenge: str, approve: bool, now: datetime.datetime
) -> None:
    """What the simulated phone sends back when the person taps Approve or Reject."""
    lifetime = settings.IDENTITY_PUSH_LIFETIME_SECONDS
    if approve:
        claims = {
            "iss": ISSUER,
            "aud": AUDIENCE,
            "civilId": civil_id,
            "challenge": challenge,
            "iat": int(now.timestamp()),
            "exp": int(now.timestamp()) + lifetime,
        }
        token = jwt.encode(claims, signing_key(), algorithm="RS256", headers={"kid": KEY_ID})
        answer: dict[str, Any] = {"status": "APPROVED", "signedResult": token}
    else:
        answer = {"status": "REJECTED"}
    cache.set(_answer_key(reference), answer, lifetime + 60)


class SimulatorProvider:
    name = "simulator"
    flow: Flow = "push"

    def __init__(self, *, clock: Clock, leeway: int) -> None:
        self.clock = clock
        self.leeway = leeway

    def start(
        self,
        *,
        civil_id: str,
        challenge: str,
        display_text: str,
        redirect_uri: str = "",
        client_reference: str = "",
    ) -> StartResult:
        signing_key()  # fail now, not when the person has already approved
        return StartResult(
            reference="sim-" + secrets.token_urlsafe(12),
            match_code=f"{10 + secrets.randbelow(90)}",
        )

    def poll(self, attempt: VerificationAttempt) -> Outcome:
        answer = cache.get(_answer_key(attempt.provider_reference))
        if not answer:
            return Outcome.pending()
        if answer.get("status") == "REJECTED":
            return Outcome.rejected("user_cancelled", provider_status="REJECTED")
        token = answer.get("signedResult", "")
        public = signing_key().public_key()
        claims = verify_jwt(
            token,
            keys=StaticKeys({KEY_ID: public}),
            algorithms=["RS256"],
            clock=self.clock,
            leeway=self.leeway,
            audience=AUDIENCE,
            issuer=ISSUER,
        )
        if claims.get("challenge") != attempt.nonce:
            raise CorrelationMismatch("the signed result answers another challenge")
        return Outcome.approved(
            national_id=str(claims.get("civilId", "")),
            evidence={"signed_result": token, "claims": claims},
        )
