"""Every URL pattern of the project, classified: shows personal data to staff, or not.

Personal data (names, civil IDs, mobiles, addresses, documents, household, the free text of a
request or appeal) is shown to staff only in a session that PASSED the second factor
(``accounts.permissions.personal_data_allowed``), not to an account that merely has a TOTP
device. Each pattern that shows it is requested, under ``STAFF_REQUIRE_MFA=True``, by the staff
member who may see it: once signed in with ``force_login`` and a device enrolled (no second
factor typed: nothing personal may come back), once signed in through allauth with password and
TOTP code (it does). A pattern added later fails ``test_every_url_pattern_is_classified`` until
someone decides which list it belongs to.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from accounts.models import Role
from aid_requests.models import Appeal, RequestStatus
from aid_requests.services.cases import aid_request_view_logged
from applicants.models import PossibleDuplicate
from audit.models import AuditEntry
from benefits.services import benefit_file_import
from benefits.uploads import UPLOADS_FOLDER
from dedup.models import AidCommitment, CoverageConflict
from tests.dedup.conftest import capital, needy  # noqa: F401
from tests.factories import (
    AidRequestFactory,
    CharityStaffFactory,
    HouseholdMemberFactory,
    OrganisationFactory,
    StaffUserFactory,
)
from tests.factories.applicants import CompleteProfileFactory, DocumentFactory
from tests.factories.second_factor import sign_in_with_second_factor, totp_device

pytestmark = pytest.mark.django_db

NAME = "حصة الشمري"
MEMBER = "عبدالله الشمري"
JUSTIFICATION = "justification-marker: the rent is three months late"
APPEAL_REASON = "appeal-marker: my husband lost his job in March"


def url_patterns() -> dict[str, str]:
    """``namespace:name`` → route, for every pattern the project answers."""
    found: dict[str, str] = {}

    def walk(resolver: URLResolver, prefix: str, namespace: str) -> None:
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                inner = namespace
                if pattern.namespace:
                    inner = f"{namespace}:{pattern.namespace}" if namespace else pattern.namespace
                walk(pattern, prefix + str(pattern.pattern), inner)
            elif isinstance(pattern, URLPattern):
                name = f"{namespace}:{pattern.name}" if namespace else str(pattern.name)
                found[name if pattern.name else prefix + str(pattern.pattern)] = prefix + str(
                    pattern.pattern
                )

    walk(get_resolver(), "", "")
    return found


# --- the classification ----------------------------------------------------------------------

#: Every pattern under the Django admin shows (or edits) whatever is in the database, people
#: included; all of them pass through ``AdminSite.admin_view`` → ``has_permission``
#: (config/admin_site.py) or are Django's catch-all, and all of them are requested below.
ADMIN_NAMESPACE = "admin:"
ADMIN_PREFIX = "django-admin/"

#: Pattern → why it shows personal data to staff. Requested below.
SHOWS_PERSONAL_DATA_TO_STAFF = {
    "charities:case": "the full file of a held case: name, civil ID, contact, household",
    "charities:message": "writes to the applicant of a held case (acts on the file)",
    "applicants:document_download": "the applicant's documents (civil ID copy, salary slip)",
    "applicants:ministry_lookup": "civil ID → the applicant's file",
    "applicants:ministry_applicant": "the applicant's file: name, civil ID, mobile, address",
    "applicants:protection_set": "changes and then shows the applicant's file",
    "aid_requests:detail": "the request: justification, household, income breakdown, documents",
    "aid_requests:reject": "acts on a request and then shows it",
    "aid_requests:appeal_decide": "the applicant's own words in the appeal, the request",
    "reports:beneficiaries": "civil ID → the person's household, charity cases and state benefits",
    "audit:trail": "who saw whom: staff names, filter by an applicant's civil ID",
    "audit:entry": "one entry: staff name, the applicant, reasons",
    "dedup:adjudication": "both sides of each duplicate and conflict: names, civil IDs",
    "dedup:conflict_resolve": "decides and then shows the adjudication page",
    "dedup:duplicate_decide": "decides and then shows the adjudication page",
    "benefits:report": "an import's bad rows: line, civil ID (last four digits), reason",
    "volunteering:staff_opportunity": "the applications: applicants' names and notes",
    "volunteering:placement": "one volunteer's placement: name, hours, stipends",
}

#: Pattern → why staff see no personal data there.
NO_PERSONAL_DATA_FOR_STAFF = {
    "healthz": "service status only",
    "set_language": "sets a cookie",
    "home": "a welcome page or a redirect to the role's start page",
    # allauth: the signed-in person's own account
    **{
        name: "the signed-in person's own account (allauth)"
        for name in (
            "account_login",
            "account_logout",
            "account_inactive",
            "account_signup",
            "account_reauthenticate",
            "account_email",
            "account_email_verification_sent",
            "account_change_password",
            "account_set_password",
            "account_reset_password",
            "account_confirm_login_code",
            "account_confirm_email",
            "account_verify_phone",
            "account_change_phone",
            "account_confirm_password_reset_code",
            "account_complete_password_reset",
            "account_password_reset_completed",
            "mfa_index",
            "mfa_authenticate",
            "mfa_reauthenticate",
            "mfa_activate_totp",
            "mfa_deactivate_totp",
            "mfa_view_recovery_codes",
            "mfa_generate_recovery_codes",
            "mfa_download_recovery_codes",
        )
    },
    # reports: counts and amounts; requests by reference, no names or civil IDs
    **{
        f"reports:{name}": "figures; requests by reference only (reports/exports.py)"
        for name in (
            "overview",
            "statistics",
            "requests",
            "organisation",
            "export",
            "my_exports",
            "export_status",
            "export_download",
            "sources",
            "volunteering",
        )
    },
    # charities
    "charities:dashboard": "counts and the organisation's own staff list",
    "charities:queue": "the anonymised queue (no name, civil ID or contact before a claim)",
    "charities:my_cases": "held cases by reference, aid type and status; no names",
    **{
        f"charities:{name}": "POST action answering with a redirect; the service refuses "
        "without a passed second factor (charities.services.cases.require_staff)"
        for name in ("claim", "approve", "payment", "close", "release", "reject")
    },
    "charities:apply": "public form to join as an organisation",
    "charities:apply_done": "public thank-you page",
    "charities:apply_confirm": "the applicant organisation's own confirmation link (signed token)",
    **{
        f"charities:{name}": "organisations and their licences (business contacts, no applicant)"
        for name in (
            "licensing",
            "licensing_detail",
            "licensing_approve",
            "licensing_suspend",
            "licensing_reactivate",
            "licensing_licence",
        )
    },
    **{
        f"charities:{name}": "the organisation's own staff (colleagues), no applicant"
        for name in ("staff", "staff_invite", "staff_role", "staff_remove")
    },
    # applicants: the applicant's own profile; staff are refused (Capability.APPLY)
    **{
        f"applicants:{name}": "the applicant's own data; staff get 403"
        for name in (
            "my_requests",
            "profile",
            "personal",
            "household",
            "member_add",
            "member_edit",
            "member_remove",
            "incomes",
            "income_add",
            "income_edit",
            "income_remove",
            "obligations",
            "obligation_add",
            "obligation_edit",
            "obligation_remove",
            "documents",
            "document_upload",
            "document_remove",
            "consent",
            "step_confirm",
            "review",
        )
    },
    # identity: the applicant's own verification; the simulator is the development phone
    **{
        f"identity:{name}": "the applicant's own identity check"
        for name in ("verify", "start", "attempt_status", "cancel", "oidc_callback")
    },
    "identity:nafath_callback": "server-to-server callback, answers with a status",
    "identity:simulator": "development only (IDENTITY_PROVIDER=simulator): the fake phone",
    "identity:simulator_answer": "development only: the fake phone's answer",
    # aid requests
    "aid_requests:catalogue": "the public list of aid types",
    "aid_requests:new": "the applicant's own new request",
    "aid_requests:withdraw": "the applicant's own action",
    "aid_requests:appeal": "the applicant's own appeal form",
    "aid_requests:appeals": "appeals by reference, aid type and date; no names or reasons",
    "aid_requests:aid_types": "the aid-type catalogue",
    "aid_requests:aid_type_new": "the aid-type catalogue",
    "aid_requests:aid_type_edit": "the aid-type catalogue",
    # benefits: the imports by file name, who started them and their counts
    "benefits:imports": "imports by file name, the ministry staff who started them, counts",
    "benefits:batch": "one import: file name, who started it, progress and counts",
    # paid volunteering: the public list, the applicant's own pages, the organisation's
    "volunteering:list": "the public list of opportunities",
    "volunteering:detail": "an opportunity's public page",
    "volunteering:apply": "the applicant's own action; staff get 403",
    **{
        f"volunteering:{name}": "the applicant's own applications and choice; staff get 403"
        for name in (
            "mine",
            "preference",
            "my_application",
            "certificate",
            "withdraw",
            "hours_confirm",
            "hours_dispute",
        )
    },
    **{
        f"volunteering:{name}": "the organisation's own opportunities (no applicant)"
        for name in ("staff_opportunities", "publish", "edit", "complete")
    },
    **{
        f"volunteering:{name}": "POST action answering with a redirect, behind "
        "require_personal_data"
        for name in ("shortlist", "accept", "decline", "log_hours", "pay")
    },
    # donations: no donor's details reach staff; the donor's trace never names a person
    "donations:give": "the public gift form",
    "donations:confirm": "the guest's own code form (by the gift's secret link)",
    "donations:gift": "the donor's own gift (secret link): aid type, governorate, month, amount",
    "donations:mine": "the signed-in donor's own gifts",
    "donations:receipt": "the donor's own receipt (secret link): no person helped is named",
    "donations:notify": "server-to-server gateway notification, answers with a status",
    "donations:simulator": "development only (DONATIONS_GATEWAY=simulator): the fake bank page",
    "donations:funds": "the organisation's gift totals and references; no donor's details",
    "donations:refund": "refunds a gift, then shows the funds page",
    "donations:ministry": "totals per organisation and aid type",
    # the REST API: Bearer tokens only (no session is read: a signed-in staff member gets 401);
    # a token is issued only to a manager who passed the second factor (api.services)
    **{
        f"api:{name}": "REST API: token only, a staff session gets 401 (api.authentication)"
        for name in (
            "queue",
            "case",
            "claim",
            "approve",
            "payments",
            "release",
            "reject",
            "messages",
            # the ministry's: a token held by a ministry client (statistics, exports scopes)
            "statistics",
            "exports",
            "export",
            "export_download",
        )
    },
    "api:schema": "the OpenAPI schema: no data",
    "api:docs": "the list of endpoints: no data",
    "api:not_found": "404 for any other address under /api/",
    **{
        f"api:{name}": "the organisation's API clients (names, scopes, dates), no applicant; "
        "the pages need a passed second factor (a token opens case files)"
        for name in ("clients", "client_create", "client_rotate", "client_revoke")
    },
    **{
        f"api:{name}": "the ministry's API clients (names, scopes, dates), no applicant; "
        "ministry administrators only, after a passed second factor"
        for name in (
            "ministry_clients",
            "ministry_client_create",
            "ministry_client_rotate",
            "ministry_client_revoke",
        )
    },
    # webhooks: the organisation's endpoints and their delivery log (event, case reference,
    # status codes); the bodies carry no names or civil IDs (webhooks.services.webhook_event_emit)
    **{
        f"webhooks:{name}": "the organisation's webhook endpoints and deliveries, no applicant; "
        "the pages need a passed second factor"
        for name in (
            "endpoints",
            "endpoint_create",
            "endpoint_disable",
            "deliveries",
            "delivery_replay",
        )
    },
    # notifications: the signed-in person's own
    **{
        f"notifications:{name}": "the signed-in person's own notifications"
        for name in ("list", "mark_all_read", "mark_read", "unread_count")
    },
}


def _is_admin(name: str, route: str) -> bool:
    return name.startswith(ADMIN_NAMESPACE) or route.startswith(ADMIN_PREFIX)


def test_every_url_pattern_is_classified():
    names = url_patterns()
    unclassified = {
        name
        for name in names
        if not _is_admin(name, names[name])
        and name not in SHOWS_PERSONAL_DATA_TO_STAFF
        and name not in NO_PERSONAL_DATA_FOR_STAFF
    }
    assert not unclassified, f"classify these URL patterns (personal data or not): {unclassified}"
    both = set(SHOWS_PERSONAL_DATA_TO_STAFF) & set(NO_PERSONAL_DATA_FOR_STAFF)
    assert not both
    stale = (set(SHOWS_PERSONAL_DATA_TO_STAFF) | set(NO_PERSONAL_DATA_FOR_STAFF)) - set(names)
    assert not stale, f"no longer URL patterns: {stale}"


# --- the world ---------------------------------------------------------------------------------


@dataclass
class World:
    manager: Any
    official: Any
    admin: Any
    applicant: Any
    held: Any
    queued: Any
    document: Any
    appeal: Any
    entry: Any
    conflict: Any
    duplicate: Any
    benefits_batch: Any = None
    placement: Any = None

    def markers(self, visitor: Any) -> list[str]:
        """What must not reach ``visitor`` (their own name is in the page's header)."""
        markers = [self.applicant.civil_id, NAME, MEMBER, JUSTIFICATION, APPEAL_REASON, "%PDF"]
        if visitor != self.manager:
            markers.append(self.manager.full_name)
        return markers


@pytest.fixture
def world(settings, tmp_path, capital, needy) -> World:  # noqa: F811
    settings.MEDIA_ROOT = tmp_path
    organisation = OrganisationFactory(aid_types=[needy], governorates=[capital])
    manager = CharityStaffFactory(
        role=Role.MANAGER, membership__organisation=organisation, full_name="Mariam Al-Staff"
    )
    official = StaffUserFactory(role=Role.MINISTRY_OFFICIAL)
    admin = StaffUserFactory(role=Role.MINISTRY_ADMIN, is_staff=True, is_superuser=True)
    profile = CompleteProfileFactory(name_ar=NAME, name_en=NAME, governorate=capital)
    HouseholdMemberFactory(profile=profile, name=MEMBER)
    held = AidRequestFactory(
        applicant=profile.user,
        aid_type=needy,
        governorate=capital,
        status=RequestStatus.CLAIMED,
        claimed_by=organisation,
        justification=JUSTIFICATION,
    )
    document = DocumentFactory(profile=profile)
    held.documents.add(document)
    queued = AidRequestFactory(
        applicant=profile.user, status=RequestStatus.OPEN, justification=JUSTIFICATION
    )
    refused = AidRequestFactory(applicant=profile.user, status=RequestStatus.INELIGIBLE)
    from django.utils import timezone

    appeal = Appeal.objects.create(
        aid_request=refused,
        appealed_status=RequestStatus.INELIGIBLE,
        reason=APPEAL_REASON,
        lodged_at=timezone.now(),
    )
    # For the ministry's adjudication page: the applicant in two households, and a person of
    # the held case's household who holds the aid elsewhere.
    other = CompleteProfileFactory(governorate=capital)
    duplicate = PossibleDuplicate.objects.create(
        profile=profile, civil_id=other.user.civil_id, other_applicant=other.user
    )
    elsewhere = AidRequestFactory(
        applicant=other.user,
        aid_type=needy,
        governorate=capital,
        status=RequestStatus.CLAIMED,
        claimed_by=organisation,
    )
    covering = AidCommitment.objects.create(
        aid_request=elsewhere,
        organisation=organisation,
        aid_type=needy,
        civil_id=other.user.civil_id,
        period_start=elsewhere.coverage_start,
        period_end=elsewhere.coverage_end,
    )
    conflict = CoverageConflict.objects.create(
        aid_request=held,
        held=covering,
        aid_type=needy,
        civil_id=other.user.civil_id,
        opened_at=timezone.now(),
    )
    # An upload whose report names the applicant (a bad row), in the uploads' folder.
    folder = tmp_path / UPLOADS_FOLDER / "form-key-of-the-world"
    folder.mkdir(parents=True)
    agency_file = folder / "agency.csv"
    agency_file.write_text(
        "civil_id,agency,benefit,monthly_amount,start_date,end_date,reference\n"
        f"{profile.user.civil_id},social_security,retirement_pension,-1,2024-01-01,,SS-1\n",
        encoding="utf-8",
    )
    benefits_batch = benefit_file_import(path=agency_file, started_by=admin).batch
    aid_request_view_logged(aid_request=held, viewer=manager, ip_address="127.0.0.1")
    entry = AuditEntry.objects.filter(actor=manager).latest("pk")
    # A paid-volunteering placement of the applicant with the manager's organisation.
    from tests.volunteering.conftest import opportunity
    from volunteering.models import Application
    from volunteering.programme import paid_volunteering_type

    organisation.aid_types.add(paid_volunteering_type())
    placement = Application.objects.create(
        opportunity=opportunity(organisation, capital),
        applicant=profile.user,
        note="volunteer note",
        applied_at=timezone.now(),
    )
    for staff in (manager, official, admin):
        totp_device(staff)
    return World(
        manager,
        official,
        admin,
        profile.user,
        held,
        queued,
        document,
        appeal,
        entry,
        conflict,
        duplicate,
        benefits_batch,
        placement,
    )


@dataclass(frozen=True)
class Visit:
    who: str  # the World attribute of the staff member who may see it
    method: str
    url: Callable[[World], str]
    data: Callable[[World], dict[str, str]] = lambda w: {}
    shows: Callable[[World], str] = lambda w: w.applicant.civil_id


VISITS: dict[str, Visit] = {
    "volunteering:staff_opportunity": Visit(
        "manager",
        "get",
        lambda w: reverse("volunteering:staff_opportunity", args=[w.placement.opportunity_id]),
    ),
    "volunteering:placement": Visit(
        "manager", "get", lambda w: reverse("volunteering:placement", args=[w.placement.pk])
    ),
    "charities:case": Visit("manager", "get", lambda w: f"/charity/cases/{w.held.pk}/"),
    "charities:message": Visit(
        "manager",
        "post",
        lambda w: f"/charity/cases/{w.held.pk}/message/",
        lambda w: {"body": "Please bring the lease."},
    ),
    "applicants:document_download": Visit(
        "manager",
        "get",
        lambda w: reverse("applicants:document_download", args=[w.document.pk]),
        shows=lambda w: "%PDF",
    ),
    "applicants:ministry_lookup": Visit(
        "official",
        "post",
        lambda w: reverse("applicants:ministry_lookup"),
        lambda w: {"civil_id": w.applicant.civil_id},
    ),
    "applicants:ministry_applicant": Visit(
        "official", "get", lambda w: reverse("applicants:ministry_applicant", args=[w.applicant.pk])
    ),
    "applicants:protection_set": Visit(
        "admin",
        "post",
        lambda w: reverse("applicants:protection_set", args=[w.applicant.pk]),
        lambda w: {"protected": "1", "reason": "threats from a relative"},
    ),
    "aid_requests:detail": Visit(
        "official", "get", lambda w: f"/requests/{w.held.pk}/", shows=lambda w: JUSTIFICATION
    ),
    "aid_requests:reject": Visit(
        "admin",
        "post",
        lambda w: f"/requests/{w.queued.pk}/reject/",
        lambda w: {"reason": "forged salary slip"},
        shows=lambda w: JUSTIFICATION,
    ),
    "aid_requests:appeal_decide": Visit(
        "admin",
        "get",
        lambda w: reverse("aid_requests:appeal_decide", args=[w.appeal.pk]),
        shows=lambda w: APPEAL_REASON,
    ),
    "reports:beneficiaries": Visit(
        "official",
        "post",
        lambda w: reverse("reports:beneficiaries"),
        lambda w: {"civil_id": w.applicant.civil_id},
        shows=lambda w: MEMBER,
    ),
    "audit:trail": Visit(
        "official",
        "post",
        lambda w: reverse("audit:trail"),
        lambda w: {"applicant": w.applicant.civil_id},
        shows=lambda w: w.manager.full_name,
    ),
    "audit:entry": Visit(
        "official",
        "get",
        lambda w: reverse("audit:entry", args=[w.entry.pk]),
        shows=lambda w: w.manager.full_name,
    ),
    "dedup:adjudication": Visit("official", "get", lambda w: reverse("dedup:adjudication")),
    "dedup:conflict_resolve": Visit(
        "admin",
        "post",
        lambda w: reverse("dedup:conflict_resolve", args=[w.conflict.pk]),
        lambda w: {"resolution": "covered_elsewhere", "reason": "covered by the other case"},
    ),
    "dedup:duplicate_decide": Visit(
        "admin",
        "post",
        lambda w: reverse("dedup:duplicate_decide", args=[w.duplicate.pk]),
        lambda w: {"decision": "dismiss", "reason": "two different people"},
    ),
    "benefits:report": Visit(
        "admin",
        "get",
        lambda w: reverse("benefits:report", args=[w.benefits_batch.pk]),
        shows=lambda w: w.applicant.civil_id[-4:],
    ),
}


def test_every_personal_pattern_is_visited():
    assert set(VISITS) == set(SHOWS_PERSONAL_DATA_TO_STAFF)


def _body(response: Any) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("latin-1")
    return response.content.decode()


def _visit(client: Client, visit: Visit, world: World) -> tuple[Any, str]:
    call = getattr(client, visit.method)
    response = call(visit.url(world), visit.data(world), follow=True)
    return response, _body(response)


@pytest.mark.parametrize("name", sorted(VISITS))
def test_no_personal_data_without_a_passed_second_factor(client, settings, world, name):
    settings.STAFF_REQUIRE_MFA = True
    visit = VISITS[name]
    visitor = getattr(world, visit.who)
    client.force_login(visitor)  # a device enrolled, no code typed
    response, body = _visit(client, visit, world)
    assert response.status_code == 403, (name, response.status_code)
    assert 'data-testid="needs-second-factor"' in body
    typed = set(visit.data(world).values())  # what the visitor typed may be echoed back
    for marker in set(world.markers(visitor)) - typed:
        assert marker not in body, (name, marker)
    assert not AuditEntry.objects.filter(pk__gt=world.entry.pk).exists(), name


@pytest.mark.parametrize("name", sorted(VISITS))
def test_personal_data_with_a_passed_second_factor(client, settings, world, name):
    settings.STAFF_REQUIRE_MFA = True
    visit = VISITS[name]
    sign_in_with_second_factor(client, getattr(world, visit.who))
    response, body = _visit(client, visit, world)
    assert response.status_code == 200, (name, response.status_code)
    assert visit.shows(world) in body, name


def _admin_urls(world: World) -> list[str]:
    """Every admin pattern as a URL, its arguments filled with the applicant's user (any object
    will do: the permission check comes first)."""
    import re

    from django.contrib.contenttypes.models import ContentType

    user_type = str(ContentType.objects.get_for_model(type(world.applicant)).pk)
    urls = []
    for name, route in url_patterns().items():
        if not _is_admin(name, route):
            continue
        url = re.sub(r"<(?:\w+:)?content_type_id>", user_type, route)
        url = re.sub(r"<(?:\w+:)?(?:object_id|id)>", str(world.applicant.pk), url)
        url = re.sub(r"\^\(\?P<app_label>[^)]*\)", "accounts", url)
        url = url.replace("(?P<url>.*)", "no-such-page/").replace("^", "").replace("$", "")
        assert "<" not in url, url
        assert "(" not in url, url
        urls.append("/" + url)
    return sorted(set(urls))


def test_the_django_admin_needs_a_passed_second_factor_on_every_page(client, settings, world):
    settings.STAFF_REQUIRE_MFA = True
    client.force_login(world.admin)
    urls = _admin_urls(world)
    assert len(urls) > 20
    for url in urls:
        response = client.get(url, follow=True)
        body = _body(response)
        assert response.status_code in (403, 404), (url, response.status_code)
        for marker in world.markers(world.admin):
            assert marker not in body, (url, marker)


def test_the_django_admin_opens_after_the_second_factor(client, settings, world):
    settings.STAFF_REQUIRE_MFA = True
    sign_in_with_second_factor(client, world.admin)
    response = client.get(reverse("admin:accounts_user_change", args=[world.applicant.pk]))
    assert response.status_code == 200
    assert world.applicant.civil_id in response.content.decode()


@pytest.mark.parametrize("who", ["manager", "official", "admin"])
def test_pages_classified_not_personal_show_staff_no_personal_data(client, settings, world, who):
    """Every argument-free pattern of the second list, opened by staff without a passed
    second factor: the classification is checked, not only trusted."""
    settings.STAFF_REQUIRE_MFA = True
    visitor = getattr(world, who)
    client.force_login(visitor)
    routes = url_patterns()
    for name in sorted(NO_PERSONAL_DATA_FOR_STAFF):
        route = routes[name]
        if "<" in route or "(?P" in route or name in {"account_logout", "set_language"}:
            continue
        response = client.get("/" + route.lstrip("^").rstrip("$"))
        body = _body(response)
        for marker in world.markers(visitor):
            assert marker not in body, (name, marker)
