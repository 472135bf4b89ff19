"""Reads of the audit trail, for the ministry (officials and administrators).

Built for millions of rows: every page is one indexed query ordered by id, newest first, with
a keyset cursor (``before`` = the last id shown), never OFFSET or COUNT.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet, Subquery
from django.utils import timezone

from accounts.civil_id import masked_civil_id
from accounts.models import Role, User
from accounts.permissions import Capability, can
from audit.models import AuditEntry

TRAIL_PAGE_SIZE = 50


#: An actor filter may match at most this many people (the form asks for more letters).
ACTOR_MATCH_LIMIT = 200


@dataclass(frozen=True)
class TrailFilters:
    actors: tuple[int, ...] | None = None  # user ids (the form finds them); None = anyone
    organisation: int | None = None
    applicant: int | None = None  # the applicant's user id (the form turns a civil ID into it)
    action: str = ""
    date_from: datetime.date | None = None
    date_to: datetime.date | None = None  # inclusive


@dataclass(frozen=True)
class TrailPage:
    rows: list[AuditEntry]
    next_before: int | None  # pass as ``before`` for the next (older) page; None at the end


def may_view_trail(user: User) -> bool:
    return can(user, Capability.VIEW_STATISTICS)


def trail_for(
    user: User,
    filters: TrailFilters,
    *,
    before: int | None = None,
    limit: int = TRAIL_PAGE_SIZE,
) -> TrailPage:
    """One page of the trail, newest first; nothing for a user who may not see it.

    Each filter has an (column, id) index, so "filter, id < cursor, newest first, limit n" is
    one index range scan however long the trail is; a date range becomes an id range.
    """
    if not may_view_trail(user):
        return TrailPage(rows=[], next_before=None)
    # The page shows neither the details nor the hashes: leave them in the database.
    query: QuerySet[AuditEntry] = (
        AuditEntry.objects.select_related("actor")
        .defer("data", "previous_hash", "entry_hash")
        .order_by("-id")
    )
    if filters.action:
        query = query.filter(action=filters.action)
    if filters.organisation is not None:
        query = query.filter(organisation_id=filters.organisation)
    if filters.applicant is not None:
        query = query.filter(applicant_id=filters.applicant)
    if filters.actors is not None:
        # A short list of ids, not a subquery: the planner then uses the (actor, id) index
        # instead of walking the whole trail backwards looking for a rare actor.
        query = query.filter(actor_id__in=filters.actors)
    # A date range alone makes PostgreSQL walk the id index from the newest entry down to the
    # range (ids and times grow together, which its statistics do not know). So each end is also
    # an id bound: the first entry at or after the start, the last one before the end, each one
    # probe of the (created_at, id) index. Exact because entries get their time and id under the
    # chain lock, in that order; only a server clock stepping back could hide an edge entry.
    if filters.date_from is not None:
        start = _start_of(filters.date_from)
        first = AuditEntry.objects.filter(created_at__gte=start).order_by("created_at", "id")
        query = query.filter(created_at__gte=start, id__gte=Subquery(first.values("id")[:1]))
    if filters.date_to is not None:
        end = _start_of(filters.date_to + datetime.timedelta(days=1))
        last = AuditEntry.objects.filter(created_at__lt=end).order_by("-created_at", "-id")
        query = query.filter(created_at__lt=end, id__lte=Subquery(last.values("id")[:1]))
    if before is not None:
        query = query.filter(id__lt=before)
    rows = list(query[: limit + 1])
    if len(rows) > limit:
        rows = rows[:limit]
        return TrailPage(rows=rows, next_before=rows[-1].pk)
    return TrailPage(rows=rows, next_before=None)


def _start_of(day: datetime.date) -> datetime.datetime:
    """Midnight at the start of ``day`` in the portal's time zone (Asia/Kuwait)."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


