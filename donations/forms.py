"""Forms of donations: the gift, the guest's code, a refund."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from aid_requests.models import AidType
from donations.models import GiftKind
from donations.selectors import active_organisations


class GiftForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label=_("Organisation"), queryset=active_organisations(), empty_label=None
    )
    fund = forms.ModelChoiceField(
        label=_("Fund"),
        queryset=AidType.objects.filter(is_active=True),
        required=False,
        empty_label=_("The organisation's general fund"),
    )
    kind = forms.ChoiceField(label=_("Kind of gift"), choices=GiftKind.choices)
    amount = forms.DecimalField(
        label=_("Amount (KWD)"), max_digits=12, decimal_places=3, min_value=Decimal("0.001")
    )
    mobile = forms.CharField(
        label=_("Mobile number"),
        max_length=20,
        required=False,
        help_text=_("We send a code to confirm your gift, then a link to see where it goes."),
    )

    def __init__(self, *args: Any, guest: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        organisations = active_organisations()
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]
        # The funds are the chosen organisation's aid types (its first one before any choice).
        # Changing the organisation asks the page for that organisation's funds (htmx); without
        # script the funds follow the organisation when the form comes back.
        chosen = str(self.data.get("organisation") or self.initial.get("organisation") or "")
        organisation = organisations.filter(pk=int(chosen)).first() if chosen.isdigit() else None
        organisation = organisation or organisations.first()
        funds = AidType.objects.filter(is_active=True)
        self.fields["fund"].queryset = (  # type: ignore[attr-defined]
            funds.filter(organisations=organisation) if organisation else funds.none()
        )
        self.fields["organisation"].widget.attrs.update(
            {
                "hx-get": reverse("donations:give"),
                "hx-trigger": "change",
                "hx-target": "#id_fund",
                "hx-select": "#id_fund",
                "hx-swap": "outerHTML",
            }
        )
        if guest:
            self.fields["mobile"].required = True
            self.fields["mobile"].widget.attrs.update({"autocomplete": "tel", "dir": "ltr"})
        else:
            del self.fields["mobile"]


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the text message"),
        max_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


class RefundForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Amount to refund (KWD)"),
        max_digits=12,
        decimal_places=3,
        min_value=Decimal("0.001"),
    )
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)
