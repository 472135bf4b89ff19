"""The audit app's one exception. It is not a domain error (``config.errors.DomainError``): no
person is ever told it; it stops code that tries to change or remove an audit entry."""

from __future__ import annotations


class AuditTrailIsAppendOnly(Exception):
    """Raised on any attempt to change or remove an audit entry through the application."""

    def __init__(self, operation: str) -> None:
        super().__init__(f"The audit trail is append-only: {operation} is refused.")
        self.operation = operation
