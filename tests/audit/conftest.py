from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.db import connection

from audit.models import AuditEntry
from audit.services import audit_record


@pytest.fixture
def record() -> Callable[..., AuditEntry]:
    """Append one entry with sensible defaults (any audit_record argument may be given)."""

    def make(action: str = "test.happened", **kwargs: Any) -> AuditEntry:
        kwargs.setdefault("actor", None)
        return audit_record(action=action, **kwargs)

    return make


@pytest.fixture
def unguarded_trail() -> None:
    """Lift the database's append-only guard for this test only, to play the attacker.

    Both statements are transactional, so the test's rollback restores the guard.
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER audit_entry_append_only")
        else:
            cursor.execute("DROP TRIGGER audit_entry_no_update")
