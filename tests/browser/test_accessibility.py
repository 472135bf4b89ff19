"""Every page, every role, both languages, desktop and phone: axe finds nothing critical or serious.

The pages are not a hand-picked list. The test walks the URLconf (``get_resolver()``), fills each
pattern's path parameters from the demo data (``seed_demo``) as the signed-in person would meet
them (the case the charity holds, the applicant's own request, …), and asks Django which of them
answer that person with a page. Those pages are then opened in Chromium at 1280 px and 390 px, in
Arabic and English, and axe-core runs on each.

A URL pattern is either visited by at least one role or listed in ``EXCLUDED`` with the reason;
a new pattern that is neither fails the test, so a new page cannot slip by unchecked.
"""

from __future__ import annotations

import datetime
import html as html_module
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.civil_id import make_kw_civil_id
from accounts.models import Role, User
from aid_requests.models import AidRequest, AidType, Appeal, RequestStatus
from aid_requests.services.appeals import aid_request_appeal
from applicants.models import HouseholdMember, IncomeSource, MonthlyObligation
from audit.models import AuditEntry
from benefits.models import ImportBatch
from charities.models import Organisation, StaffMembership
from demo.catalogue import DEMO_PASSWORD, KNOWN_APPLICANTS
from demo.seed import seed
from donations.models import Gift, SimulatedTransaction
from tests.browser.axe import serious_violations
from tests.config.test_full_stops import doubled_stops
from tests.factories.second_factor import sign_in_with_second_factor
from volunteering.models import Application, ApplicationStatus, Opportunity
from webhooks.models import WebhookEndpoint

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

#: URL patterns no role opens as a page, each with the reason. Names are ``namespace:name``.
EXCLUDED: dict[str, str] = {
    # Not pages: a health probe, the language switch (POST), the REST API (JSON; its Swagger
    # page loads a third-party bundle), htmx fragments and file downloads.
    "healthz": "JSON health probe",
    "set_language": "POST only",
    "api:queue": "JSON API",
    "api:case": "JSON API",
    "api:claim": "JSON API",
    "api:approve": "JSON API",
    "api:payments": "JSON API",
    "api:release": "JSON API",
    "api:reject": "JSON API",
    "api:messages": "JSON API",
    "api:statistics": "JSON API",
    "api:exports": "JSON API",
    "api:export": "JSON API",
    "api:export_download": "JSON API (a file)",
    "api:schema": "OpenAPI document (YAML)",
    "api:docs": "Swagger UI, a vendored third-party page",
    "api:not_found": "JSON 404 of the API",
    "notifications:unread_count": "htmx fragment (the bell's badge)",
    "identity:attempt_status": "htmx fragment polled by the verification page",
    "applicants:document_download": "a file, not a page",
    "reports:export_download": "a file, not a page",
    "charities:licensing_licence": "a PDF, not a page",
    "donations:receipt": "a PDF, not a page",
    "donations:notify": "the payment gateway's server-to-server callback (POST)",
    "identity:oidc_callback": "the identity provider's redirect; needs a live attempt's state",
    "identity:nafath_callback": "the identity provider's server-to-server callback",
    # allauth pages the portal does not use or that need a one-time key from an e-mail or SMS.
    "account_inactive": "allauth: only for inactive accounts (none in the demo)",
    "account_confirm_email": "needs a key from a confirmation e-mail",
    "account_email_verification_sent": "allauth: shown only right after a sign-up",
    "account_confirm_login_code": "login by code is off",
    "account_confirm_password_reset_code": "needs a code from a reset message in progress",
    "account_complete_password_reset": "needs a reset in progress",
    "account_set_password": "every demo user has a password (redirects)",
    "mfa_reauthenticate": "needs a second-factor reauthentication in progress",
    "mfa_download_recovery_codes": "a text file, not a page",
    "mfa_generate_recovery_codes": "POST from the recovery codes page",
    "mfa_deactivate_totp": "staff may not drop their second factor (redirects)",
    "applicants:profile": "redirects to the applicant's next unfinished step",
    "benefits:report": "a CSV file, not a page",
    "mfa_authenticate": "shown only in the middle of a staff sign-in",
    "mfa_activate_totp": "every staff member has a device already (redirects)",
    "mfa_view_recovery_codes": "the demo's staff have no recovery codes (redirects)",
    "charities:apply_confirm": "needs the signed token of a licence application's e-mail",
    "reports:export_status": "the demo has no export job; its page is the my-exports list's row",
    # POST-only actions: their forms sit on pages visited above.
    "account_logout": "POST only in use (the header's button)",
    "dedup:conflict_resolve": "POST only",
    "applicants:member_add": "POST only (the household page holds its form)",
    "applicants:income_add": "POST only (the incomes page holds its form)",
    "applicants:obligation_add": "POST only (the obligations page holds its form)",
    "applicants:document_upload": "POST only (the documents page holds its form)",
    "api:client_create": "POST only (the API clients page holds its form)",
    "charities:staff_invite": "POST only (the staff page holds its form)",
    "reports:export": "POST only (the statistics page holds its form)",
    "webhooks:endpoint_create": "POST only (the webhooks page holds its form)",
    "webhooks:endpoint_disable": "POST only",
    "webhooks:delivery_replay": "POST only",
    "volunteering:certificate": "a PDF, not a page",
    "volunteering:apply": "POST only (the opportunity's page holds its form)",
    "volunteering:preference": "POST only (my volunteering page holds its form)",
    "volunteering:withdraw": "POST only",
    "volunteering:hours_confirm": "POST only",
    "volunteering:hours_dispute": "POST only",
    "volunteering:complete": "POST only",
    "volunteering:shortlist": "POST only",
    "volunteering:accept": "POST only",
    "volunteering:decline": "POST only",
    "volunteering:log_hours": "POST only",
    "volunteering:pay": "POST only",
    "dedup:duplicate_decide": "POST only",
    "api:client_rotate": "POST only",
    "api:client_revoke": "POST only",
    "api:ministry_client_create": "POST only (the ministry's API clients page holds its form)",
    "api:ministry_client_rotate": "POST only",
    "api:ministry_client_revoke": "POST only",
    "charities:claim": "POST only",
    "charities:approve": "POST only",
    "charities:payment": "POST only",
    "charities:close": "POST only",
    "charities:release": "POST only",
    "charities:reject": "POST only",
    "charities:message": "POST only",
    "charities:licensing_approve": "POST only",
    "charities:licensing_suspend": "POST only",
    "charities:licensing_reactivate": "POST only",
    "charities:staff_role": "POST only",
    "charities:staff_remove": "POST only",
    "donations:confirm": "POST only",
    "donations:refund": "POST only",
    "applicants:member_remove": "POST only",
    "applicants:income_remove": "POST only",
    "applicants:obligation_remove": "POST only",
    "applicants:document_remove": "POST only",
    "applicants:step_confirm": "POST only",
    "applicants:protection_set": "POST only",
    "identity:start": "POST only",
    "identity:cancel": "POST only",
    "identity:simulator_answer": "POST only",
    "aid_requests:withdraw": "POST only",
    "aid_requests:reject": "POST only",
    "notifications:mark_all_read": "POST only",
    "notifications:mark_read": "POST only",
}


