"""Writing to the audit trail. Call inside the transaction of the change being audited.

Also: checking the hash chain (``audit_chain_verify``, run by ``manage.py audit_verify``).
"""

from __future__ import annotations

import functools
import hashlib
import ipaddress
import json
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.core.cache import cache
from django.db import connection, connections, transaction
from django.utils import timezone

from accounts.civil_id import masked_civil_id
from accounts.models import STAFF_ROLES
from audit.exceptions import AuditTrailIsAppendOnly
from audit.models import AuditEntry
from config.rows import insert_fields, insert_row, insert_values

if TYPE_CHECKING:
    from accounts.models import User

__all__ = [
    "AuditTrailIsAppendOnly",
    "ChainReport",
    "audit_chain_verify",
    "audit_record",
    "client_ip",
    "chain_digest",
    "chain_payload",
    "entry_content",
    "sign_in_failure_record",
    "sign_in_step_up_record",
    "staff_sign_in_record",
]

logger = logging.getLogger(__name__)

#: Key of the PostgreSQL advisory lock that serialises appends to the hash chain.
CHAIN_LOCK = 0x4D555341  # "MUSA"

# The table name comes from the model; nothing here comes from a user.
_LAST_HASH_SQL = f"SELECT entry_hash FROM {AuditEntry._meta.db_table} ORDER BY id DESC LIMIT 1"  # noqa: S608


def chain_digest(previous_hash: str, fields: dict[str, Any]) -> str:
    return hashlib.sha256(f"{previous_hash}|{chain_payload(fields)}".encode()).hexdigest()


def chain_payload(fields: dict[str, Any]) -> str:
    """What an entry's hash covers after the previous hash: its fields as canonical JSON."""
    return json.dumps(fields, sort_keys=True, default=str, ensure_ascii=False)


@functools.cache
def _append_statement(using: str) -> tuple[list[Any], str]:
    """The fields ``audit_record`` sends, and its one statement on PostgreSQL: the chain's lock
    and head (``audit_chain_head``, in a CTE, so that it runs once and before the new row's id
    is drawn: ids follow the order in which the lock was granted), then the entry, its hash
    computed by PostgreSQL from the head and the payload exactly as ``chain_digest`` computes
    it in Python (SHA-256 of the UTF-8 of "<previous>|<payload>"; ``audit_verify`` checks it
    there)."""
    meta = AuditEntry._meta
    quote = connections[using].ops.quote_name
    chained = {"previous_hash", "entry_hash"}
    fields = [f for f in insert_fields(AuditEntry) if f.name not in chained]
    names = ", ".join(quote(f.column) for f in fields)
    values = ", ".join(["%s"] * len(fields))
    previous, digest, pk = (
        quote(cast(Any, meta.get_field(name)).column)
        for name in ("previous_hash", "entry_hash", "id")
    )
    return fields, (
        "WITH head AS MATERIALIZED (SELECT coalesce(audit_chain_head(%s), '') AS previous)"  # noqa: S608 - names from the model
        f" INSERT INTO {quote(meta.db_table)} ({names}, {previous}, {digest})"
        f" SELECT {values}, head.previous,"
        " encode(sha256(convert_to(head.previous || '|' || %s, 'UTF8')), 'hex') FROM head"
        f" RETURNING {pk}, {previous}, {digest}"
    )


def entry_content(entry: AuditEntry) -> dict[str, Any]:
    """The fields covered by an entry's hash (also used to verify the chain)."""
    return {
        "created_at": entry.created_at.isoformat(),
        "actor": entry.actor_id,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "organisation_id": entry.organisation_id,
        "applicant_id": entry.applicant_id,
        "data": entry.data,
        "ip_address": entry.ip_address,
    }


