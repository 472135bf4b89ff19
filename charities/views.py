from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.permissions import (
    Capability,
    can,
    require_capability,
    require_personal_data,
    second_factor_passed,
)
from aid_requests.exceptions import AidRequestError
from aid_requests.models import RequestStatus
from aid_requests.reasons import breakdown_rows
from aid_requests.services.cases import aid_request_view_logged
from aid_requests.states import Actor, is_allowed
from applicants import selectors as applicant_selectors
from audit.services import client_ip
from charities import selectors, services
from charities.exceptions import (
    ConfirmationLinkExpired,
    ConfirmationLinkInvalid,
    EmailAlreadyHasAccount,
    LicenceNumberTaken,
    ReasonRequired,
)
from charities.forms import (
    ApproveForm,
    CaseMessageForm,
    LicenceForm,
    OrganisationApplyForm,
    PaymentForm,
    QueueFilterForm,
    ReasonForm,
    StaffInviteForm,
    StaffRoleForm,
)
from charities.models import Organisation, OrganisationStatus
from dedup import selectors as dedup_selectors
from dedup.models import BINDING


@require_GET
@require_capability(Capability.VIEW_QUEUE)
def dashboard(request: HttpRequest) -> HttpResponse:
    organisation = selectors.organisation_for_staff(request.user)  # type: ignore[arg-type]
    held = dict(
        selectors.held_requests(organisation)  # type: ignore[arg-type]
        .values_list("status")
        .annotate(n=Count("id"))
        .order_by()
    )
    context = {
        "organisation": organisation,
        "open_in_licence": selectors.open_requests_in_licence(organisation).count(),  # type: ignore[arg-type]
        "held": held,
        "staff": selectors.staff_of(organisation),  # type: ignore[arg-type]
    }
    return render(request, "charities/dashboard.html", context)


@require_GET
@require_capability(Capability.VIEW_QUEUE)
def queue(request: HttpRequest) -> HttpResponse:
    """The shared queue, anonymised: no name, civil ID or contact before a claim."""
    organisation = selectors.organisation_for_staff(request.user)  # type: ignore[arg-type]
    form = QueueFilterForm(request.GET or None, organisation=organisation)  # type: ignore[arg-type]
    page = selectors.queue_for(
        organisation,
        form.filters(),
        after=request.GET.get("after") or None,  # type: ignore[arg-type]
    )
    now = timezone.now()
    today = timezone.localdate(now)
    rows = [
        {
            "request": r,
            "beneficiary": selectors.queue_beneficiary(r, today),
            "days_waiting": (now - r.submitted_at).days,
            "breakdown": breakdown_rows((r.screening or {}).get("breakdown", [])),
        }
        for r in page.rows
    ]
    query = request.GET.copy()
    query.pop("after", None)
    template = (
        "charities/partials/queue_rows.html"
        if request.htmx  # type: ignore[attr-defined]
        else "charities/queue.html"
    )
    return render(
        request,
        template,
        {
            "form": form,
            "rows": rows,
            "next_cursor": page.next_cursor,
            "query": query.urlencode(),
            "organisation": organisation,
        },
    )


@require_GET
@require_capability(Capability.VIEW_QUEUE)
def my_cases(request: HttpRequest) -> HttpResponse:
    from django.conf import settings

    organisation = selectors.organisation_for_staff(request.user)  # type: ignore[arg-type]
    now = timezone.now()
    cases = [
        {
            "request": c,
            "overdue": c.is_claim_overdue(settings.CLAIM_DEADLINE_DAYS, now),
            "deadline": c.claim_deadline(settings.CLAIM_DEADLINE_DAYS),
        }
        for c in selectors.cases_of(organisation)  # type: ignore[arg-type]
    ]
    return render(request, "charities/my_cases.html", {"cases": cases})


