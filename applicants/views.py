"""Applicant pages: their requests, and the profile filled in steps.

Every profile view is: access check → form → one service call → redirect. Forms that add a
row carry a one-time submission token, so a double-clicked or replayed form adds nothing twice.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms as django_forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Model, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.models import User
from accounts.permissions import (
    Capability,
    can,
    require_capability,
    require_personal_data,
    second_factor_passed,
)
from applicants import selectors, services
from applicants.forms import (
    ApplicantLookupForm,
    ConsentForm,
    DocumentForm,
    IncomeForm,
    MemberForm,
    ObligationForm,
    PersonalForm,
    ProtectionForm,
)
from applicants.models import ApplicantProfile
from applicants.selectors import CONFIRMED_FIELD, STEP_LABELS, Step
from audit.services import client_ip


@require_GET
@require_capability(Capability.VIEW_OWN_REQUESTS)
def my_requests(request: HttpRequest) -> HttpResponse:
    context = {
        "profile": selectors.profile_of(request.user),  # type: ignore[arg-type]
        "requests": selectors.requests_of(request.user),  # type: ignore[arg-type]
    }
    return render(request, "applicants/my_requests.html", context)


# --- shared pieces ------------------------------------------------------------------------

_SUBMISSIONS = "applicants.submissions"
_KEEP_SUBMISSIONS = 20


def _new_submission(request: HttpRequest) -> str:
    """A one-time token for a form that adds a row (the session keeps the last few)."""
    token = secrets.token_urlsafe(16)
    tokens = request.session.get(_SUBMISSIONS, [])[-(_KEEP_SUBMISSIONS - 1) :]
    request.session[_SUBMISSIONS] = [*tokens, token]
    return token


def _use_submission(request: HttpRequest) -> bool:
    """True the first time this form's token comes back; False for a repeat or stale form."""
    token = request.POST.get("submission", "")
    tokens = request.session.get(_SUBMISSIONS, [])
    if token not in tokens:
        return False
    tokens.remove(token)
    request.session[_SUBMISSIONS] = tokens
    return True


def _already_sent(request: HttpRequest, step: Step) -> HttpResponse:
    messages.info(request, _("This form was already sent; nothing was added twice."))
    return redirect(f"applicants:{step}")


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]  # require_capability let only users in


def _show_error(form: django_forms.Form, error: services.ProfileError) -> None:
    form.add_error(error.field if error.field in form.fields else None, str(error))


def _step_context(
    request: HttpRequest, step: Step, profile: ApplicantProfile | None
) -> dict[str, Any]:
    user = _user(request)
    done = selectors.completed_steps(profile, user)
    steps = [
        {
            "number": number,
            "label": STEP_LABELS[each],
            "url": reverse(f"applicants:{each}"),
            "done": each in done,
            "current": each == step,
        }
        for number, each in enumerate(Step, start=1)
    ]
    return {
        "steps": steps,
        "step": step,
        "step_number": list(Step).index(step) + 1,
        "step_count": len(steps),
        "done_count": len(done),
        "step_label": STEP_LABELS[step],
        "profile": profile,
        "held": selectors.is_profile_held(user),
    }


def _profile_required(request: HttpRequest) -> ApplicantProfile | None:
    """The user's profile; None (with a message) when the personal step must come first."""
    profile = selectors.profile_of(_user(request))
    if profile is None:
        messages.warning(request, _("Fill in your personal details first."))
    return profile


# --- entry point and step 1 ---------------------------------------------------------------