def audit_record(
    *,
    actor: Any | None,
    action: str,
    target: Any | None = None,
    organisation_id: int | None = None,
    applicant_id: int | None = None,
    data: dict[str, Any] | None = None,
    ip_address: str | None = None,
) -> AuditEntry:
    """Append one entry. ``target`` is any model instance (its type and pk are recorded).

    Runs in the caller's transaction when there is one, so the entry commits or rolls back with
    the change it describes; alone, on PostgreSQL, it is one statement and its own transaction.
    Appends are serialised (advisory lock on PostgreSQL; SQLite runs writers one at a time)
    because each entry chains to the one before it.
    """
    entry = AuditEntry(
        created_at=timezone.now(),
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        action=action,
        object_type=target._meta.label_lower if target is not None else "",
        object_id=str(target.pk) if target is not None else "",
        organisation_id=organisation_id,
        applicant_id=applicant_id,
        data=data or {},
        # Stored as the database will give it back (IPv6 compressed), so that the hash
        # computed now matches the one recomputed from the row by audit_verify.
        ip_address=AuditEntry._meta.get_field("ip_address").get_prep_value(ip_address),
    )
    if connection.vendor == "postgresql":
        # One statement: the lock, the head, the entry and its hash (``_append_statement``).
        # Alone, it is its own transaction: no BEGIN and COMMIT round trips around it (a case
        # page's view log went from four round trips to one; issue 19).
        fields, statement = _append_statement(connection.alias)
        values = insert_values(entry, connection, fields)
        with connection.cursor() as cursor:
            cursor.execute(statement, [CHAIN_LOCK, *values, chain_payload(entry_content(entry))])
            entry.pk, entry.previous_hash, entry.entry_hash = cursor.fetchone()
        entry._state.adding = False
        entry._state.db = connection.alias
        return entry
    # SQLite runs one writer at a time: the head, then the entry, in one transaction. No
    # savepoint of its own: an entry that cannot be written must fail the change it describes.
    with transaction.atomic(savepoint=False):
        with connection.cursor() as cursor:
            cursor.execute(_LAST_HASH_SQL)
            last = cursor.fetchone()
        entry.previous_hash = last[0] if last else ""
        entry.entry_hash = chain_digest(entry.previous_hash, entry_content(entry))
        insert_row(entry)  # an INSERT only, as AuditEntry.save() allows
    return entry


def client_ip(request: Any) -> str | None:
    """The client's address: the one address used by audit entries, identity limits and
    allauth's rate limits (``accounts.adapter.AccountAdapter.get_client_ip`` calls this).

    With ``TRUSTED_PROXY_COUNT`` = 0 it is the socket address (``REMOTE_ADDR``) and
    ``X-Forwarded-For`` is ignored. With N trusted proxies, each of which appends the address
    it saw to ``X-Forwarded-For``, the client is the Nth address from the right: everything
    to its left came from the client and may be forged. A header shorter than N (a request
    that did not pass every proxy) or an entry that is no address falls back to the socket
    address. Same rule as allauth's ``ALLAUTH_TRUSTED_PROXY_COUNT``, except that allauth
    answers a short header with an error page.
    """
    remote = _ip_or_none(request.META.get("REMOTE_ADDR") or "")
    proxies: int = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR") or ""
    if proxies <= 0 or not forwarded:
        return remote
    hops = forwarded.split(",")
    if len(hops) < proxies:
        return remote
    return _ip_or_none(hops[-proxies]) or remote


