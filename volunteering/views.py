"""The pages of paid volunteering: the public list, the applicant's pages and the
organisation's (the web layer: access check → form → one service call → redirect)."""

from __future__ import annotations

import datetime
from collections.abc import Callable

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import (
    Capability,
    can,
    require_capability,
    require_personal_data,
    second_factor_passed,
)
from aid_requests.exceptions import AidRequestError
from charities.exceptions import CharityError
from charities.selectors import organisation_for_staff
from volunteering import selectors, stipends
from volunteering.certificate import certificate_number, certificate_pdf
from volunteering.exceptions import CertificateNotReady, MonthNotReady, VolunteeringError
from volunteering.forms import (
    ApplyForm,
    FilterForm,
    HoursForm,
    OpportunityForm,
    ReasonForm,
    StipendForm,
)
from volunteering.models import UNDECIDED, ApplicationStatus, HoursStatus, Opportunity
from volunteering.programme import CODE
from volunteering.services import applications, hours, opportunities
from volunteering.services.hours import stipend_due
from volunteering.services.preference import preference_set


def _run(request: HttpRequest, success: str, action: Callable[[], object]) -> bool:
    """Run one service call and say how it went (a refusal shows its message)."""
    try:
        action()
    except (VolunteeringError, CharityError, AidRequestError) as error:
        messages.error(request, str(error.message))
        return False
    messages.success(request, success)
    return True


# --- public -------------------------------------------------------------------------------


@require_GET
def opportunity_list(request: HttpRequest) -> HttpResponse:
    form = FilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    found = selectors.public_opportunities(
        governorate=filters.get("governorate"),
        kind=filters.get("kind") or "",
        starts_from=filters.get("starts_from"),
        starts_until=filters.get("starts_until"),
    )
    return render(request, "volunteering/list.html", {"form": form, "opportunities": found[:100]})


@require_GET
def opportunity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    opportunity = selectors.get_public_opportunity(pk)
    user = request.user
    context = {
        "opportunity": opportunity,
        "is_open": opportunity.is_open_on(timezone.localdate()),
        "may_apply": user.is_authenticated and can(user, Capability.APPLY),
        "application": selectors.application_for_opportunity(user, opportunity),  # type: ignore[arg-type]
        "form": ApplyForm(),
    }
    return render(request, "volunteering/detail.html", context)


# --- applicants ---------------------------------------------------------------------------


