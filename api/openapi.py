"""What the schema says of every endpoint besides its own body: the problem documents it may
answer (``application/problem+json``), the ``Idempotency-Key`` of a POST, ``Accept-Language``."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter

from api.problems import PROBLEM_CONTENT_TYPE
from api.serializers import ProblemSerializer

ACCEPT_LANGUAGE = OpenApiParameter(
    "Accept-Language",
    str,
    OpenApiParameter.HEADER,
    description="`ar` (the default) or `en`: the language of the messages.",
)
IDEMPOTENCY_KEY = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    description="Up to 255 characters: a retry with the same key returns the first answer "
    "and changes nothing; the same key with another body is refused (422).",
)
GET_HEADERS = [ACCEPT_LANGUAGE]
POST_HEADERS = [ACCEPT_LANGUAGE, IDEMPOTENCY_KEY]


def problems(*codes: int) -> dict[Any, Any]:
    """The ``responses`` entries of these error statuses, as problem documents."""
    return {(code, PROBLEM_CONTENT_TYPE): ProblemSerializer for code in codes}


#: Every status a case endpoint may answer with a problem document.
CASE_PROBLEMS = problems(400, 401, 403, 404, 409, 422, 429)