def _ip_or_none(value: str) -> str | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443"
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # "192.0.2.1:443"
        value = value.split(":")[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def staff_sign_in_record(*, user: User, ip_address: str | None) -> AuditEntry | None:
    """Record that a staff member signed in (charity staff and ministry users).

    Applicants' sign-ins are not recorded: the ministry asked for staff accountability, and an
    applicant acts only on their own file, where each change is audited anyway.
    """
    if user.role not in STAFF_ROLES:
        return None
    # The organisation the person works for (charity staff), whatever its licence status.
    membership = getattr(user, "membership", None)
    return audit_record(
        actor=user,
        action="staff.signed_in",
        target=user,
        organisation_id=membership.organisation_id if membership is not None else None,
        ip_address=ip_address,
    )


#: Failed sign-ins are counted per (account or typed login, address) and per account in
#: 15-minute windows, and recorded only when a count reaches 1, 10, 100, ...: an attack adds a
#: few entries to the (append-only) trail, not one per guess, even from many addresses.
SIGN_IN_FAILURE_AUDIT_WINDOW_SECONDS = 900
#: Per account, the first this many (account, address) pairs of a window get an entry each.
SIGN_IN_FAILURE_AUDIT_ADDRESSES = 10


def sign_in_failure_record(
    *, login: str, user: User | None, ip_address: str | None
) -> AuditEntry | None:
    """Count one failed sign-in; append an entry when the count for this (account, address)
    reaches 1, 10, 100, ... while the account has had at most 10 failures in the window, or
    when the account's own count reaches 10, 100, 1000, ... (the entry carries both counts).

    The counts live in the cache; when it cannot be reached nothing is recorded (the error is
    logged) rather than one entry per failure.
    """
    window = int(timezone.now().timestamp()) // SIGN_IN_FAILURE_AUDIT_WINDOW_SECONDS
    who = f"user:{user.pk}" if user is not None else "login:" + login.strip().lower()
    who_digest = hashlib.sha256(who.encode()).hexdigest()[:32]
    account_key = f"audit-signin-failed:{window}:{who_digest}"
    pair_key = f"{account_key}:{hashlib.sha256(str(ip_address).encode()).hexdigest()[:16]}"
    try:
        counts = []
        for key in (account_key, pair_key):
            cache.add(key, 0, timeout=SIGN_IN_FAILURE_AUDIT_WINDOW_SECONDS)
            counts.append(int(cache.incr(key)))
    except Exception:
        logger.exception("failed sign-in not audited: the cache cannot be reached")
        return None
    account_count, pair_count = counts
    if not (
        (_is_power_of_ten(pair_count) and account_count <= SIGN_IN_FAILURE_AUDIT_ADDRESSES)
        or (_is_power_of_ten(account_count) and account_count > SIGN_IN_FAILURE_AUDIT_ADDRESSES)
    ):
        return None
    data: dict[str, Any] = {
        "failures": pair_count,
        "failures_all_addresses": account_count,
        "window_minutes": SIGN_IN_FAILURE_AUDIT_WINDOW_SECONDS // 60,
    }
    if user is None:
        data["unknown_login"] = _masked_login(login)
    membership = getattr(user, "membership", None) if user is not None else None
    return audit_record(
        actor=None,
        action="account.sign_in_failed",
        target=user,
        organisation_id=membership.organisation_id if membership is not None else None,
        data=data,
        ip_address=ip_address,
    )


def _is_power_of_ten(count: int) -> bool:
    while count >= 10 and count % 10 == 0:
        count //= 10
    return count == 1


def _masked_login(login: str) -> str:
    """What an unknown typed login looked like, without keeping it whole (it may be a password
    typed into the wrong field, or someone else's civil ID)."""
    login = login.strip()
    if "@" in login:
        return "…@" + login.rsplit("@", 1)[1][:100]
    return masked_civil_id(login)


def sign_in_step_up_record(*, user: User, step: str, ip_address: str | None) -> AuditEntry:
    """The extra sign-in step after repeated failures (accounts.step_up): a one-time code was
    ``sent``, ``rejected`` (a wrong code) or ``confirmed``."""
    membership = getattr(user, "membership", None)
    return audit_record(
        actor=None,
        action=f"account.sign_in_code_{step}",
        target=user,
        organisation_id=membership.organisation_id if membership is not None else None,
        ip_address=ip_address,
    )


# --- verifying the chain ------------------------------------------------------------------

CONTENT_CHANGED = "content changed"
LINK_BROKEN = "link broken"
ENTRY_MISSING = "entry missing"


@dataclass(frozen=True)
class ChainReport:
    """The outcome of one walk over the chain. ``broken_id`` is the first entry that fails."""

    checked: int
    last_id: int | None = None
    last_hash: str = ""
    broken_id: int | None = None
    reason: str = ""
    detail: str = ""

    @property
    def intact(self) -> bool:
        return self.broken_id is None


def audit_chain_verify(*, chunk_size: int = 2000) -> ChainReport:
    """Walk every entry in id order, streaming, and stop at the first one that does not hold.

    For each entry: its ``previous_hash`` must be the ``entry_hash`` of the entry before it
    (the first entry's is empty), and its ``entry_hash`` must be the digest of that
    ``previous_hash`` and its content. A changed row fails the second test; a removed row fails
    the first test on the entry after it ("entry missing" when no entry has the hash it links
    to). Removing the newest entries leaves a shorter, intact chain: compare ``last_hash`` with
    one recorded earlier to detect that.
    """
    checked = 0
    previous: AuditEntry | None = None
    # .iterator(): rows are fetched in chunks (a server-side cursor on PostgreSQL), so memory
    # stays flat however long the trail is.
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=chunk_size):
        expected_link = previous.entry_hash if previous is not None else ""
        if entry.previous_hash != expected_link:
            reason, detail = _link_failure(entry, previous)
            return ChainReport(checked=checked, broken_id=entry.pk, reason=reason, detail=detail)
        if chain_digest(entry.previous_hash, entry_content(entry)) != entry.entry_hash:
            return ChainReport(
                checked=checked,
                broken_id=entry.pk,
                reason=CONTENT_CHANGED,
                detail="its fields no longer match its hash",
            )
        checked += 1
        previous = entry
    return ChainReport(
        checked=checked,
        last_id=previous.pk if previous is not None else None,
        last_hash=previous.entry_hash if previous is not None else "",
    )


def _link_failure(entry: AuditEntry, previous: AuditEntry | None) -> tuple[str, str]:
    """Why ``entry`` does not link to ``previous``: (reason, detail)."""
    after = f"entry {previous.pk}" if previous is not None else "the start of the trail"
    if not entry.previous_hash:
        return LINK_BROKEN, f"it claims to be the first entry but follows {after}"
    # Only on failure: one lookup by the unique entry_hash index.
    linked_id = (
        AuditEntry.objects.filter(entry_hash=entry.previous_hash)
        .values_list("pk", flat=True)
        .first()
    )
    if linked_id is None:
        return ENTRY_MISSING, f"the entry it links to, after {after}, is gone"
    return LINK_BROKEN, f"it links to entry {linked_id}, not to {after}"