@require_POST
@require_capability(Capability.APPLY)
def apply(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    opportunity = selectors.get_public_opportunity(pk)
    form = ApplyForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    done = _run(
        request,
        _("Your application was sent. The organisation will answer you here."),
        lambda: applications.application_submit(
            opportunity_id=opportunity.pk, applicant=request.user, note=note
        ),
    )
    return redirect("volunteering:mine" if done else "volunteering:detail", *([] if done else [pk]))


@require_POST
@require_capability(Capability.APPLY)
def preference(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The applicant's choice: paid volunteering rather than direct aid (kept in the profile)."""
    prefers = request.POST.get("prefers") == "1"
    preference_set(actor=request.user, prefers=prefers)
    messages.success(request, _("Your choice was saved."))
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("volunteering:list")
    return redirect(target)


@require_GET
@require_capability(Capability.APPLY)
def mine(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(
        request,
        "volunteering/mine.html",
        {"applications": selectors.applications_of(request.user)},
    )


@require_GET
@require_capability(Capability.APPLY)
def my_application(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    application = selectors.get_application_for_applicant(request.user, pk)
    opportunity = application.opportunity
    context = {
        "application": application,
        "opportunity": opportunity,
        "hours": selectors.hours_of(application),
        "total_hours": selectors.confirmed_hours(application),
        "payments": application.aid_request.payments.all() if application.aid_request else [],
        "may_withdraw": application.status in (*UNDECIDED, ApplicationStatus.ACCEPTED),
        "certificate_ready": application.status == ApplicationStatus.ACCEPTED
        and opportunity.has_ended_on(timezone.localdate()),
        "dispute_form": ReasonForm(),
    }
    return render(request, "volunteering/my_application.html", context)


@require_POST
@require_capability(Capability.APPLY)
def withdraw(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    application = selectors.get_application_for_applicant(request.user, pk)
    _run(
        request,
        _("Withdrawn."),
        lambda: applications.application_withdraw(
            application_id=application.pk, applicant=request.user
        ),
    )
    return redirect("volunteering:my_application", pk)


@require_POST
@require_capability(Capability.APPLY)
def hours_confirm(request: AuthenticatedHttpRequest, pk: int, log: int) -> HttpResponse:
    application = selectors.get_application_for_applicant(request.user, pk)
    entry = application.hours.filter(pk=log).first()
    if entry is None:
        return redirect("volunteering:my_application", pk)
    _run(
        request,
        _("Hours confirmed."),
        lambda: hours.hours_confirm(hour_log_id=entry.pk, volunteer=request.user),
    )
    return redirect("volunteering:my_application", pk)


@require_POST
@require_capability(Capability.APPLY)
def hours_dispute(request: AuthenticatedHttpRequest, pk: int, log: int) -> HttpResponse:
    application = selectors.get_application_for_applicant(request.user, pk)
    entry = application.hours.filter(pk=log).first()
    form = ReasonForm(request.POST)
    if entry is not None and form.is_valid():
        reason = form.cleaned_data["reason"]
        _run(
            request,
            _("Your dispute was sent to the organisation."),
            lambda: hours.hours_dispute(
                hour_log_id=entry.pk, volunteer=request.user, reason=reason
            ),
        )
    elif entry is not None:
        messages.error(request, _("Please give a reason."))
    return redirect("volunteering:my_application", pk)


# --- organisations ------------------------------------------------------------------------


@require_GET
@require_capability(Capability.VIEW_QUEUE)
def staff_opportunities(request: AuthenticatedHttpRequest) -> HttpResponse:
    organisation = organisation_for_staff(request.user)
    licensed = organisation is not None and organisation.aid_types.filter(code=CODE).exists()
    return render(
        request,
        "volunteering/staff_list.html",
        {
            "organisation": organisation,
            "licensed": licensed,
            "opportunities": selectors.opportunities_for_staff(request.user).order_by("-id"),
            "may_publish": can(request.user, Capability.APPROVE_CASE),
        },
    )


@require_http_methods(["GET", "POST"])
@require_capability(Capability.APPROVE_CASE)
def publish(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = OpportunityForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        created: list[int] = []
        values = dict(form.cleaned_data)
        governorate = values.pop("governorate")

        def action() -> None:
            created.append(
                opportunities.opportunity_publish(
                    actor=request.user, governorate=governorate, **values
                ).pk
            )

        if _run(request, _("Published."), action):
            return redirect("volunteering:staff_opportunity", created[0])
    return render(request, "volunteering/opportunity_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
@require_capability(Capability.APPROVE_CASE)
def edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    opportunity = selectors.get_opportunity_for_staff(request.user, pk)
    form = OpportunityForm(request.POST or None, instance=opportunity)
    if request.method == "POST" and form.is_valid():
        values = {k: form.cleaned_data[k] for k in form.changed_data}
        opportunity.refresh_from_db()
        if _run(
            request,
            _("Saved."),
            lambda: opportunities.opportunity_update(
                opportunity_id=pk, actor=request.user, **values
            ),
        ):
            return redirect("volunteering:staff_opportunity", pk)
    return render(
        request, "volunteering/opportunity_form.html", {"form": form, "opportunity": opportunity}
    )


@require_POST
@require_capability(Capability.APPROVE_CASE)
def complete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    opportunity = selectors.get_opportunity_for_staff(request.user, pk)
    _run(
        request,
        _("Marked completed: the volunteers may download their certificates."),
        lambda: opportunities.opportunity_complete(
            opportunity_id=opportunity.pk, actor=request.user
        ),
    )
    return redirect("volunteering:staff_opportunity", pk)


@require_GET
@require_capability(Capability.VIEW_QUEUE)
@require_personal_data
def staff_opportunity(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    opportunity = selectors.get_opportunity_for_staff(request.user, pk)
    return render(
        request,
        "volunteering/staff_opportunity.html",
        {
            "opportunity": opportunity,
            "applications": selectors.applications_for_opportunity(opportunity),
            "undecided": UNDECIDED,
            "may_decide": can(request.user, Capability.CLAIM_CASE),
            "may_manage": can(request.user, Capability.APPROVE_CASE),
            "decline_form": ReasonForm(),
        },
    )


def _decision(
    request: AuthenticatedHttpRequest, pk: int, success: str, action: Callable[[int], object]
) -> HttpResponse:
    application = selectors.get_application_for_staff(request.user, pk)
    _run(request, success, lambda: action(application.pk))
    return redirect("volunteering:staff_opportunity", application.opportunity_id)


@require_POST
@require_capability(Capability.CLAIM_CASE)
@require_personal_data
def shortlist(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _decision(
        request,
        pk,
        _("Shortlisted."),
        lambda a: applications.application_shortlist(application_id=a, actor=request.user),
    )


@require_POST
@require_capability(Capability.CLAIM_CASE)
@require_personal_data
def accept(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _decision(
        request,
        pk,
        _("Accepted: the volunteer's stipend aid is approved for the opportunity's months."),
        lambda a: applications.application_accept(application_id=a, actor=request.user),
    )


@require_POST
@require_capability(Capability.CLAIM_CASE)
@require_personal_data
def decline(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    return _decision(
        request,
        pk,
        _("Declined."),
        lambda a: applications.application_decline(
            application_id=a, actor=request.user, reason=reason
        ),
    )


@require_GET
@require_capability(Capability.VIEW_QUEUE)
@require_personal_data
def placement(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    return _placement_page(request, pk, None, None)


def _placement_page(
    request: AuthenticatedHttpRequest,
    pk: int,
    hours_form: HoursForm | None,
    stipend_form: StipendForm | None,
) -> HttpResponse:
    application = selectors.get_application_for_staff(request.user, pk)
    weeks = _weeks_begun(application.opportunity)
    due, not_ready = None, False
    if application.status == ApplicationStatus.ACCEPTED:
        try:
            due = stipend_due(application)
        except MonthNotReady:
            not_ready = True
    opportunity = application.opportunity
    context = {
        "application": application,
        "opportunity": opportunity,
        "hours": selectors.hours_of(application),
        "total_hours": selectors.confirmed_hours(application),
        "hours_form": hours_form or HoursForm(weeks=weeks),
        "stipend_form": stipend_form or StipendForm(initial={"paid_on": timezone.localdate()}),
        "due": due,
        "not_ready": not_ready,
        "payments": application.aid_request.payments.all() if application.aid_request else [],
        "accepted": application.status == ApplicationStatus.ACCEPTED,
        "may_record": can(request.user, Capability.RECORD_PAYMENT),
        "HoursStatus": HoursStatus,
    }
    return render(request, "volunteering/placement.html", context)


def _weeks_begun(opportunity: Opportunity) -> list[tuple[int, datetime.date]]:
    """The placement's weeks that have begun (hours are logged for these only)."""
    today = timezone.localdate()
    every = (
        (w, stipends.week_start(opportunity, w)) for w in range(1, stipends.weeks(opportunity) + 1)
    )
    return [(w, day) for w, day in every if day <= today]


@require_POST
@require_capability(Capability.RECORD_PAYMENT)
@require_personal_data
def log_hours(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    application = selectors.get_application_for_staff(request.user, pk)
    form = HoursForm(request.POST, weeks=_weeks_begun(application.opportunity))
    if not form.is_valid():
        return _placement_page(request, pk, form, None)
    _run(
        request,
        _("Hours logged: the volunteer is asked to confirm them."),
        lambda: hours.hours_log(
            application_id=application.pk,
            actor=request.user,
            week=form.cleaned_data["week"],
            hours=form.cleaned_data["hours"],
        ),
    )
    return redirect("volunteering:placement", pk)


@require_POST
@require_capability(Capability.RECORD_PAYMENT)
@require_personal_data
def pay(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    application = selectors.get_application_for_staff(request.user, pk)
    form = StipendForm(request.POST)
    if not form.is_valid():
        return _placement_page(request, pk, None, form)
    _run(
        request,
        _("Stipend paid and recorded."),
        lambda: hours.stipend_pay(
            application_id=application.pk,
            actor=request.user,
            paid_on=form.cleaned_data["paid_on"],
            method=form.cleaned_data["method"],
            reference=form.cleaned_data["reference"],
            second_factor_passed=second_factor_passed(request),
        ),
    )
    return redirect("volunteering:placement", pk)


@require_GET
@require_capability(Capability.APPLY)
def certificate(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The volunteer's certificate of service, in the language asked (``?lang=en``) or the
    page's."""
    application = selectors.get_application_for_applicant(request.user, pk)
    language = request.GET.get("lang") or translation.get_language() or "ar"
    language = "en" if language.startswith("en") else "ar"
    try:
        pdf = certificate_pdf(application, language)
    except CertificateNotReady as error:
        messages.error(request, str(error.message))
        return redirect("volunteering:my_application", pk)
    response = HttpResponse(pdf, content_type="application/pdf")
    filename = f"{certificate_number(application)}-{language}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
