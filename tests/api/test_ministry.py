"""The ministry's endpoints (statistics, exports) and its API clients: only a ministry
administrator creates them, only they hold the ministry's scopes, the figures are the page's,
an export is started, followed and downloaded through the page's own export jobs."""

from __future__ import annotations

import json

import pytest
from django.db import IntegrityError, transaction

from accounts.models import Role
from api.exceptions import ClientNotAllowed, ScopeNotAllowed, SecondFactorRequired
from api.models import ApiClient, Scope
from audit.models import AuditEntry
from charities.models import StaffMembership
from reports.models import ExportJob, ExportStatus
from reports.services.rollups import rollups_refresh
from tests.api.conftest import ALL_SCOPES, MINISTRY, bearer, new_client
from tests.factories import StaffUserFactory

pytestmark = pytest.mark.django_db

YEAR = {"start": "2025-01", "end": "2025-12"}


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def admin():
    return StaffUserFactory(role=Role.MINISTRY_ADMIN)


@pytest.fixture
def ministry_token(admin):
    return new_client(admin, scopes=MINISTRY, name="Dashboard")[1]


def export(client, token, data=None, **headers):
    return client.post(
        "/api/v1/exports/",
        json.dumps(data or {**YEAR, "kind": "aid_types", "file_format": "csv"}),
        content_type="application/json",
        **bearer(token, **headers),
    )


# Clients: two sides that never mix


def test_a_ministry_administrator_creates_a_ministry_client(admin):
    api_client, _token = new_client(admin, scopes=MINISTRY)
    assert api_client.organisation is None
    assert api_client.is_ministry
    assert api_client.scopes == ["exports", "statistics"]
    assert api_client.user.role == Role.MINISTRY_OFFICIAL
    assert not StaffMembership.objects.filter(user=api_client.user).exists()
    entry = AuditEntry.objects.get(action="api_client.created")
    assert entry.actor == admin
    assert entry.organisation_id is None


@pytest.mark.parametrize("scope", ALL_SCOPES)
def test_the_ministrys_client_cannot_hold_an_organisation_scope(admin, scope):
    with pytest.raises(ScopeNotAllowed):
        new_client(admin, scopes=[Scope.STATISTICS, scope])
    assert not ApiClient.objects.exists()


@pytest.mark.parametrize("scope", MINISTRY)
def test_an_organisations_client_cannot_hold_a_ministry_scope(manager, scope):
    with pytest.raises(ScopeNotAllowed):
        new_client(manager, scopes=[Scope.READ_QUEUE, scope])
    assert not ApiClient.objects.exists()


def test_a_ministry_official_may_not_create_clients(official):
    with pytest.raises(ClientNotAllowed):
        new_client(official, scopes=MINISTRY)


def test_a_ministry_administrator_needs_the_second_factor(settings, admin):
    settings.STAFF_REQUIRE_MFA = True
    from api.services import api_client_create

    with pytest.raises(SecondFactorRequired):
        api_client_create(
            actor=admin, name="x", scopes=MINISTRY, rate_limit=10, second_factor_passed=False
        )


@pytest.mark.parametrize(
    ("side", "scopes"),
    [("organisation", ["read_queue", "statistics"]), ("ministry", ["exports", "claim"])],
)
def test_the_database_refuses_scopes_of_the_other_side(manager, admin, side, scopes):
    api_client = new_client(
        manager if side == "organisation" else admin,
        scopes=["read_queue"] if side == "organisation" else MINISTRY,
    )[0]
    with pytest.raises(IntegrityError), transaction.atomic():
        ApiClient.objects.filter(pk=api_client.pk).update(scopes=scopes)


def test_the_database_refuses_moving_a_client_to_the_other_side(manager):
    api_client = new_client(manager, scopes=["claim"])[0]
    with pytest.raises(IntegrityError), transaction.atomic():
        ApiClient.objects.filter(pk=api_client.pk).update(organisation=None)


# Permissions: anonymous 401, the other side 403, a missing scope 403

MINISTRY_CALLS = {
    "statistics": ("get", "/api/v1/statistics/", Scope.STATISTICS),
    "export": ("post", "/api/v1/exports/", Scope.EXPORTS),
    "status": ("get", "/api/v1/exports/{pk}/", Scope.EXPORTS),
    "download": ("get", "/api/v1/exports/{pk}/download/", Scope.EXPORTS),
}


