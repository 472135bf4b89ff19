"""Real threads at the same moment, each on its own database connection, for race tests."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import Any

from django.db import connection


def run_together(*jobs: Callable[[], Any]) -> list[Any]:
    """Start every job at the same moment; return their results (or exceptions), in order."""
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)

    def runner(index: int, job: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = job()
        except Exception as exc:  # reported to the test
            results[index] = exc
        finally:
            connection.close()  # the thread's own connection

    threads = [threading.Thread(target=runner, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def outcome(result: Any, expected: Mapping[type[BaseException], str] | None = None) -> Any:
    """A job's result for an assertion: an expected exception by its name, any other one as an
    error the test shows in full."""
    if not isinstance(result, BaseException):
        return result
    for kind, name in (expected or {}).items():
        if isinstance(result, kind):
            return name
    return f"error: {type(result).__name__}: {result}"
