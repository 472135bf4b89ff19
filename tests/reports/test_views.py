"""The ministry overview, and who may open every ministry page."""

from __future__ import annotations

import datetime
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from accounts.models import Role
from aid_requests.models import AidType, Appeal, RequestStatus
from audit.services import audit_record
from reports.models import ExportJob
from reports.services.rollups import rollups_refresh
from tests.factories import (
    AidRequestFactory,
    ApplicantUserFactory,
    CharityStaffFactory,
    OrganisationFactory,
    StaffUserFactory,
)

pytestmark = pytest.mark.django_db
URL = "/ministry/"


@pytest.mark.parametrize("role", [Role.MINISTRY_OFFICIAL, Role.MINISTRY_ADMIN])
def test_ministry_staff_see_the_overview(client, role):
    AidRequestFactory.create_batch(3)
    AidRequestFactory(status=RequestStatus.INELIGIBLE)
    client.force_login(StaffUserFactory(role=role))
    response = client.get(URL)
    assert response.status_code == 200
    overview = response.context["overview"]
    assert overview.requests_total == 4
    assert overview.applicants == 4
    statuses = {value: n for value, _label, n in overview.by_status}
    assert statuses[RequestStatus.OPEN] == 3
    assert statuses[RequestStatus.INELIGIBLE] == 1
    assert sum(n for _pk, _name, n in overview.by_aid_type) == 4


