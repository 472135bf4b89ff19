"""Schemathesis against the API's own OpenAPI schema: every operation, with a token of every
scope, in a world with open, claimed and approved cases; no answer is a server error, and every
answer matches the schema (status code, content type, headers and body).

In-process (WSGI), so the calls see this test's database; bounded by ``MAX_EXAMPLES`` an
operation (a few seconds in all).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.openapi import from_wsgi
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from accounts.models import Role, User
from charities.services.claim import aid_request_claim
from reports.models import ExportJob, ExportStatus
from reports.services.exports import export_job_create, export_job_run
from tests.api.conftest import MINISTRY, new_client
from tests.factories import StaffUserFactory
from tests.factories.cases import family, open_request

pytestmark = pytest.mark.django_db

MAX_EXAMPLES = 25
#: The ministry's operations, called with the ministry's client's token.
MINISTRY_PATHS = ("/api/v1/statistics/", "/api/v1/exports/")
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def connection_kept_open():
    """The WSGI handler closes the connection after each request (``close_old_connections``),
    which would end this test's transaction; Django's test client holds it open the same way."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


def ministry_world(admin: User) -> tuple[str, list[int]]:
    """The ministry's client, and its export jobs: one ready (its file written), one queued,
    one failed."""
    api_client, token = new_client(admin, scopes=MINISTRY, rate_limit=100_000)
    jobs = [
        export_job_create(actor=api_client.user, kind=kind, file_format=file_format, parameters={})
        for kind, file_format in (("headline", "csv"), ("aid_types", "xlsx"), ("months", "csv"))
    ]
    export_job_run(job_id=jobs[0].pk)  # (the test's transaction keeps the task from running)
    ExportJob.objects.filter(pk=jobs[2].pk).update(status=ExportStatus.FAILED, error="x")
    return token, [job.pk for job in jobs]


def check(operation: Any, *, known: list[int], token: str) -> None:
    """``MAX_EXAMPLES`` calls of one operation with ``token``; the ``id`` mostly one of
    ``known`` (cases, or the ministry's export jobs)."""
    headers = {"Authorization": f"Bearer {token}", "Accept-Language": "en"}

    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy(), pick=st.integers(0, len(known)))
    def run(case: Any, pick: int) -> None:
        if "id" in (case.path_parameters or {}) and pick < len(known):
            case.path_parameters["id"] = known[pick]
        response = case.call(headers=headers)
        case.validate_response(response, checks=CHECKS, headers=headers)

    run()


@pytest.fixture
def media(settings, tmp_path):
    """The export files in a folder of this test."""
    settings.MEDIA_ROOT = tmp_path


@pytest.mark.usefixtures("connection_kept_open")
def test_every_operation_answers_as_its_schema_says(manager, capital, needy, media):
    _client, token = new_client(manager, rate_limit=100_000)
    cases = [open_request(family(capital), needy, capital) for _ in range(4)]
    for case in cases[:3]:
        aid_request_claim(aid_request_id=case.pk, actor=manager, second_factor_passed=True)
    ministry_token, jobs = ministry_world(StaffUserFactory(role=Role.MINISTRY_ADMIN))
    schema = from_wsgi("/api/v1/schema/?format=json", get_wsgi_application())
    failures = []
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 13
    for operation in operations:
        ministry = operation.path.startswith(MINISTRY_PATHS)
        try:
            check(
                operation,
                known=jobs if ministry else [c.pk for c in cases],
                token=ministry_token if ministry else token,
            )
        except Exception as error:  # noqa: BLE001  # every operation's failures, then one assert
            failures.append(f"{operation.label}: {error}")
    assert failures == [], "\n\n".join(failures)


def test_a_post_to_no_endpoint_is_a_404_problem_not_a_csrf_page(manager):
    _client, token = new_client(manager)
    response = Client(enforce_csrf_checks=True).post(
        "/api/v1/cases/-5/claim/", HTTP_AUTHORIZATION=f"Bearer {token}"
    )
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_a_key_with_a_nul_character_is_400_and_stored_as_the_first_answer(
    client, manager, capital, needy
):
    """Found by Schemathesis on PostgreSQL: the answer named the key, and jsonb refuses NUL."""
    import json

    _client, token = new_client(manager)
    case = open_request(family(capital), needy, capital)
    aid_request_claim(aid_request_id=case.pk, actor=manager, second_factor_passed=True)
    response = client.post(
        f"/api/v1/cases/{case.pk}/messages/",
        json.dumps({"a\u0000b": 1, "body": "x"}),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
        HTTP_IDEMPOTENCY_KEY="nul-1",
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