def url_patterns() -> Iterator[str]:
    """Every named pattern of the URLconf as ``namespace:name``; Django's admin is left out (it is
    Django's own, and opens to the ministry admin only)."""

    def walk(patterns: list[Any], namespace: str) -> Iterator[str]:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace == "admin":
                    continue
                inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
                yield from walk(pattern.url_patterns, inner)
            elif isinstance(pattern, URLPattern) and pattern.name:
                yield namespace + pattern.name

    return walk(get_resolver().url_patterns, "")


@dataclass
class Person:
    """One role of the walk: who signs in, and the objects their pages are about."""

    role: str
    user: User | None
    kwargs: dict[str, Callable[[], dict[str, Any]]] = field(default_factory=dict)
    #: Visits only the patterns starting with this (a role seen already, here for one app).
    only: str = ""


def _pk(obj: Any) -> dict[str, Any]:
    if obj is None:
        raise LookupError
    return {"pk": obj.pk}


def people() -> list[Person]:
    """The demo's people, one per role, with the path parameters of their pages."""
    staff_org = Organisation.objects.get(licence_number="MSA-CH-1001")  # Al-Noor holds cases
    applicant = next(
        u
        for u in User.objects.filter(role=Role.APPLICANT, identity_verified_at__isnull=False)
        .exclude(civil_id__in=KNOWN_APPLICANTS[:2])
        .order_by("pk")
        # a request ruled ineligible, so the appeal form is seen too
        if AidRequest.objects.filter(applicant=u, status=RequestStatus.INELIGIBLE).exists()
        and HouseholdMember.objects.filter(profile__user=u).exists()
    )
    own = {
        "aid_requests:detail": lambda: _pk(AidRequest.objects.filter(applicant=applicant).first()),
        "aid_requests:appeal": lambda: _pk(
            AidRequest.objects.filter(applicant=applicant, status=RequestStatus.INELIGIBLE).first()
        ),
        "aid_requests:new": lambda: {"code": AidType.objects.order_by("pk").first().code},  # type: ignore[union-attr]
        "applicants:member_edit": lambda: _pk(
            HouseholdMember.objects.filter(profile__user=applicant).first()
        ),
        "applicants:income_edit": lambda: _pk(
            IncomeSource.objects.filter(profile__user=applicant).first()
        ),
        "applicants:obligation_edit": lambda: _pk(
            MonthlyObligation.objects.filter(profile__user=applicant).first()
        ),
        "donations:gift": lambda: {"token": Gift.objects.order_by("pk").first().token},  # type: ignore[union-attr]
        "donations:simulator": lambda: {
            "transaction_id": SimulatedTransaction.objects.order_by("pk").first().transaction_id  # type: ignore[union-attr]
        },
    }
    case = {
        "charities:case": lambda: _pk(
            AidRequest.objects.filter(claimed_by=staff_org).order_by("pk").first()
        ),
        "webhooks:deliveries": lambda: _pk(
            WebhookEndpoint.objects.filter(organisation_id=staff_org.pk).first()
        ),
    }
    ministry = {
        "audit:entry": lambda: _pk(AuditEntry.objects.order_by("-pk").first()),
        "benefits:batch": lambda: _pk(ImportBatch.objects.order_by("pk").first()),
        "benefits:report": lambda: _pk(ImportBatch.objects.order_by("pk").first()),
        "reports:organisation": lambda: _pk(staff_org),
        "charities:licensing_detail": lambda: _pk(staff_org),
        "applicants:ministry_applicant": lambda: _pk(applicant),
        "aid_requests:appeal_decide": lambda: _pk(Appeal.objects.order_by("pk").first()),
        "aid_requests:aid_type_edit": lambda: _pk(AidType.objects.order_by("pk").first()),
    }

    def staff(role: Role) -> User:
        return StaffMembership.objects.get(organisation=staff_org, user__role=role).user

    # Paid volunteering: the demo's opportunities are Al-Khair's.
    volunteer_org = Organisation.objects.get(
        pk=Opportunity.objects.order_by("pk").values_list("organisation", flat=True)[0]
    )
    volunteering = {
        "volunteering:detail": lambda: _pk(Opportunity.objects.order_by("pk").first()),
        "volunteering:staff_opportunity": lambda: _pk(
            Opportunity.objects.filter(organisation=volunteer_org).order_by("pk").first()
        ),
        "volunteering:edit": lambda: _pk(
            Opportunity.objects.filter(organisation=volunteer_org).order_by("pk").first()
        ),
        # The demo's placement: the organisation's page of it, and the volunteer's.
        "volunteering:placement": lambda: _pk(placement),
        "volunteering:my_application": lambda: _pk(placement),
    }
    placement = Application.objects.get(status=ApplicationStatus.ACCEPTED)
    volunteer_manager = StaffMembership.objects.get(
        organisation=volunteer_org, user__role=Role.MANAGER
    ).user
    return [
        Person("volunteering manager", volunteer_manager, volunteering, only="volunteering:"),
        Person("volunteer", placement.applicant, volunteering, only="volunteering:"),
        Person("anonymous", None, own),
        Person(SIGNING_UP, None),
        Person("new applicant", User.objects.get(civil_id=KNOWN_APPLICANTS[0]), own),
        Person("applicant", applicant, own),
        Person("caseworker", staff(Role.CASEWORKER), case),
        Person("manager", staff(Role.MANAGER), case),
        Person("ministry official", User.objects.get(email="official@musaada.test"), ministry),
        Person("ministry admin", User.objects.get(email="admin@musaada.test"), ministry),
    ]