@require_GET
@require_capability(Capability.VIEW_QUEUE)
@require_personal_data
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The full file of a case this organisation holds; every view is recorded."""
    aid_request, organisation = selectors.get_case_for_staff(request.user, pk)  # type: ignore[arg-type]
    aid_request_view_logged(
        aid_request=aid_request,
        viewer=request.user,  # type: ignore[arg-type]
        ip_address=client_ip(request),
    )
    applicant = aid_request.applicant
    profile = applicant_selectors.profile_of(applicant)
    period = services.next_period(aid_request)
    read_only = selectors.case_is_read_only(aid_request)
    decides = can(request.user, Capability.RELEASE_CASE)  # managers release and reject
    context = {
        "aid_request": aid_request,
        "applicant": applicant,
        "profile": profile,
        "protected": bool(profile and profile.is_protected),
        "members": applicant_selectors.members_of(applicant),
        "incomes": applicant_selectors.incomes_of(applicant),
        "obligations": applicant_selectors.obligations_of(applicant),
        "finances": applicant_selectors.household_finances(applicant),
        "documents": aid_request.documents.all(),
        "payments": aid_request.payments.all(),
        "commitments": aid_request.commitments.filter(status__in=BINDING),
        "coverage_conflicts": dedup_selectors.open_conflicts_of_case(aid_request.pk),
        "timeline": aid_request.timeline.select_related("actor"),
        "breakdown": breakdown_rows((aid_request.screening or {}).get("breakdown", [])),
        "read_only": read_only,
        "can_approve": can(request.user, Capability.APPROVE_CASE),
        "approve_form": ApproveForm(aid_request=aid_request),
        "next_period": period,
        "next_period_start": period and services.period_start(aid_request, period),
        "next_period_opens": period and services.period_opens_on(aid_request, period),
        "payment_form": PaymentForm(
            initial={
                "amount": aid_request.approved_amount,
                "paid_on": timezone.localdate(),
                "period": period,
            }
        ),
        # Two reason forms on one page: their own ids, the same field name.
        "release_form": ReasonForm(auto_id="id_release_%s"),
        "reject_form": ReasonForm(auto_id="id_reject_%s"),
        "may_release": decides and aid_request.status == RequestStatus.CLAIMED,
        "may_reject": decides
        and not read_only
        and is_allowed(aid_request.status, RequestStatus.REJECTED, Actor.CHARITY),
        "message_form": CaseMessageForm(),
        "case_messages": aid_request.messages.select_related("sender"),
    }
    return render(request, "charities/case_detail.html", context)


def _run(request: HttpRequest, success: str, action) -> None:  # type: ignore[no-untyped-def]
    try:
        action()
    except AidRequestError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, success)


@require_POST
@require_capability(Capability.CLAIM_CASE)
def claim(request: HttpRequest, pk: int) -> HttpResponse:
    aid_request, _organisation = selectors.get_open_request_for_staff(request.user, pk)  # type: ignore[arg-type]
    try:
        services.aid_request_claim(
            aid_request_id=aid_request.pk,
            actor=request.user,  # type: ignore[arg-type]
            second_factor_passed=second_factor_passed(request),
        )
    except AidRequestError as error:
        messages.error(request, error.message)
        return redirect("charities:queue")
    messages.success(request, _("Claimed. The full file is now open to your organisation."))
    return redirect("charities:case", pk=pk)


@require_POST
@require_capability(Capability.APPROVE_CASE)
def approve(request: HttpRequest, pk: int) -> HttpResponse:
    aid_request, _organisation = selectors.get_case_for_staff(request.user, pk, write=True)  # type: ignore[arg-type]
    form = ApproveForm(request.POST, aid_request=aid_request)
    if not form.is_valid():
        for error in form.errors.values():
            messages.error(request, " ".join(error))
        return redirect("charities:case", pk=pk)
    _run(
        request,
        _("Approved. The applicant has been told."),
        lambda: services.aid_request_approve(
            aid_request_id=pk,
            actor=request.user,
            amount=form.cleaned_data["amount"],
            payments=form.cleaned_data["payments"],
            second_factor_passed=second_factor_passed(request),
        ),
    )
    return redirect("charities:case", pk=pk)


@require_POST
@require_capability(Capability.RECORD_PAYMENT)
def payment(request: HttpRequest, pk: int) -> HttpResponse:
    selectors.get_case_for_staff(request.user, pk, write=True)  # type: ignore[arg-type]
    form = PaymentForm(request.POST)
    if not form.is_valid():
        for error in form.errors.values():
            messages.error(request, " ".join(error))
        return redirect("charities:case", pk=pk)
    data = form.cleaned_data
    _run(
        request,
        _("Payment recorded."),
        lambda: services.payment_record(
            aid_request_id=pk,
            actor=request.user,
            amount=data["amount"],
            paid_on=data["paid_on"],
            method=data["method"],
            reference=data["reference"],
            period=data["period"],
            second_factor_passed=second_factor_passed(request),
        ),
    )
    return redirect("charities:case", pk=pk)


@require_POST
@require_capability(Capability.RECORD_PAYMENT)
def close(request: HttpRequest, pk: int) -> HttpResponse:
    selectors.get_case_for_staff(request.user, pk, write=True)  # type: ignore[arg-type]
    _run(
        request,
        _("The case is closed."),
        lambda: services.aid_request_close(
            aid_request_id=pk,
            actor=request.user,
            second_factor_passed=second_factor_passed(request),
        ),
    )
    return redirect("charities:case", pk=pk)


@require_POST
@require_capability(Capability.RELEASE_CASE)
def release(request: HttpRequest, pk: int) -> HttpResponse:
    selectors.get_case_for_staff(request.user, pk, write=True)  # type: ignore[arg-type]
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason."))
        return redirect("charities:case", pk=pk)
    _run(
        request,
        _("Released back to the queue."),
        lambda: services.aid_request_release(
            aid_request_id=pk,
            actor=request.user,
            reason=form.cleaned_data["reason"],
            second_factor_passed=second_factor_passed(request),
        ),
    )
    return redirect("charities:my_cases")


@require_POST
@require_capability(Capability.RELEASE_CASE)
def reject(request: HttpRequest, pk: int) -> HttpResponse:
    selectors.get_case_for_staff(request.user, pk, write=True)  # type: ignore[arg-type]
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give a reason."))
        return redirect("charities:case", pk=pk)
    _run(
        request,
        _("Rejected. The applicant has been told and may appeal."),
        lambda: services.aid_request_reject(
            aid_request_id=pk,
            actor=request.user,
            reason=form.cleaned_data["reason"],
            second_factor_passed=second_factor_passed(request),
        ),
    )
    return redirect("charities:case", pk=pk)


# --- applying to join (public) --------------------------------------------------------------

#: Applications accepted from one client address per window (override in settings).
APPLY_LIMIT_PER_IP = 5
APPLY_LIMIT_WINDOW_SECONDS = 3600


def _apply_allowed(request: HttpRequest) -> bool:
    """Count one submission from this client address; False once it is over the limit.

    Fixed window from the first submission. The key is an HMAC, so the cache never holds the
    address in clear.
    """
    limit = getattr(settings, "CHARITY_APPLY_LIMIT_PER_IP", APPLY_LIMIT_PER_IP)
    window = getattr(settings, "CHARITY_APPLY_LIMIT_WINDOW_SECONDS", APPLY_LIMIT_WINDOW_SECONDS)
    address = client_ip(request) or "unknown"
    key = "charities:apply:" + salted_hmac("charities.apply", address).hexdigest()[:32]
    cache.add(key, 0, window)
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, window)
        count = 1
    return count <= limit


def _site_url(request: HttpRequest) -> str:
    """This portal's address as the browser used it, for links in e-mails."""
    return request.build_absolute_uri("/")


