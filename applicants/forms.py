"""Forms of the profile steps: they parse and check what was typed, services do the writing."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts.civil_id import parse_civil_id
from accounts.fields import CivilIdField
from accounts.phones import mobile_rule, normalise_mobile
from applicants.models import DocumentKind, Gender, Governorate, IncomeKind, Kinship, ObligationKind
from applicants.validators import validate_monthly_amount

#: Arabic-Indic and Persian digits, the Arabic decimal separator; thousands separators dropped.
_AMOUNT_CHARS = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹٫", "01234567890123456789.", ",٬ \u00a0\u066c")


class MoneyField(forms.DecimalField):
    """A monthly amount in KWD (three decimals), typed with Western or Arabic-Indic digits."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Monthly amount (KWD)"))
        super().__init__(
            max_digits=12,
            decimal_places=3,
            validators=[validate_monthly_amount],
            widget=forms.TextInput(
                attrs={"inputmode": "decimal", "dir": "ltr", "autocomplete": "off"}
            ),
            **kwargs,
        )
        self.error_messages["invalid"] = _("Enter the amount as a number, e.g. 250.500")

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]  # stubs say int
        if isinstance(value, str):
            value = value.translate(_AMOUNT_CHARS)
        return super().to_python(value)


class PersonalForm(forms.Form):
    """Step 1. The birth date is shown from the civil ID and cannot be changed here."""

    name_ar = forms.CharField(label=_("Full name in Arabic"), max_length=200)
    name_en = forms.CharField(
        label=_("Full name in English"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"dir": "ltr", "lang": "en"}),
    )
    birth_date = forms.DateField(
        label=_("Birth date"),
        required=False,
        disabled=True,
        help_text=_("Taken from your civil ID."),
    )
    # Nothing is chosen for the applicant: an empty first option, so a skipped question is an error.
    gender = forms.ChoiceField(label=_("Gender"), choices=[("", _("Choose…")), *Gender.choices])
    nationality = forms.CharField(label=_("Nationality"), max_length=60)
    governorate = forms.ModelChoiceField(
        label=_("Governorate"), queryset=Governorate.objects.all(), empty_label=_("Choose…")
    )
    area = forms.CharField(label=_("Area"), max_length=100)
    address = forms.CharField(
        label=_("Address"),
        max_length=300,
        help_text=_("Block, street, house or building, floor and flat."),
    )
    mobile = forms.CharField(
        label=_("Mobile number"),
        max_length=24,
        widget=forms.TextInput(attrs={"inputmode": "tel", "dir": "ltr", "autocomplete": "tel"}),
    )
    email = forms.EmailField(
        label=_("E-mail address"),
        required=False,
        widget=forms.EmailInput(attrs={"dir": "ltr", "autocomplete": "email"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The country's mobile rule is read when the form is built (the scheme is a setting).
        self.fields["mobile"].help_text = mobile_rule().profile_help_text()

    def clean_mobile(self) -> str:
        return normalise_mobile(self.cleaned_data["mobile"])


class MemberForm(forms.Form):
    """Step 2: one household member."""

    civil_id = CivilIdField()
    name = forms.CharField(label=_("Full name"), max_length=200)
    kinship = forms.ChoiceField(
        label=_("Relationship to you"), choices=[("", _("Choose…")), *Kinship.choices]
    )
    birth_date = forms.DateField(
        label=_("Birth date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Leave empty to use the birth date in the civil ID."),
    )
    has_disability = forms.BooleanField(label=_("Has a disability"), required=False)
    is_student = forms.BooleanField(label=_("Is a student"), required=False)

    def clean_birth_date(self) -> Any:
        born = self.cleaned_data.get("birth_date")
        if born and born > timezone.localdate():
            raise forms.ValidationError(_("The birth date cannot be in the future."))
        return born

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("civil_id") and not cleaned.get("birth_date"):
            cleaned["birth_date"] = parse_civil_id(cleaned["civil_id"]).birth_date
        return cleaned


class _MoneyForm(forms.Form):
    amount = MoneyField()
    description = forms.CharField(
        label=_("Details (optional)"),
        max_length=200,
        required=False,
        help_text=_("For example the employer or the lender."),
    )
    field_order = ["kind", "amount", "description"]


class IncomeForm(_MoneyForm):
    """Step 3: one monthly income source."""

    kind = forms.ChoiceField(label=_("Kind of income"), choices=IncomeKind.choices)


class ObligationForm(_MoneyForm):
    """Step 4: one monthly obligation."""

    kind = forms.ChoiceField(label=_("Kind of obligation"), choices=ObligationKind.choices)


class DocumentForm(forms.Form):
    """Step 5: one document. What the file really is, is checked by the service."""

    kind = forms.ChoiceField(label=_("Kind of document"), choices=DocumentKind.choices)
    file = forms.FileField(
        label=_("File"),
        help_text=_("PDF, JPEG or PNG, at most 10 MB."),
        widget=forms.FileInput(
            attrs={"accept": ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"}
        ),
    )


class ConsentForm(forms.Form):
    """Step 6: the applicant agrees to the privacy notice shown above the form."""

    agree = forms.BooleanField(
        label=_("I have read how my information is used and I agree."),
        error_messages={
            "required": _(
                "Tick the box to agree. Without your agreement the profile cannot be used to "
                "apply for aid."
            )
        },
    )


# --- for the ministry ---------------------------------------------------------------------


class ApplicantLookupForm(forms.Form):
    """Ministry staff find an applicant by civil ID."""

    civil_id = CivilIdField(label=_("Applicant's civil ID"))


class ProtectionForm(forms.Form):
    """A ministry administrator marks an applicant as protected, or removes the mark."""

    protected = forms.TypedChoiceField(
        choices=[("1", _("Protected")), ("0", _("Not protected"))],
        coerce=lambda value: value == "1",
        widget=forms.HiddenInput,
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=500,
        help_text=_("Required. Kept in the audit trail with your name; not shown to charities."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