def ministry_call(client, name, token=None, pk=1):
    method, path, _scope = MINISTRY_CALLS[name]
    headers = bearer(token) if token else {}
    if method == "get":
        return client.get(path.format(pk=pk), **headers)
    body = json.dumps({"kind": "headline", "file_format": "csv"})
    return client.post(path, body, content_type="application/json", **headers)


@pytest.mark.parametrize("name", MINISTRY_CALLS)
def test_anonymous_gets_401_on_the_ministrys_endpoints(client, name):
    response = ministry_call(client, name)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize("name", MINISTRY_CALLS)
def test_an_organisations_client_gets_403_on_the_ministrys_endpoints(client, manager, name):
    _api_client, token = new_client(manager)  # every scope an organisation may hold
    response = ministry_call(client, name, token)
    assert response.status_code == 403
    assert response.json()["code"] == "missing_scope"
    assert not ExportJob.objects.exists()


@pytest.mark.parametrize("name", MINISTRY_CALLS)
def test_a_missing_ministry_scope_gets_403(client, admin, name):
    scope = MINISTRY_CALLS[name][2]
    other = [s for s in MINISTRY if s != scope]
    _api_client, token = new_client(admin, scopes=other, name="Narrow")
    response = ministry_call(client, name, token)
    assert response.status_code == 403
    assert response.json()["code"] == "missing_scope"


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/api/v1/queue/"),
        ("get", "/api/v1/cases/1/"),
        ("post", "/api/v1/cases/1/claim/"),
        ("post", "/api/v1/cases/1/payments/"),
        ("get", "/api/v1/cases/1/messages/"),
    ],
)
def test_the_ministrys_client_gets_403_on_the_organisations_endpoints(
    client, ministry_token, method, path
):
    if method == "get":
        response = client.get(path, **bearer(ministry_token))
    else:
        response = client.post(
            path, "{}", content_type="application/json", **bearer(ministry_token)
        )
    assert response.status_code == 403
    assert response.json()["code"] == "missing_scope"


# Statistics: the page's figures, with the page's filters


def test_the_statistics_are_the_pages_figures(client, world, official, ministry_token):
    rollups_refresh(full=True)
    client.force_login(official)
    page = client.get("/ministry/statistics/", YEAR).context["stats"]
    client.logout()
    response = client.get("/api/v1/statistics/", YEAR, **bearer(ministry_token))
    assert response.status_code == 200
    data = response.json()
    assert data["period"] == {"start": "2025-01", "end": "2025-12", "aid_type": None}
    headline = page.headline
    assert data["headline"]["amount_paid"] == f"{headline.amount_paid:.3f}"
    assert data["headline"]["payments"] == headline.payments
    assert data["headline"]["claims"] == headline.claims
    assert data["headline"]["beneficiaries"] == headline.beneficiaries
    assert data["headline"]["blocked_amount"] == f"{headline.blocked_amount:.3f}"
    assert headline.payments > 0  # a year with activity
    assert headline.claims > 0
    assert [(r["id"], r["figures"]["claims"]) for r in data["by_aid_type"]] == [
        (row.key, row.figures["claims"]) for row in page.by_aid_type.rows
    ]
    assert [r["figures"]["payments_amount"] for r in data["by_organisation"]] == [
        f"{row.figures['payments_amount']:.3f}" for row in page.by_organisation.rows
    ]
    assert [r["month"] for r in data["by_month"]] == [f"2025-{m:02d}" for m in range(1, 13)]
    assert "submitted" not in data["by_organisation"][0]["figures"]


def test_the_statistics_filter_by_aid_type_as_the_page_does(
    client,
    world,
    official,
    ministry_token,
):
    rollups_refresh(full=True)
    query = {**YEAR, "aid_type": world.student.pk}
    client.force_login(official)
    page = client.get("/ministry/statistics/", query).context["stats"]
    data = client.get("/api/v1/statistics/", query, **bearer(ministry_token)).json()
    assert data["period"]["aid_type"] == world.student.pk
    assert data["headline"]["claims"] == page.headline.claims
    assert data["headline"]["amount_paid"] == f"{page.headline.amount_paid:.3f}"