@require_http_methods(["GET", "POST"])
def apply_to_join(request: HttpRequest) -> HttpResponse:
    """Public page: an organisation applies to be licensed; the ministry reviews it."""
    form = OrganisationApplyForm(request.POST or None)
    if request.method == "POST":
        if not _apply_allowed(request):
            return render(request, "429.html", status=429)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.organisation_apply(
                    name_ar=data["name_ar"],
                    name_en=data["name_en"],
                    kind=data["kind"],
                    licence_number=data["licence_number"],
                    governorates=data["governorates"],
                    aid_types=data["aid_types"],
                    email=data["email"],
                    phone=data["phone"],
                    manager_name=data["manager_name"],
                    manager_email=data["manager_email"],
                    language=get_language() or settings.LANGUAGE_CODE,
                    ip_address=client_ip(request),
                    site_url=_site_url(request),
                )
            except LicenceNumberTaken as error:
                form.add_error("licence_number", str(error.message))
            else:
                # Redirect after POST: a reload cannot send the application twice.
                return redirect("charities:apply_done")
    return render(request, "charities/apply.html", {"form": form})


@require_GET
def apply_done(request: HttpRequest) -> HttpResponse:
    """The same thank-you page for every application (it reveals nothing about accounts)."""
    return render(request, "charities/apply_done.html")