#: Someone half-way through signing up: the page asking for the code sent by SMS.
SIGNING_UP = "signing up"


def sign_in(person: Person) -> Client:
    client = Client()
    if person.role == SIGNING_UP:
        civil_id = make_kw_civil_id(datetime.date(1990, 5, 17), 4321)
        response = client.post(
            "/accounts/signup/",
            {
                "username": civil_id,
                "phone": "5999 0001",
                "password1": "a-long-enough-Passw0rd",
                "password2": "a-long-enough-Passw0rd",
                "language": "ar",
            },
        )
        assert response.status_code == 302, response.content[:2000]
        return client
    if person.user is None:
        return client
    if person.user.role == Role.APPLICANT:
        client.force_login(person.user)
    else:
        sign_in_with_second_factor(client, person.user, DEMO_PASSWORD)
    return client


def page_text(html: str) -> str:
    """What a page says: its text without scripts, styles and tags."""
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return html_module.unescape(re.sub(r"<[^>]+>", "", html))  # inline tags join words


def pages_of(
    person: Person, client: Client, names: list[str], doubles: list[str] | None = None
) -> dict[str, str]:
    """The person's pages: ``name → path`` of every pattern that answers them with a page;
    the doubled full stops of each page, in Arabic and in English, go to ``doubles``."""
    pages = {}
    for name in names:
        try:
            kwargs = person.kwargs[name]() if name in person.kwargs else {}
            path = reverse(name, kwargs=kwargs)
        except Exception:  # noqa: BLE001, S112 — a pattern this person has no object for
            continue
        response = client.get(path)
        if (
            response.status_code == 200
            and response.get("Content-Type", "").startswith("text/html")
            and b"<main" in response.content
        ):
            pages[name] = path
            if doubles is not None:
                client.cookies["django_language"] = "en"
                english = client.get(path).content.decode()
                del client.cookies["django_language"]
                for language, html in (("ar", response.content.decode()), ("en", english)):
                    doubles += [
                        f"{person.role} {language} {path}: {hit!r}"
                        for hit in doubled_stops(page_text(html))
                    ]
    return pages


