from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.utils import timezone
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from accounts.civil_id import normalise_digits
from accounts.models import Role
from aid_requests.models import AidRequest, AidType, PaymentMethod
from applicants.models import Governorate
from charities.models import OrganisationKind
from charities.selectors import Licence, QueueFilters
from config.forms import blank_form_html


class QueueFilterForm(forms.Form):
    aid_type = forms.TypedChoiceField(
        label=_("Aid type"), required=False, coerce=int, empty_value=None
    )
    governorate = forms.TypedChoiceField(
        label=_("Governorate"), required=False, coerce=int, empty_value=None
    )
    min_amount = forms.DecimalField(
        label=_("Amount from (KWD)"), required=False, min_value=0, decimal_places=3
    )
    max_amount = forms.DecimalField(
        label=_("Amount up to (KWD)"), required=False, min_value=0, decimal_places=3
    )
    min_score = forms.IntegerField(
        label=_("Minimum need score"), required=False, min_value=0, max_value=100
    )
    sort = forms.ChoiceField(
        label=_("Sort"),
        required=False,
        choices=[("score", _("Highest need first")), ("oldest", _("Oldest first"))],
    )

    def __init__(self, *args: Any, licence: Licence, **kwargs: Any) -> None:
        """``licence``: ``charities.selectors.licence_of`` the organisation, whose aid types
        and governorates are the choices (and which ``queue_for`` reads again)."""
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["aid_type"]).choices = [("", _("All"))] + [
            (pk, str(t)) for pk, t in licence.aid_types.items()
        ]
        cast(forms.ChoiceField, self.fields["governorate"]).choices = [("", _("All"))] + [
            (pk, str(g)) for pk, g in licence.governorates.items()
        ]

    def filters(self) -> QueueFilters:
        if not self.is_valid():
            return QueueFilters()
        data = self.cleaned_data
        return QueueFilters(
            aid_type=data.get("aid_type"),
            governorate=data.get("governorate"),
            min_amount=data.get("min_amount"),
            max_amount=data.get("max_amount"),
            min_score=data.get("min_score"),
            sort=data.get("sort") or "score",
        )


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )

    @classmethod
    def blank_html(cls, auto_id: str) -> SafeString:
        """The empty form's markup, the same for every case (``blank_form_html``)."""
        return blank_form_html(("reason", auto_id), lambda: cls(auto_id=auto_id))


class ApproveForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Amount per payment (KWD)"),
        max_digits=12,
        decimal_places=3,
        min_value=Decimal("0.001"),
    )
    payments = forms.IntegerField(label=_("Number of payments"), min_value=1)

    def __init__(self, *args: Any, aid_request: AidRequest, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        months = max(1, aid_request.aid_type.coverage_months)
        self.max_total = aid_request.aid_type.max_amount
        cast(forms.IntegerField, self.fields["payments"]).max_value = months
        self.fields["payments"].widget.attrs["max"] = months
        self.fields["payments"].help_text = _("At most %(n)s (one per month of coverage).") % {
            "n": months
        }
        self.fields["amount"].help_text = _(
            "The total (amount × payments) may not exceed %(max)s KWD."
        ) % {"max": f"{self.max_total:.3f}"}
        self.initial.setdefault("payments", months)
        self.initial.setdefault(
            "amount",
            (min(aid_request.amount_requested, self.max_total) / months).quantize(Decimal("0.001")),
        )

    @classmethod
    def blank_html(cls, aid_request: AidRequest) -> SafeString:
        """The empty form's markup (``blank_form_html``): it depends on the case's aid type
        (months, maximum) and amount requested only, as ``__init__`` does."""
        aid_type = aid_request.aid_type
        return blank_form_html(
            (
                "approve",
                aid_type.coverage_months,
                aid_type.max_amount,
                aid_request.amount_requested,
            ),
            lambda: cls(aid_request=aid_request),
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        amount, payments = data.get("amount"), data.get("payments")
        if amount and payments and amount * payments > self.max_total:
            raise forms.ValidationError(
                _("The total of %(total)s KWD is above this aid type's maximum of %(max)s KWD.")
                % {"total": f"{amount * payments:.3f}", "max": f"{self.max_total:.3f}"}
            )
        return data


class PaymentForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Amount (KWD)"), max_digits=12, decimal_places=3, min_value=Decimal("0.001")
    )
    paid_on = forms.DateField(label=_("Paid on"), widget=forms.DateInput(attrs={"type": "date"}))
    method = forms.ChoiceField(label=_("Method"), choices=PaymentMethod.choices)
    reference = forms.CharField(label=_("Reference"), max_length=100, required=False)
    # The payment this form records (shown on the page): a second submission of the same
    # form is then refused instead of paying the following period.
    period = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    # Paid from the organisation's donations (the donations app funds it, oldest gifts first).
    from_gifts = forms.BooleanField(label=_("Pay from donations"), required=False)

    def clean_paid_on(self) -> datetime.date:
        day: datetime.date = self.cleaned_data["paid_on"]
        if day > timezone.localdate():
            raise forms.ValidationError(_("A payment cannot be dated in the future."))
        return day

    @classmethod
    def blank_html(
        cls, *, amount: Decimal | None, paid_on: datetime.date, period: int | None
    ) -> SafeString:
        """The form's markup with these initial values (``blank_form_html``)."""
        return blank_form_html(
            ("payment", amount, paid_on, period),
            lambda: cls(initial={"amount": amount, "paid_on": paid_on, "period": period}),
        )


# --- applying to join, licensing, staff -----------------------------------------------------

_PHONE = re.compile(r"^\+?[0-9 ]{7,20}$")
#: Arabic-Indic and Persian digits to ASCII (licence numbers keep their dashes and letters).
_DIGITS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "0123456789" * 2)


