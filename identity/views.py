"""Pages of the identity step: the applicant's verification page, its live status, the OpenID
and Nafath callbacks, and the simulator's phone page (development only)."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import Capability, require_capability
from audit.services import client_ip
from identity import selectors, services
from identity.exceptions import CallbackRejected, IdentityError
from identity.forms import SimulatorAnswerForm, SimulatorLookupForm
from identity.models import Provider, VerificationAttempt
from identity.providers.base import ProviderUnavailable


def _redirect_uri(request: HttpRequest) -> str:
    return settings.OIDC_REDIRECT_URI or request.build_absolute_uri(
        reverse("identity:oidc_callback")
    )


def _status_context(attempt: VerificationAttempt | None) -> dict[str, Any]:
    provider = attempt.provider if attempt is not None else settings.IDENTITY_PROVIDER
    return {
        "attempt": attempt,
        "portal_name": portal_name(),
        "provider_label": Provider(provider).label,
        "poll_seconds": settings.IDENTITY_POLL_SECONDS,
        "help_url": settings.IDENTITY_ENROLMENT_HELP_URL,
        "redirect_url": (
            attempt.evidence.get("start", {}).get("redirect_url", "") if attempt else ""
        ),
    }


def _allow_form_action_to_provider(response: HttpResponse) -> HttpResponse:
    """The Start form of the OpenID flow ends in a redirect to the provider: the CSP's
    ``form-action`` must allow that origin, or the browser blocks the redirect."""
    if settings.IDENTITY_PROVIDER == Provider.OIDC and settings.OIDC_ISSUER:
        parts = urlsplit(settings.OIDC_ISSUER)
        origin = f"{parts.scheme}://{parts.netloc}"
        response._csp_update = {"form-action": [origin]}  # type: ignore[attr-defined]
    return response


@require_GET
@require_capability(Capability.APPLY)
def verify(request: AuthenticatedHttpRequest) -> HttpResponse:
    attempt = selectors.latest_attempt_of(request.user)
    response = render(request, "identity/verify.html", _status_context(attempt))
    return _allow_form_action_to_provider(response)


@require_POST
@require_capability(Capability.APPLY)
def start(request: AuthenticatedHttpRequest) -> HttpResponse:
    try:
        attempt = services.verification_start(
            user=request.user,
            client_ip=client_ip(request),
            redirect_uri=_redirect_uri(request),
        )
    except IdentityError as exc:
        messages.error(request, str(exc.message))
        return redirect("identity:verify")
    redirect_url = attempt.evidence.get("start", {}).get("redirect_url")
    if attempt.is_pending and redirect_url:
        return redirect(redirect_url)
    return redirect("identity:verify")


@never_cache
@require_GET
@require_capability(Capability.APPLY)
def attempt_status(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """The live part of the page, polled by htmx every few seconds while the attempt waits."""
    attempt = selectors.attempt_for_applicant(request.user, pk)
    attempt = services.verification_poll(user=request.user, attempt=attempt)
    return render(request, "identity/partials/attempt_status.html", _status_context(attempt))


@require_POST
@require_capability(Capability.APPLY)
def cancel(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    attempt = selectors.attempt_for_applicant(request.user, pk)
    if services.verification_cancel(user=request.user, attempt=attempt):
        messages.info(request, _("The verification was cancelled."))
    return redirect("identity:verify")


@require_GET
@require_capability(Capability.APPLY)
def oidc_callback(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The person is back from the OpenID provider; ``state`` names their attempt."""
    attempt = selectors.oidc_attempt_for_applicant(
        request.user,
        request.GET.get("state", ""),
    )
    services.verification_complete_redirect(
        user=request.user,
        attempt=attempt,
        code=request.GET.get("code", ""),
        error=request.GET.get("error", ""),
        redirect_uri=_redirect_uri(request),
    )
    return redirect("identity:verify")


@csrf_exempt  # Nafath posts here; the token's signature is the only authentication.
@require_POST
def nafath_callback(request: HttpRequest) -> HttpResponse:
    """Nafath's callback. 200 for every verified callback, also a late or replayed one (which
    changes nothing); 400 for one that cannot be verified (a well-formed forged token also
    ends the pending attempt it names: error, token_invalid); 503 when the keys cannot be
    fetched (Nafath retries)."""
    if settings.IDENTITY_PROVIDER != Provider.NAFATH:
        raise Http404
    try:
        payload = json.loads(request.body or b"{}")
    except ValueError:
        return JsonResponse({"status": "refused"}, status=400)
    if not isinstance(payload, dict):
        return JsonResponse({"status": "refused"}, status=400)
    try:
        services.verification_callback(provider_name=Provider.NAFATH, payload=payload)
    except CallbackRejected:
        return JsonResponse({"status": "refused"}, status=400)
    except ProviderUnavailable:
        return JsonResponse({"status": "retry"}, status=503)
    return JsonResponse({"status": "ok"})


def _simulator_enabled() -> None:
    if settings.IDENTITY_PROVIDER != Provider.SIMULATOR or settings.PRODUCTION:
        raise Http404


@require_GET
def simulator_phone(request: HttpRequest) -> HttpResponse:
    """Plays the identity app on a phone: what is waiting for this civil ID?"""
    _simulator_enabled()
    form = SimulatorLookupForm(request.GET or None)
    attempts = (
        list(selectors.simulator_pending_attempts(form.cleaned_data["civil_id"]))
        if form.is_valid()
        else []
    )
    context = {"form": form, "attempts": attempts, "portal_name": portal_name()}
    return render(request, "identity/simulator.html", context)


@require_POST
def simulator_answer(request: HttpRequest, pk: int) -> HttpResponse:
    _simulator_enabled()
    form = SimulatorAnswerForm(request.POST)
    if not form.is_valid():
        return HttpResponse(status=400)
    civil_id = form.cleaned_data["civil_id"]
    attempt = selectors.simulator_pending_attempt(civil_id, pk)
    approve = form.cleaned_data["decision"] == "approve"
    services.simulator_phone_answer(attempt=attempt, approve=approve)
    messages.success(
        request,
        _("Approved: the portal will notice within seconds.")
        if approve
        else _("Rejected: the portal will notice within seconds."),
    )
    return redirect(reverse("identity:simulator") + "?" + urlencode({"civil_id": civil_id}))


def portal_name() -> str:
    """The portal's name in the page's language (the phone shows the same name)."""
    return settings.PORTAL_NAME_AR if get_language() == "ar" else settings.PORTAL_NAME