@pytest.mark.parametrize(
    "query", [{"start": "2025-13"}, {"start": "2025-06", "end": "2025-01"}, {"aid_type": "0"}]
)
def test_invalid_statistics_filters_are_400_with_the_pages_messages(client, ministry_token, query):
    response = client.get("/api/v1/statistics/", query, **bearer(ministry_token))
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["errors"]


# Exports: started, followed, downloaded through the page's export jobs


def test_an_export_is_queued_followed_and_downloaded(
    client,
    world,
    ministry_token,
    django_capture_on_commit_callbacks,
):
    rollups_refresh(full=True)
    with django_capture_on_commit_callbacks() as queued:  # the worker has not run it yet
        started = export(client, ministry_token, HTTP_ACCEPT_LANGUAGE="en")
    assert started.status_code == 202
    job = started.json()
    assert job["status"] == "queued"
    assert job["download"] is None
    assert started["Location"] == f"/api/v1/exports/{job['id']}/"
    stored = ExportJob.objects.get()
    assert stored.requested_by.api_client.name == "Dashboard"
    assert stored.parameters["start"] == "2025-01"
    assert AuditEntry.objects.filter(action="reports.export_requested").count() == 1
    not_ready = client.get(f"/api/v1/exports/{job['id']}/download/", **bearer(ministry_token))
    assert not_ready.status_code == 409
    assert not_ready.json()["code"] == "export_not_ready"
    for run in queued:  # the worker prepares the file
        run()
    status = client.get(f"/api/v1/exports/{job['id']}/", **bearer(ministry_token)).json()
    assert status["status"] == "done"
    assert status["download"] == f"/api/v1/exports/{job['id']}/download/"
    download = client.get(status["download"], **bearer(ministry_token))
    assert download.status_code == 200
    assert download["Content-Type"] == "text/csv; charset=utf-8"
    content = b"".join(download.streaming_content).decode("utf-8-sig")
    assert "Aid type" in content
    entry = AuditEntry.objects.get(action="reports.export_downloaded")
    assert entry.actor == stored.requested_by


def test_a_retried_export_with_the_same_key_starts_one_job(client, ministry_token):
    first = export(client, ministry_token, HTTP_IDEMPOTENCY_KEY="exp-1")
    second = export(client, ministry_token, HTTP_IDEMPOTENCY_KEY="exp-1")
    assert first.status_code == second.status_code == 202
    assert second["Idempotent-Replayed"] == "true"
    assert first.json()["id"] == second.json()["id"]
    assert ExportJob.objects.count() == 1


def test_an_invalid_export_is_400_and_starts_nothing(client, ministry_token):
    response = export(client, ministry_token, {"kind": "everything", "file_format": "pdf"})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"kind", "file_format"}
    assert not ExportJob.objects.exists()


def test_another_clients_or_an_unknown_export_is_404(client, admin, ministry_token, official):
    _other_client, other_token = new_client(admin, scopes=MINISTRY, name="Other")
    job = export(client, other_token).json()
    page_job = ExportJob.objects.create(
        requested_by=official, kind="headline", file_format="csv", created_at=job["created_at"]
    )
    for pk in (job["id"], page_job.pk, 999_999):
        for suffix in ("", "download/"):
            response = client.get(f"/api/v1/exports/{pk}/{suffix}", **bearer(ministry_token))
            assert response.status_code == 404
            assert response.json()["code"] == "not_found"


def test_a_failed_export_is_a_409_problem(client, ministry_token):
    job = export(client, ministry_token).json()
    ExportJob.objects.filter(pk=job["id"]).update(status=ExportStatus.FAILED, error="disk full")
    response = client.get(f"/api/v1/exports/{job['id']}/download/", **bearer(ministry_token))
    assert response.status_code == 409
    assert response.json()["code"] == "export_failed"


def test_every_ministry_call_is_audited_with_its_client_as_actor(client, admin, ministry_token):
    client.get("/api/v1/statistics/", **bearer(ministry_token))
    client.get("/api/v1/queue/", **bearer(ministry_token))
    entries = list(AuditEntry.objects.filter(action="api.called").order_by("id"))
    assert [(e.data["path"], e.data["status"]) for e in entries] == [
        ("/api/v1/statistics/", 200),
        ("/api/v1/queue/", 403),
    ]
    api_client = ApiClient.objects.get(name="Dashboard")
    assert all(e.actor == api_client.user and e.organisation_id is None for e in entries)