@require_http_methods(["GET", "POST"])
def apply_confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The link e-mailed to the manager: a button (POST) that confirms the address.

    Opening the link changes nothing (mail scanners open links); only pressing the button
    creates the manager's account.
    """
    if request.method == "POST":
        try:
            application = services.organisation_application_confirm(
                token=token, ip_address=client_ip(request)
            )
        except (ConfirmationLinkExpired, ConfirmationLinkInvalid) as error:
            return render(
                request,
                "charities/apply_confirm.html",
                {"error": str(error.message)},
                status=400,
            )
        return render(
            request,
            "charities/apply_confirm.html",
            {"confirmed": True, "organisation": application.organisation},
        )
    return render(request, "charities/apply_confirm.html", {})


# --- licensing (ministry administrators) ----------------------------------------------------

LICENSING_PAGE_SIZE = 50


@require_GET
@require_capability(Capability.LICENSE_ORGANISATIONS)
def licensing(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status") or ""
    if status not in OrganisationStatus.values:
        status = ""
    organisations = selectors.organisations_for_licensing(
        request.user,  # type: ignore[arg-type]
        status=status or None,
    )
    page = Paginator(organisations, LICENSING_PAGE_SIZE).get_page(request.GET.get("page"))
    counts = selectors.organisation_status_counts(request.user)  # type: ignore[arg-type]
    filters = [
        {"value": "", "label": _("All"), "count": sum(counts.values())},
        *(
            {"value": value, "label": label, "count": counts[value]}
            for value, label in OrganisationStatus.choices
        ),
    ]
    return render(
        request,
        "charities/licensing_list.html",
        {"page": page, "status": status, "filters": filters},
    )


@require_GET
@require_capability(Capability.LICENSE_ORGANISATIONS)
def licensing_detail(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = selectors.get_organisation_for_licensing(request.user, pk)  # type: ignore[arg-type]
    moves = [
        {"name": name, "url": f"charities:licensing_{name}"}
        for name, (from_status, _to, _action) in services.ORGANISATION_MOVES.items()
        if organisation.status == from_status
    ]
    context = {
        "organisation": organisation,
        "application": getattr(organisation, "application", None),
        "members": organisation.memberships.select_related("user").order_by(
            "-is_active", "user__full_name"
        ),
        "history": selectors.status_history(organisation),
        "moves": moves,
        "reason_form": ReasonForm(),
        "licence_form": LicenceForm(
            initial={
                "governorates": list(organisation.governorates.all()),
                "aid_types": list(organisation.aid_types.all()),
            }
        ),
    }
    return render(request, "charities/licensing_detail.html", context)


def _licensing_move(
    request: HttpRequest, pk: int, move: Callable[..., Organisation], success: str
) -> HttpResponse:
    organisation = selectors.get_organisation_for_licensing(request.user, pk)  # type: ignore[arg-type]
    form = ReasonForm(request.POST)
    if not form.is_valid():
        messages.error(request, str(ReasonRequired.message))
        return redirect("charities:licensing_detail", pk=organisation.pk)
    _run(
        request,
        success,
        lambda: move(
            organisation_id=organisation.pk,
            actor=request.user,
            reason=form.cleaned_data["reason"],
            site_url=_site_url(request),
        ),
    )
    return redirect("charities:licensing_detail", pk=organisation.pk)


@require_POST
@require_capability(Capability.LICENSE_ORGANISATIONS)
def licensing_approve(request: HttpRequest, pk: int) -> HttpResponse:
    return _licensing_move(
        request,
        pk,
        services.organisation_approve,
        _("Approved. Its managers have been e-mailed how to sign in."),
    )


@require_POST
@require_capability(Capability.LICENSE_ORGANISATIONS)
def licensing_suspend(request: HttpRequest, pk: int) -> HttpResponse:
    return _licensing_move(
        request,
        pk,
        services.organisation_suspend,
        _("Suspended. Its staff can no longer act."),
    )


@require_POST
@require_capability(Capability.LICENSE_ORGANISATIONS)
def licensing_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    return _licensing_move(
        request,
        pk,
        services.organisation_reactivate,
        _("Reactivated. Its staff can work again."),
    )


@require_POST
@require_capability(Capability.LICENSE_ORGANISATIONS)
def licensing_licence(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = selectors.get_organisation_for_licensing(request.user, pk)  # type: ignore[arg-type]
    form = LicenceForm(request.POST)
    if not form.is_valid():
        for error in form.errors.values():
            messages.error(request, " ".join(str(e) for e in error))
        return redirect("charities:licensing_detail", pk=organisation.pk)
    _run(
        request,
        _("The licence was saved."),
        lambda: services.organisation_licence_update(
            organisation_id=organisation.pk,
            actor=request.user,  # type: ignore[arg-type]
            governorates=form.cleaned_data["governorates"],
            aid_types=form.cleaned_data["aid_types"],
        ),
    )
    return redirect("charities:licensing_detail", pk=organisation.pk)


# --- staff (managers, own organisation only) ------------------------------------------------


def _staff_page(request: HttpRequest, invite_form: StaffInviteForm) -> HttpResponse:
    members = list(selectors.staff_for_manager(request.user))  # type: ignore[arg-type]
    context = {
        "organisation": selectors.organisation_for_staff(request.user),  # type: ignore[arg-type]
        "current": [m for m in members if m.is_active],
        "former": [m for m in members if not m.is_active],
        "invite_form": invite_form,
        "role_choices": StaffRoleForm.base_fields["role"].choices,  # type: ignore[attr-defined]
    }
    return render(request, "charities/staff.html", context)


@require_GET
@require_capability(Capability.MANAGE_STAFF)
def staff(request: HttpRequest) -> HttpResponse:
    return _staff_page(request, StaffInviteForm())


@require_POST
@require_capability(Capability.MANAGE_STAFF)
def staff_invite(request: HttpRequest) -> HttpResponse:
    form = StaffInviteForm(request.POST)
    if not form.is_valid():
        return _staff_page(request, form)
    try:
        services.staff_invite(
            actor=request.user,  # type: ignore[arg-type]
            full_name=form.cleaned_data["full_name"],
            email=form.cleaned_data["email"],
            role=form.cleaned_data["role"],
            site_url=_site_url(request),
        )
    except EmailAlreadyHasAccount as error:
        form.add_error("email", str(error.message))
        return _staff_page(request, form)
    except AidRequestError as error:
        messages.error(request, str(error.message))
        return _staff_page(request, form)
    messages.success(request, _("Added. We e-mailed them how to choose a password and sign in."))
    return redirect("charities:staff")


def _after_staff_change(request: HttpRequest, user_id: int) -> HttpResponse:
    # Whoever changed their own role or left may no longer manage staff: go to their home page.
    if user_id == request.user.pk:
        return redirect("home")
    return redirect("charities:staff")


@require_POST
@require_capability(Capability.MANAGE_STAFF)
def staff_role(request: HttpRequest, pk: int) -> HttpResponse:
    membership = selectors.get_membership_for_manager(request.user, pk)  # type: ignore[arg-type]
    form = StaffRoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose caseworker or manager."))
        return redirect("charities:staff")
    try:
        services.staff_role_change(
            actor=request.user,  # type: ignore[arg-type]
            membership_id=membership.pk,
            role=form.cleaned_data["role"],
        )
    except AidRequestError as error:
        messages.error(request, str(error.message))
        return redirect("charities:staff")
    messages.success(request, _("The role was changed."))
    return _after_staff_change(request, membership.user_id)


@require_POST
@require_capability(Capability.MANAGE_STAFF)
def staff_remove(request: HttpRequest, pk: int) -> HttpResponse:
    membership = selectors.get_membership_for_manager(request.user, pk)  # type: ignore[arg-type]
    try:
        services.staff_remove(actor=request.user, membership_id=membership.pk)  # type: ignore[arg-type]
    except AidRequestError as error:
        messages.error(request, str(error.message))
        return redirect("charities:staff")
    messages.success(request, _("Removed. They can no longer act for the organisation."))
    return _after_staff_change(request, membership.user_id)


@require_POST
@require_capability(Capability.VIEW_QUEUE)
@require_personal_data
def case_message(request: HttpRequest, pk: int) -> HttpResponse:
    """Write to the applicant of a case this organisation holds."""
    from aid_requests.services.cases import case_message_send

    selectors.get_case_for_staff(request.user, pk, write=True)  # type: ignore[arg-type]
    form = CaseMessageForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write a message first."))
        return redirect("charities:case", pk=pk)
    _run(
        request,
        _("Message sent to the applicant."),
        lambda: case_message_send(
            aid_request_id=pk, sender=request.user, body=form.cleaned_data["body"]
        ),
    )
    return redirect("charities:case", pk=pk)