def test_the_overview_reads_the_rollups_not_the_requests(client, settings):
    """With beat (no inline refresh) the overview shows what the last refresh counted."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    AidRequestFactory.create_batch(2)
    rollups_refresh(full=True)
    AidRequestFactory.create_batch(3)
    client.force_login(StaffUserFactory(role=Role.MINISTRY_OFFICIAL))
    overview = client.get(URL).context["overview"]
    assert (overview.requests_total, overview.applicants) == (2, 2)
    rollups_refresh()
    overview = client.get(URL).context["overview"]
    assert (overview.requests_total, overview.applicants) == (5, 5)


def test_anonymous_is_sent_to_sign_in(client):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/ministry/")


def test_wrong_method_is_405(client):
    client.force_login(StaffUserFactory(role=Role.MINISTRY_OFFICIAL))
    assert client.post(URL).status_code == 405


def test_overview_query_count_does_not_grow_with_the_data(client, django_assert_max_num_queries):
    client.force_login(StaffUserFactory(role=Role.MINISTRY_OFFICIAL))
    AidRequestFactory.create_batch(2)
    rollups_refresh(full=True)
    with django_assert_max_num_queries(12) as few:
        client.get(URL)
    AidRequestFactory.create_batch(20)
    rollups_refresh(full=True)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(URL)


# --- every ministry page, every role -----------------------------------------------------

MINISTRY = (Role.MINISTRY_OFFICIAL, Role.MINISTRY_ADMIN)
ADMIN = (Role.MINISTRY_ADMIN,)


@pytest.fixture
def objects(db, tmp_path, settings):
    """One of each object a ministry URL names; export jobs belong to whoever asks."""
    settings.MEDIA_ROOT = tmp_path
    organisation = OrganisationFactory()
    request = AidRequestFactory(status=RequestStatus.INELIGIBLE)
    appeal = Appeal.objects.create(
        aid_request=request,
        appealed_status=RequestStatus.INELIGIBLE,
        lodged_at=datetime.datetime.now(datetime.UTC),
        reason="please",
    )
    entry = audit_record(actor=None, action="test.happened", data={"reason": "why"})
    return {
        "organisation": organisation,
        "aid_type": AidType.objects.get(pk=request.aid_type_id),
        "appeal": appeal,
        "entry": entry,
    }


def ministry_urls(objects: dict, job_pk: int) -> list[tuple[str, str, dict, tuple]]:
    """(method, URL, data, roles that may use it) of every ministry page and export: the
    reports and audit apps and the ministry pages of other apps (config/urls.py)."""
    org, aid_type = objects["organisation"].pk, objects["aid_type"].pk
    export = {"kind": "aid_types", "file_format": "csv"}
    return [
        ("get", reverse("reports:overview"), {}, MINISTRY),
        ("get", reverse("reports:statistics"), {}, MINISTRY),
        ("get", reverse("reports:requests"), {"basis": "paid"}, MINISTRY),
        ("get", reverse("reports:organisation", args=[org]), {}, MINISTRY),
        ("post", reverse("reports:export"), export, MINISTRY),
        (
            "post",
            reverse("reports:export"),
            {"kind": "overview_status", "file_format": "xlsx"},
            MINISTRY,
        ),
        ("get", reverse("reports:my_exports"), {}, MINISTRY),
        ("get", reverse("reports:sources"), {"month": "2026-01"}, MINISTRY),
        ("get", reverse("reports:beneficiaries"), {}, MINISTRY),
        ("get", reverse("reports:export_status", args=[job_pk]), {}, MINISTRY),
        ("get", reverse("reports:export_download", args=[job_pk]), {}, MINISTRY),
        ("get", reverse("audit:trail"), {}, MINISTRY),
        ("get", reverse("audit:entry", args=[objects["entry"].pk]), {}, MINISTRY),
        ("get", reverse("charities:licensing"), {}, ADMIN),
        ("get", reverse("charities:licensing_detail", args=[org]), {}, ADMIN),
        ("post", reverse("charities:licensing_approve", args=[org]), {}, ADMIN),
        ("post", reverse("charities:licensing_suspend", args=[org]), {}, ADMIN),
        ("post", reverse("charities:licensing_reactivate", args=[org]), {}, ADMIN),
        ("post", reverse("charities:licensing_licence", args=[org]), {}, ADMIN),
        ("get", reverse("aid_requests:appeals"), {}, ADMIN),
        ("get", reverse("aid_requests:appeal_decide", args=[objects["appeal"].pk]), {}, ADMIN),
        ("get", reverse("aid_requests:aid_types"), {}, ADMIN),
        ("get", reverse("aid_requests:aid_type_new"), {}, ADMIN),
        ("get", reverse("aid_requests:aid_type_edit", args=[aid_type]), {}, ADMIN),
    ]


ROLES = {
    "applicant": ApplicantUserFactory,
    "caseworker": lambda: CharityStaffFactory(role=Role.CASEWORKER),
    "manager": lambda: CharityStaffFactory(role=Role.MANAGER),
    "official": lambda: StaffUserFactory(role=Role.MINISTRY_OFFICIAL),
    "admin": lambda: StaffUserFactory(role=Role.MINISTRY_ADMIN),
    "anonymous": None,
}


@pytest.mark.parametrize("who", list(ROLES))
def test_every_ministry_page_answers_each_role_as_designed(client, objects, who):
    """Ministry staff get the page (an administrator's page: administrators only); everyone
    else a 403 (signed in) or the sign-in page (anonymous). A ministry user's own export job
    is theirs: each run makes one for the user under test."""
    make = ROLES[who]
    user = make() if make else None
    owner = (
        user
        if user is not None and user.role in MINISTRY
        else StaffUserFactory(role=Role.MINISTRY_OFFICIAL)
    )
    job = ExportJob.objects.create(
        requested_by=owner,
        kind="payments",
        file_format="csv",
        created_at=datetime.datetime.now(datetime.UTC),
    )
    folder = Path(django_settings.MEDIA_ROOT) / "exports"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{job.pk}-payments.csv").write_text("x")
    ExportJob.objects.filter(pk=job.pk).update(
        status="done", file_path=f"exports/{job.pk}-payments.csv"
    )
    if user is not None:
        client.force_login(user)
    for method, url, data, allowed in ministry_urls(objects, job.pk):
        response = getattr(client, method)(url, data)
        if user is None:
            assert response.status_code == 302, url
            assert response["Location"].startswith("/accounts/login/?next="), url
        elif user.role in allowed:
            assert response.status_code in (200, 302), (url, response.status_code)
            if method == "get":
                assert response.status_code == 200, url
        else:
            assert response.status_code == 403, (url, user.role)


def test_the_wrong_method_is_405_on_every_reports_and_audit_page(client, objects):
    admin = StaffUserFactory(role=Role.MINISTRY_ADMIN)
    job = ExportJob.objects.create(
        requested_by=admin,
        kind="payments",
        file_format="csv",
        created_at=datetime.datetime.now(datetime.UTC),
    )
    client.force_login(admin)
    for method, url, _data, _roles in ministry_urls(objects, job.pk):
        if not url.startswith("/ministry/"):
            continue  # other apps' pages are tested by their owners
        other = "get" if method == "post" else "post"
        if url in (reverse("audit:trail"), reverse("reports:beneficiaries")):
            other = "put"  # its search form is a POST (no civil ID in the URL)
        assert getattr(client, other)(url).status_code == 405, url