def _checkboxes(queryset: Any, label: Any) -> forms.ModelMultipleChoiceField:
    return forms.ModelMultipleChoiceField(
        label=label, queryset=queryset, widget=forms.CheckboxSelectMultiple
    )


class OrganisationApplyForm(forms.Form):
    """The public application of an organisation to join (``charities:apply``)."""

    name_ar = forms.CharField(label=_("Name (Arabic)"), max_length=200)
    name_en = forms.CharField(label=_("Name (English)"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind of organisation"), choices=OrganisationKind.choices)
    licence_number = forms.CharField(
        label=_("Licence number"),
        max_length=40,
        help_text=_("As written on the ministry's licence."),
    )
    governorates = _checkboxes(
        Governorate.objects.order_by("id"), _("Governorates you want to work in")
    )
    aid_types = _checkboxes(
        AidType.objects.filter(is_active=True).order_by("id"), _("Aid types you want to give")
    )
    email = forms.EmailField(label=_("Organisation's contact e-mail"))
    phone = forms.CharField(label=_("Organisation's contact phone"), max_length=20)
    manager_name = forms.CharField(label=_("Manager's full name"), max_length=200)
    manager_email = forms.EmailField(
        label=_("Manager's e-mail"),
        help_text=_("The manager signs in with this address once the ministry approves."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("licence_number", "email", "phone", "manager_email"):
            self.fields[name].widget.attrs["dir"] = "ltr"
        self.fields["phone"].widget.attrs.update({"inputmode": "tel", "autocomplete": "tel"})

    def clean_licence_number(self) -> str:
        # Arabic-Indic digits and letter case do not make a different licence.
        return self.cleaned_data["licence_number"].translate(_DIGITS).strip().upper()

    def clean_phone(self) -> str:
        value = normalise_digits(self.cleaned_data["phone"]).strip()
        if not _PHONE.match(value):
            raise forms.ValidationError(_("Enter a phone number: digits, spaces and a leading +."))
        return value


class LicenceForm(forms.Form):
    """The governorates and aid types an organisation is licensed for (ministry admins)."""

    governorates = _checkboxes(Governorate.objects.order_by("id"), _("Licensed governorates"))
    aid_types = _checkboxes(AidType.objects.order_by("id"), _("Licensed aid types"))


_STAFF_ROLE_CHOICES = [
    (Role.CASEWORKER.value, Role.CASEWORKER.label),
    (Role.MANAGER.value, Role.MANAGER.label),
]


class StaffInviteForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=200)
    email = forms.EmailField(label=_("E-mail"))
    role = forms.ChoiceField(label=_("Role"), choices=_STAFF_ROLE_CHOICES, initial=Role.CASEWORKER)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].widget.attrs["dir"] = "ltr"


class StaffRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=_STAFF_ROLE_CHOICES)


class CaseMessageForm(forms.Form):
    body = forms.CharField(
        label=_("Message to the applicant"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example, a document you still need. The applicant is notified."),
    )

    @classmethod
    def blank_html(cls) -> SafeString:
        """The empty form's markup, the same for every case (``blank_form_html``)."""
        return blank_form_html(("case_message",), cls)