# The distinct actions, one index probe per action instead of reading every row: start at the
# smallest action, then repeatedly ask the (action, id) index for the next larger one. Costs
# (number of actions) x (one index lookup); SELECT DISTINCT would read the whole index.
# Plain SQL that PostgreSQL and SQLite both run.
_DISTINCT_ACTIONS_SQL = """
WITH RECURSIVE found(action) AS (
    SELECT MIN(action) FROM audit_auditentry
    UNION ALL
    SELECT (SELECT MIN(e.action) FROM audit_auditentry AS e WHERE e.action > found.action)
    FROM found WHERE found.action IS NOT NULL
)
SELECT action FROM found WHERE action IS NOT NULL
"""


def trail_actions() -> list[str]:
    """Every action that occurs in the trail, alphabetically (for the filter's select)."""
    with connection.cursor() as cursor:
        cursor.execute(_DISTINCT_ACTIONS_SQL)
        return [row[0] for row in cursor.fetchall()]


def actor_ids_matching(text: str, *, limit: int = ACTOR_MATCH_LIMIT) -> list[int]:
    """Ids of the users whose e-mail or civil ID contains ``text``, at most ``limit`` + 1 (so the
    caller can tell "too many")."""
    matching = User.objects.filter(Q(email__icontains=text) | Q(civil_id__icontains=text))
    return list(matching.order_by("pk").values_list("pk", flat=True)[: limit + 1])


def applicant_id_for_civil_id(civil_id: str) -> int | None:
    """The user id of the applicant with this civil ID (audit entries record that id)."""
    return (
        User.objects.filter(civil_id=civil_id, role=Role.APPLICANT)
        .values_list("pk", flat=True)
        .first()
    )


# --- one entry ----------------------------------------------------------------------------

#: Keys whose values are never shown (tokens, secrets, codes): matched anywhere in the key.
SECRET_KEY_PARTS = (
    "token",
    "secret",
    "password",
    "passcode",
    "otp",
    "nonce",
    "jwt",
    "signature",
    "credential",
    "cookie",
    "session",
    "authorization",
)
#: Keys that are a secret as a whole word at their end (``code``, ``sms_code``, ``api_key``).
_SECRET_KEY_END = re.compile(r"(^|[_\-.])(code|key|pin)$", re.IGNORECASE)
#: Values that look like a token whatever their key (a JWT, a long random string).
_TOKEN_VALUE = re.compile(r"^(eyJ[\w-]+\.[\w-]+\.[\w-]*|[A-Za-z0-9_\-]{40,})$")
HIDDEN = "••••"


def is_secret_key(key: str) -> bool:
    lowered = key.lower()
    return any(part in lowered for part in SECRET_KEY_PARTS) or bool(_SECRET_KEY_END.search(key))


@dataclass(frozen=True)
class DataLine:
    """One line of an entry's details: a dotted path, the value as text, whether hidden."""

    path: str
    value: str
    hidden: bool = False


def visible_data(data: Any, path: str = "") -> list[DataLine]:
    """An entry's ``data`` as lines to show, secrets replaced by ``HIDDEN``: values under a
    secret-looking key and values that look like tokens are never shown."""
    lines: list[DataLine] = []
    if isinstance(data, dict):
        for key in sorted(data, key=str):
            child = f"{path}.{key}" if path else str(key)
            if is_secret_key(str(key)):
                lines.append(DataLine(child, HIDDEN, hidden=True))
            else:
                lines.extend(visible_data(data[key], child))
        return lines
    if isinstance(data, list):
        for index, item in enumerate(data):
            lines.extend(visible_data(item, f"{path}[{index}]"))
        return lines
    text = "" if data is None else str(data)
    if isinstance(data, str) and _TOKEN_VALUE.match(data):
        return [DataLine(path, HIDDEN, hidden=True)]
    return [DataLine(path, text)]


def entry_for(user: User, pk: int) -> AuditEntry | None:
    """One entry with its details, for someone who may view the trail; None otherwise."""
    if not may_view_trail(user):
        return None
    return AuditEntry.objects.select_related("actor").filter(pk=pk).first()


def masked_applicants(applicant_ids: set[int]) -> dict[int, str]:
    """Each applicant of ``applicant_ids`` as the trail shows them: a masked civil ID."""
    found = User.objects.filter(pk__in=applicant_ids).values_list("pk", "civil_id")
    return {pk: masked_civil_id(civil_id or "") for pk, civil_id in found}