def pending_appeal() -> None:
    """The demo has no appeal waiting; one ineligible request is appealed so its page is seen
    (the last one: the applicant of the walk is the first with such a request)."""
    ruled = AidRequest.objects.filter(status=RequestStatus.INELIGIBLE).order_by("pk").last()
    assert ruled is not None
    aid_request_appeal(
        aid_request_id=ruled.pk, applicant=ruled.applicant, reason="My income has changed."
    )


def webhook_endpoint() -> None:
    """The demo has no webhook endpoint; Al-Noor gets one so its deliveries page is seen."""
    manager = User.objects.get(email="manager@alnoor.test")
    WebhookEndpoint.objects.create(
        organisation_id=Organisation.objects.get(licence_number="MSA-CH-1001").pk,
        url="https://hooks.example.org/musaada",
        secret="s" * 43,
        events=["case.claimed"],
        created_by=manager,
        created_at=timezone.now(),
    )


def test_every_page_has_no_serious_accessibility_violation(browser, live_server):
    seed()
    pending_appeal()
    webhook_endpoint()
    names = list(url_patterns())
    assert not set(EXCLUDED) - set(names), "EXCLUDED names a pattern that no longer exists"
    candidates = [n for n in names if n not in EXCLUDED]

    walk: list[tuple[Person, str, dict[str, str]]] = []
    doubles: list[str] = []  # doubled full stops (tests/config/test_full_stops.py)
    visited: set[str] = set()
    for person in people():
        client = sign_in(person)
        # The one page of a sign-up half done; the rest is the anonymous visitor's.
        mine = ["account_verify_phone"] if person.role == SIGNING_UP else candidates
        mine = [n for n in mine if n.startswith(person.only)]
        pages = pages_of(person, client, mine, doubles)
        if person.role == "anonymous":
            pages["404"] = "/no-such-page/"
        visited |= set(pages)
        session = client.cookies.get(settings.SESSION_COOKIE_NAME)
        walk.append((person, session.value if session else "", pages))
    unvisited = sorted(set(candidates) - visited)
    assert not unvisited, f"neither visited nor in EXCLUDED: {unvisited}"
    assert not doubles, "doubled full stops:\n" + "\n".join(doubles)

    failures: list[str] = []
    for language in ("ar", "en"):
        for width, height in ((1280, 900), (390, 844)):
            for person, session, pages in walk:
                context = browser.new_context(
                    viewport={"width": width, "height": height}, base_url=live_server.url
                )
                cookies = [{"name": "django_language", "value": language, "url": live_server.url}]
                if session:
                    cookies.append(
                        {
                            "name": settings.SESSION_COOKIE_NAME,
                            "value": session,
                            "url": live_server.url,
                        }
                    )
                context.add_cookies(cookies)  # type: ignore[arg-type]
                page = context.new_page()
                for name, path in pages.items():
                    page.goto(path)
                    for v in serious_violations(page):
                        failures.append(
                            f"{person.role} {language} {width}px {path} ({name}): "
                            f"{v['id']} [{v['impact']}] {v['help']} — {v['nodes']}"
                        )
                context.close()
    assert not failures, f"{len(failures)} violations:\n" + "\n".join(failures)