@require_GET
@require_capability(Capability.APPLY)
def profile(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    step = selectors.first_incomplete_step(selectors.profile_of(user), user)
    return redirect(f"applicants:{step}")


@require_http_methods(["GET", "POST"])
@require_capability(Capability.APPLY)
def personal(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    current = selectors.profile_of(user)
    initial: dict[str, Any] = {
        "birth_date": selectors.birth_date_of(user),
        "mobile": user.mobile,
        "email": user.email or "",
    }
    if current is not None:
        initial |= {
            name: getattr(current, name)
            for name in ("name_ar", "name_en", "gender", "nationality", "area", "address")
        }
        initial["governorate"] = current.governorate_id
    form = PersonalForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.applicant_profile_save(
                actor=user,
                name_ar=data["name_ar"],
                name_en=data["name_en"],
                gender=data["gender"],
                nationality=data["nationality"],
                governorate=data["governorate"],
                area=data["area"],
                address=data["address"],
                mobile=data["mobile"],
                email=data["email"],
                ip_address=client_ip(request),
            )
        except services.ProfileError as error:
            _show_error(form, error)
        else:
            messages.success(request, _("Your personal details were saved."))
            return redirect(f"applicants:{selectors.next_step(Step.PERSONAL)}")
    context = _step_context(request, Step.PERSONAL, current) | {"form": form}
    return render(request, "applicants/profile/personal.html", context)


@require_POST
@require_capability(Capability.APPLY)
def step_confirm(request: HttpRequest, step: str) -> HttpResponse:
    """ "Save and continue" on a list step: mark it done and go to the next step."""
    if step not in CONFIRMED_FIELD:
        raise Http404
    if _profile_required(request) is None:
        return redirect("applicants:personal")
    services.applicant_profile_step_confirm(
        actor=_user(request), step=Step(step), ip_address=client_ip(request)
    )
    return redirect(f"applicants:{selectors.next_step(Step(step))}")


# --- step 2: household --------------------------------------------------------------------


def _household_page(
    request: HttpRequest, profile: ApplicantProfile, form: MemberForm | None = None
) -> HttpResponse:
    user = _user(request)
    context = _step_context(request, Step.HOUSEHOLD, profile) | {
        "members": selectors.members_of(user),
        "listed_elsewhere": selectors.members_listed_elsewhere(user),
        "form": form or MemberForm(),
        "submission": _new_submission(request),
    }
    return render(request, "applicants/profile/household.html", context)


def _member_saved_messages(request: HttpRequest, saved: services.MemberSaved) -> None:
    messages.success(request, _("The household member was saved."))
    if saved.listed_elsewhere:
        messages.warning(
            request,
            _(
                "This person is already listed in another household. The member was saved and "
                "the ministry will review it; you may be contacted."
            ),
        )


@require_GET
@require_capability(Capability.APPLY)
def household(request: HttpRequest) -> HttpResponse:
    profile = _profile_required(request)
    if profile is None:
        return redirect("applicants:personal")
    return _household_page(request, profile)


@require_POST
@require_capability(Capability.APPLY)
def member_add(request: HttpRequest) -> HttpResponse:
    profile = _profile_required(request)
    if profile is None:
        return redirect("applicants:personal")
    form = MemberForm(request.POST)
    if form.is_valid():
        if not _use_submission(request):
            return _already_sent(request, Step.HOUSEHOLD)
        try:
            saved = services.household_member_add(
                actor=_user(request), **form.cleaned_data, ip_address=client_ip(request)
            )
        except services.ProfileError as error:
            _show_error(form, error)
        else:
            _member_saved_messages(request, saved)
            return redirect("applicants:household")
    return _household_page(request, profile, form)


@require_http_methods(["GET", "POST"])
@require_capability(Capability.APPLY)
def member_edit(request: HttpRequest, pk: int) -> HttpResponse:
    member = selectors.get_member_for_user(_user(request), pk)
    initial = {
        name: getattr(member, name)
        for name in ("civil_id", "name", "kinship", "birth_date", "has_disability", "is_student")
    }
    form = MemberForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.household_member_update(
                actor=_user(request),
                member=member,
                **form.cleaned_data,
                ip_address=client_ip(request),
            )
        except services.ProfileError as error:
            _show_error(form, error)
        else:
            _member_saved_messages(request, saved)
            return redirect("applicants:household")
    context = _step_context(request, Step.HOUSEHOLD, member.profile) | {
        "form": form,
        "title": _("Edit household member"),
        "back": reverse("applicants:household"),
    }
    return render(request, "applicants/profile/edit.html", context)


@require_POST
@require_capability(Capability.APPLY)
def member_remove(request: HttpRequest, pk: int) -> HttpResponse:
    member = selectors.get_member_for_user(_user(request), pk)
    try:
        services.household_member_remove(
            actor=_user(request), member=member, ip_address=client_ip(request)
        )
    except services.ProfileError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The household member was removed."))
    return redirect("applicants:household")


# --- steps 3 and 4: income and obligations (one set of views, two configurations) ----------


@dataclass(frozen=True)
class _MoneyPages:
    step: Step
    form_class: type[IncomeForm] | type[ObligationForm]
    rows: Callable[[User], QuerySet[Any]]
    get_for_user: Callable[[User, int], Model]
    add: Callable[..., Model]
    update: Callable[..., Model]
    remove: Callable[..., None]
    row_argument: str
    intro: Promise
    add_title: Promise
    edit_title: Promise
    empty: Promise

    @property
    def add_url_name(self) -> str:
        return f"applicants:{self.row_argument}_add"

    @property
    def edit_url_name(self) -> str:
        return f"applicants:{self.row_argument}_edit"

    @property
    def remove_url_name(self) -> str:
        return f"applicants:{self.row_argument}_remove"


_INCOMES = _MoneyPages(
    step=Step.INCOMES,
    form_class=IncomeForm,
    rows=selectors.incomes_of,
    get_for_user=selectors.get_income_for_user,
    add=services.income_source_add,
    update=services.income_source_update,
    remove=services.income_source_remove,
    row_argument="income",
    intro=_(
        "Declare every monthly income of the household: yours and your household members'. "
        "If there is none, continue without adding any."
    ),
    add_title=_("Add an income source"),
    edit_title=_("Edit income source"),
    empty=_("No income declared yet."),
)
_OBLIGATIONS = _MoneyPages(
    step=Step.OBLIGATIONS,
    form_class=ObligationForm,
    rows=selectors.obligations_of,
    get_for_user=selectors.get_obligation_for_user,
    add=services.monthly_obligation_add,
    update=services.monthly_obligation_update,
    remove=services.monthly_obligation_remove,
    row_argument="obligation",
    intro=_(
        "Declare what the household must pay every month: rent, loans, installments. "
        "If there is nothing, continue without adding any."
    ),
    add_title=_("Add a monthly obligation"),
    edit_title=_("Edit monthly obligation"),
    empty=_("No obligations declared yet."),
)


def _money_page(
    request: HttpRequest,
    pages: _MoneyPages,
    profile: ApplicantProfile,
    form: django_forms.Form | None = None,
) -> HttpResponse:
    rows = pages.rows(_user(request))
    context = _step_context(request, pages.step, profile) | {
        "pages": pages,
        "rows": rows,
        "total": sum((row.amount for row in rows), start=0),
        "form": form or pages.form_class(),
        "submission": _new_submission(request),
    }
    return render(request, "applicants/profile/money.html", context)


def _money_list(request: HttpRequest, pages: _MoneyPages) -> HttpResponse:
    profile = _profile_required(request)
    if profile is None:
        return redirect("applicants:personal")
    return _money_page(request, pages, profile)


def _money_add(request: HttpRequest, pages: _MoneyPages) -> HttpResponse:
    profile = _profile_required(request)
    if profile is None:
        return redirect("applicants:personal")
    form = pages.form_class(request.POST)
    if form.is_valid():
        if not _use_submission(request):
            return _already_sent(request, pages.step)
        try:
            pages.add(actor=_user(request), **form.cleaned_data, ip_address=client_ip(request))
        except services.ProfileError as error:
            _show_error(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect(f"applicants:{pages.step}")
    return _money_page(request, pages, profile, form)


def _money_edit(request: HttpRequest, pages: _MoneyPages, pk: int) -> HttpResponse:
    row = pages.get_for_user(_user(request), pk)
    initial = {name: getattr(row, name) for name in ("kind", "amount", "description")}
    form = pages.form_class(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            pages.update(
                actor=_user(request),
                **{pages.row_argument: row},
                **form.cleaned_data,
                ip_address=client_ip(request),
            )
        except services.ProfileError as error:
            _show_error(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect(f"applicants:{pages.step}")
    profile = selectors.profile_of(_user(request))
    context = _step_context(request, pages.step, profile) | {
        "form": form,
        "title": pages.edit_title,
        "back": reverse(f"applicants:{pages.step}"),
    }
    return render(request, "applicants/profile/edit.html", context)


def _money_remove(request: HttpRequest, pages: _MoneyPages, pk: int) -> HttpResponse:
    row = pages.get_for_user(_user(request), pk)
    try:
        pages.remove(
            actor=_user(request), **{pages.row_argument: row}, ip_address=client_ip(request)
        )
    except services.ProfileError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Removed."))
    return redirect(f"applicants:{pages.step}")


@require_GET
@require_capability(Capability.APPLY)
def incomes(request: HttpRequest) -> HttpResponse:
    return _money_list(request, _INCOMES)


@require_POST
@require_capability(Capability.APPLY)
def income_add(request: HttpRequest) -> HttpResponse:
    return _money_add(request, _INCOMES)


@require_http_methods(["GET", "POST"])
@require_capability(Capability.APPLY)
def income_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _money_edit(request, _INCOMES, pk)


@require_POST
@require_capability(Capability.APPLY)
def income_remove(request: HttpRequest, pk: int) -> HttpResponse:
    return _money_remove(request, _INCOMES, pk)


@require_GET
@require_capability(Capability.APPLY)
def obligations(request: HttpRequest) -> HttpResponse:
    return _money_list(request, _OBLIGATIONS)


@require_POST
@require_capability(Capability.APPLY)
def obligation_add(request: HttpRequest) -> HttpResponse:
    return _money_add(request, _OBLIGATIONS)


@require_http_methods(["GET", "POST"])
@require_capability(Capability.APPLY)
def obligation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    return _money_edit(request, _OBLIGATIONS, pk)


@require_POST
@require_capability(Capability.APPLY)
def obligation_remove(request: HttpRequest, pk: int) -> HttpResponse:
    return _money_remove(request, _OBLIGATIONS, pk)


# --- step 5: documents --------------------------------------------------------------------


def _documents_page(
    request: HttpRequest, profile: ApplicantProfile, form: DocumentForm | None = None
) -> HttpResponse:
    context = _step_context(request, Step.DOCUMENTS, profile) | {
        "documents": selectors.documents_of(_user(request)),
        "in_use": selectors.documents_in_live_requests(_user(request)),
        "form": form or DocumentForm(),
        "submission": _new_submission(request),
    }
    return render(request, "applicants/profile/documents.html", context)


@require_GET
@require_capability(Capability.APPLY)
def documents(request: HttpRequest) -> HttpResponse:
    profile = _profile_required(request)
    if profile is None:
        return redirect("applicants:personal")
    return _documents_page(request, profile)


@require_POST
@require_capability(Capability.APPLY)
def document_upload(request: HttpRequest) -> HttpResponse:
    profile = _profile_required(request)
    if profile is None:
        return redirect("applicants:personal")
    form = DocumentForm(request.POST, request.FILES)
    if form.is_valid():
        if not _use_submission(request):
            return _already_sent(request, Step.DOCUMENTS)
        try:
            services.document_upload(
                actor=_user(request),
                kind=form.cleaned_data["kind"],
                upload=form.cleaned_data["file"],
                ip_address=client_ip(request),
            )
        except services.ProfileError as error:
            _show_error(form, error)
        else:
            messages.success(request, _("The document was uploaded."))
            return redirect("applicants:documents")
    return _documents_page(request, profile, form)


@require_GET
@login_required
@require_personal_data
def document_download(request: HttpRequest, pk: int) -> FileResponse:
    """Serve a document as an attachment, after the one access check, and log it."""
    user = _user(request)
    document = selectors.get_document_for_user(
        user, pk, second_factor_passed=second_factor_passed(request)
    )
    try:
        handle = document.file.storage.open(document.file.name, "rb")
    except FileNotFoundError:
        raise Http404 from None
    services.document_download_record(actor=user, document=document, ip_address=client_ip(request))
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=document.original_name,
        content_type=document.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@require_POST
@require_capability(Capability.APPLY)
def document_remove(request: HttpRequest, pk: int) -> HttpResponse:
    document = selectors.get_document_for_user(_user(request), pk)
    try:
        services.document_remove(
            actor=_user(request), document=document, ip_address=client_ip(request)
        )
    except services.ProfileError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The document was removed."))
    return redirect("applicants:documents")


# --- step 6: privacy consent --------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@require_capability(Capability.APPLY)
def consent(request: HttpRequest) -> HttpResponse:
    profile = _profile_required(request)
    if profile is None:
        return redirect("applicants:personal")
    # Bound on every POST: an empty one (the box not ticked) must show why, not a fresh form.
    form = ConsentForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and (profile.consented_at is not None or form.is_valid()):
        # Agreeing again (a second tab, a replayed form) keeps the first agreement.
        services.applicant_profile_consent(actor=_user(request), ip_address=client_ip(request))
        messages.success(request, _("Thank you. Your agreement was recorded."))
        return redirect(f"applicants:{selectors.next_step(Step.CONSENT)}")
    context = _step_context(request, Step.CONSENT, profile) | {"form": form}
    return render(request, "applicants/profile/consent.html", context)


# --- step 7: review -----------------------------------------------------------------------


@require_GET
@require_capability(Capability.APPLY)
def review(request: HttpRequest) -> HttpResponse:
    profile = _profile_required(request)
    if profile is None:
        return redirect("applicants:personal")
    user = _user(request)
    context = _step_context(request, Step.REVIEW, profile) | {
        "members": selectors.members_of(user),
        "listed_elsewhere": selectors.members_listed_elsewhere(user),
        "incomes": selectors.incomes_of(user),
        "obligations": selectors.obligations_of(user),
        "documents": selectors.documents_of(user),
        "finances": selectors.household_finances(user),
        "birth_date": selectors.birth_date_of(user),
    }
    return render(request, "applicants/profile/review.html", context)


# --- the ministry: look an applicant up, mark them as protected ---------------------------


@require_http_methods(["GET", "POST"])
@require_capability(Capability.VIEW_ALL_CASES)
@require_personal_data
def ministry_lookup(request: HttpRequest) -> HttpResponse:
    """Find an applicant by civil ID, sent by POST; the details page follows by its number.

    The civil ID travels in the request body only — never in a URL, where access logs and
    browser histories would keep it. A query string (``?civil_id=``, the former GET form) is
    dropped by a redirect to the bare page, so that no link of the page repeats it.
    """
    if request.method == "GET" and request.GET:
        return redirect("applicants:ministry_lookup")
    form = ApplicantLookupForm(request.POST if request.method == "POST" else None)
    if form.is_bound and form.is_valid():
        applicant_id = selectors.applicant_id_for_civil_id(form.cleaned_data["civil_id"])
        if applicant_id is not None:
            return redirect("applicants:ministry_applicant", pk=applicant_id)
        form.add_error("civil_id", _("No applicant has registered with this civil ID."))
    return render(request, "applicants/ministry/lookup.html", {"form": form})


def _ministry_page(
    request: HttpRequest, applicant: User, form: ProtectionForm | None = None
) -> HttpResponse:
    """The applicant's details for ministry staff; every showing is logged."""
    user = _user(request)
    services.applicant_ministry_view_record(
        actor=user, applicant=applicant, ip_address=client_ip(request)
    )
    profile = selectors.profile_of(applicant)
    done = selectors.completed_steps(profile, applicant)
    context = {
        "applicant": applicant,
        "profile": profile,
        "complete": Step.REVIEW in done,
        "missing": [STEP_LABELS[step] for step in Step if step not in done and step != Step.REVIEW],
        "requests": selectors.requests_of(applicant),
        "history": selectors.protection_history(profile) if profile else [],
        "may_protect": can(user, Capability.PROTECT_APPLICANTS),
        "form": form
        or ProtectionForm(initial={"protected": "0" if profile and profile.is_protected else "1"}),
    }
    return render(request, "applicants/ministry/applicant.html", context)


@require_GET
@require_capability(Capability.VIEW_ALL_CASES)
@require_personal_data
def ministry_applicant(request: HttpRequest, pk: int) -> HttpResponse:
    applicant = selectors.get_applicant_for_ministry(_user(request), pk)
    return _ministry_page(request, applicant)


@require_POST
@require_capability(Capability.PROTECT_APPLICANTS)
@require_personal_data
def protection_set(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    applicant = selectors.get_applicant_for_ministry(user, pk)
    profile = selectors.profile_of(applicant)
    if profile is None:
        raise Http404
    form = ProtectionForm(request.POST)
    if form.is_valid():
        try:
            updated = services.applicant_protection_set(
                profile_id=profile.pk,
                protected=form.cleaned_data["protected"],
                actor=user,
                reason=form.cleaned_data["reason"],
                ip_address=client_ip(request),
            )
        except services.ProfileError as error:
            _show_error(form, error)
        else:
            messages.success(
                request,
                _("The applicant is now protected: charities no longer see the contact details.")
                if updated.is_protected
                else _("The applicant is no longer protected."),
            )
            return redirect("applicants:ministry_applicant", pk=applicant.pk)
    return _ministry_page(request, applicant, form)
