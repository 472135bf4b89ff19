"""Side effects after a commit that can never turn the committed change into an error page.

Every e-mail, SMS, task or file removal that follows a change is registered with
``after_commit(func, *args, **kwargs)``. Once the transaction has committed, the change is
saved whatever happens next, so the page must say so: a broker, mail server or disk that fails
at that point is logged (with the callback's name) and the request answers normally. What was
not done is caught up elsewhere (notifications left pending are re-sent by
``notifications.tasks.resend_pending_notifications``).

Why not ``transaction.on_commit(partial(...), robust=True)``: Django logs a failed robust
callback with ``func.__qualname__``, which a ``functools.partial`` lacks, so the logging itself
raised ``AttributeError`` after the commit and the request answered 500 (issue 11).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)


def callback_name(func: Callable[..., Any]) -> str:
    """``module.qualname`` of ``func``, looking through ``functools.partial``; never raises."""
    while isinstance(func, partial):
        func = func.func
    module = getattr(func, "__module__", None) or ""
    name = getattr(func, "__qualname__", None) or type(func).__qualname__
    return f"{module}.{name}" if module else name


def after_commit(func: Callable[..., Any], /, *args: Any, **kwargs: Any) -> None:
    """Call ``func(*args, **kwargs)`` once the current transaction commits; never raise.

    Outside a transaction (autocommit) it runs at once, like ``transaction.on_commit``. If the
    transaction rolls back, nothing runs. An exception of ``func`` is logged as an error with
    its traceback and swallowed.
    """
    name = callback_name(func)

    def run_after_commit() -> None:
        try:
            func(*args, **kwargs)
        except Exception:
            # The change is committed: the page must still say so. The failure is logged
            # (by callback name, never its arguments: they may hold addresses).
            logger.exception("after-commit callback %s failed; the change stays saved", name)

    run_after_commit.__qualname__ = f"after_commit({name})"
    transaction.on_commit(run_after_commit)
