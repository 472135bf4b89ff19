"""Pages of donations: give (anyone), the guest's code, the simulator's payment page, the
gateway's notification endpoint, the donor's page of a gift, the organisation's funds, the
ministry's flows."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.http import AuthenticatedHttpRequest
from accounts.permissions import Capability, acting_organisation, can, require_capability
from audit.services import client_ip
from donations import selectors
from donations.exceptions import DonationError
from donations.forms import CodeForm, GiftForm, RefundForm
from donations.gateways.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER
from donations.models import GiftStatus, SimulatedTransaction
from donations.receipts import gift_receipt
from donations.services.gifts import gift_checkout, gift_confirm_mobile, gift_refund, gift_start
from donations.services.notifications import (
    NotificationRefused,
    gift_refresh,
    notification_accept,
    simulator_decide,
)


def _to_gateway(request: HttpRequest, gift_id: int, token: str) -> HttpResponse:
    """Open the checkout and send the browser to the gateway's payment page."""
    url = gift_checkout(
        gift_id=gift_id,
        return_url=request.build_absolute_uri(reverse("donations:gift", args=[token])),
        notify_url=request.build_absolute_uri(reverse("donations:notify")),
    )
    return redirect(url)


@require_http_methods(["GET", "POST"])
def give(request: HttpRequest) -> HttpResponse:
    """Give to an active organisation or one of its funds; a guest confirms a mobile first."""
    guest = not request.user.is_authenticated
    # ?organisation=<id> preselects it (and its funds): the organisation's own "Give" link and
    # the htmx request made when the choice changes.
    initial = {"organisation": request.GET.get("organisation", "")}
    form = GiftForm(request.POST or None, guest=guest, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            gift = gift_start(
                organisation_id=data["organisation"].pk,
                fund_id=data["fund"].pk if data["fund"] else None,
                kind=data["kind"],
                amount=data["amount"],
                donor=None if guest else request.user,  # type: ignore[arg-type]
                mobile=data.get("mobile", ""),
                client_ip=client_ip(request),
            )
            if guest:
                return redirect("donations:confirm", token=gift.token)
            return _to_gateway(request, gift.pk, gift.token)
        except DonationError as error:
            form.add_error(error.field, error.message)
    return render(request, "donations/give.html", {"form": form, "guest": guest})


@require_http_methods(["GET", "POST"])
def confirm(request: HttpRequest, token: str) -> HttpResponse:
    """The guest types the code sent to their mobile; then on to the payment page."""
    gift = selectors.gift_for_token(token)
    if gift.status != GiftStatus.UNCONFIRMED:
        return redirect("donations:gift", token=token)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            gift_confirm_mobile(gift_id=gift.pk, code=form.cleaned_data["code"])
            return _to_gateway(request, gift.pk, token)
        except DonationError as error:
            form.add_error("code" if error.field == "code" else None, error.message)
    return render(request, "donations/confirm.html", {"form": form, "gift": gift})


@require_GET
def gift(request: HttpRequest, token: str) -> HttpResponse:
    """The donor's page of one gift (the gateway's return URL): its state — asking the gateway
    while no notification has come — and where the money went."""
    found = selectors.gift_for_token(token)
    if found.status == GiftStatus.PENDING:
        found = gift_refresh(gift_id=found.pk)
    context = {"gift": found, "trace": selectors.trace_of(found)}
    return render(request, "donations/gift.html", context)


@require_GET
def receipt(request: HttpRequest, token: str) -> HttpResponse:
    """The receipt of a paid gift, as a PDF, in Arabic or English (``?language=``)."""
    found = selectors.gift_for_token(token)
    if found.status != GiftStatus.PAID:
        raise Http404
    language = request.GET.get("language") or translation.get_language() or "ar"
    language = "en" if language.startswith("en") else "ar"
    response = HttpResponse(gift_receipt(found, language=language), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="receipt-{found.reference}-{language}.pdf"'
    )
    return response


@require_GET
@login_required
def my_gifts(request: AuthenticatedHttpRequest) -> HttpResponse:
    gifts = [(g, selectors.trace_of(g)) for g in selectors.gifts_of(request.user)]
    return render(request, "donations/my_gifts.html", {"gifts": gifts})


def _simulator_only() -> None:
    if settings.DONATIONS_GATEWAY != "simulator":
        raise Http404


@require_http_methods(["GET", "POST"])
def simulator(request: HttpRequest, transaction_id: str) -> HttpResponse:
    """The simulator gateway's hosted payment page (development only)."""
    _simulator_only()
    row = get_object_or_404(SimulatedTransaction, transaction_id=transaction_id)
    if request.method == "POST":
        if row.state == SimulatedTransaction.State.INITIATED:
            return_url = simulator_decide(
                transaction_id=row.transaction_id, approve="approve" in request.POST
            )
        else:
            return_url = row.return_url
        return redirect(return_url)
    return render(request, "donations/simulator.html", {"transaction": row})


@csrf_exempt  # server to server: the HMAC signature is the proof, not a cookie
@require_POST
def notify(request: HttpRequest) -> HttpResponse:
    """The gateway's signed notification; 403 for a forged or stale one, 400 for a malformed
    one, 404 for an unknown transaction, 200 otherwise (a replay too: the gateway need not send
    it again)."""
    try:
        outcome = notification_accept(
            body=request.body,
            timestamp=request.headers.get(TIMESTAMP_HEADER, ""),
            signature=request.headers.get(SIGNATURE_HEADER, ""),
        )
    except NotificationRefused as refused:
        return JsonResponse({"error": str(refused)}, status=refused.status)
    # A transaction we do not know (yet: its checkout may still be committing) is answered 404,
    # so that the gateway sends the notification again later.
    return JsonResponse({"outcome": outcome}, status=404 if outcome == "unknown" else 200)


@require_GET
@require_capability(Capability.RECORD_PAYMENT)
def funds(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The organisation's funds: gifts in, allocated, refunded, available — by fund and kind."""
    organisation = acting_organisation(request.user)
    if organisation is None:
        raise Http404
    context = {
        "lines": selectors.organisation_funds(organisation),  # type: ignore[arg-type]
        "gifts": selectors.organisation_gifts(organisation)[:100],  # type: ignore[arg-type]
        "may_refund": can(request.user, Capability.APPROVE_CASE),
        "refund_form": RefundForm(),
    }
    return render(request, "donations/funds.html", context)


@require_POST
@require_capability(Capability.APPROVE_CASE)
def refund(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """A manager gives back part of a gift that is not allocated yet."""
    organisation = acting_organisation(request.user)
    if organisation is None:
        raise Http404
    gift = get_object_or_404(selectors.organisation_gifts(organisation), pk=pk)  # type: ignore[arg-type]
    form = RefundForm(request.POST)
    if form.is_valid():
        try:
            gift_refund(
                gift_id=gift.pk,
                actor=request.user,
                amount=form.cleaned_data["amount"],
                reason=form.cleaned_data["reason"],
            )
            messages.success(request, _("Refund made."))
        except DonationError as error:
            messages.error(request, error.message)
    else:
        messages.error(request, _("Enter the amount to refund."))
    return redirect("donations:funds")


@require_GET
@require_capability(Capability.VIEW_STATISTICS)
def ministry(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Inflow and outflow per organisation and aid type, unallocated balances, waits."""
    return render(request, "donations/ministry.html", {"flows": selectors.ministry_flows()})
