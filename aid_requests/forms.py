from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any, cast

from django import forms

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise
from django.core.files.uploadedfile import UploadedFile
from django.core.validators import MaxValueValidator
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from aid_requests.models import AidScope, AidType, Beneficiaries
from applicants.models import Document, DocumentKind, HouseholdMember
from config.forms import SubmissionKeyField, new_submission_key

#: What the file inputs offer to pick; what a file really is, is checked by the service.
ACCEPT = ".pdf,.jpg,.jpeg,.png,application/pdf,image/jpeg,image/png"


class RequestForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Amount requested (KWD)"),
        max_digits=12,
        decimal_places=3,
        min_value=Decimal("0.001"),
    )
    justification = forms.CharField(
        label=_("Why do you need this aid?"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
    )
    documents = forms.ModelMultipleChoiceField(
        label=_("Documents to attach"),
        queryset=Document.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    # The service makes one request per key.
    submission_key = SubmissionKeyField()

    def __init__(
        self,
        *args: Any,
        aid_type: AidType,
        documents: QuerySet[Document],
        members: QuerySet[HouseholdMember] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.aid_type = aid_type
        self.initial.setdefault("submission_key", new_submission_key())
        if aid_type.member_may_benefit:
            self._add_beneficiary_field(aid_type, members)
        amount = self.fields["amount"]
        amount.validators.append(
            MaxValueValidator(
                aid_type.max_amount,
                message=_("The most you can request for this aid type is %(limit_value)s KWD."),
            )
        )
        amount.help_text = _("At most %(max)s KWD for this aid type.") % {
            "max": f"{aid_type.max_amount:.3f}"
        }
        amount.widget.attrs.update(
            {"inputmode": "decimal", "dir": "ltr", "step": "0.001", "max": str(aid_type.max_amount)}
        )
        field = cast(forms.ModelMultipleChoiceField, self.fields["documents"])
        field.queryset = documents
        field.label_from_instance = lambda d: f"{d.get_kind_display()} — {d.original_name}"  # type: ignore[assignment, method-assign]
        required = set(aid_type.required_documents)
        self.initial.setdefault("documents", [d.pk for d in documents if d.kind in required])
        # One optional file input per required kind: a document not uploaded yet (or a newer
        # one) can be added here instead of in the profile first.
        self.upload_kinds: dict[str, str] = {}
        for kind in aid_type.required_documents:
            if kind not in DocumentKind.values:
                continue
            name = self.field_of(kind)
            self.upload_kinds[name] = kind
            self.fields[name] = forms.FileField(
                label=_("New document: %(kind)s") % {"kind": DocumentKind(kind).label},
                help_text=_("PDF, JPEG or PNG, at most 10 MB."),
                required=False,
                widget=forms.FileInput(attrs={"accept": ACCEPT}),
            )

    def _add_beneficiary_field(
        self, aid_type: AidType, members: QuerySet[HouseholdMember] | None
    ) -> None:
        """Whom the request is for: the applicant ("") and/or a household member with a civil
        ID, as the aid type allows. Household aid has no such field (the whole household)."""
        self.members = {
            str(m.pk): m for m in (members if members is not None else []) if m.civil_id
        }
        choices: list[tuple[str, StrOrPromise]] = []
        if aid_type.applicant_may_benefit:
            choices.append(("", _("Myself")))
        choices += [(pk, f"{m.name} — {m.get_kinship_display()}") for pk, m in self.members.items()]
        self.fields["beneficiary"] = forms.ChoiceField(
            label=_("Who is this request for?"),
            choices=choices,
            required=not aid_type.applicant_may_benefit,
            help_text=_("Household members are listed from your profile."),
            error_messages={
                "required": _(
                    "This aid type is for a household member: choose who it is for. Add them"
                    " to your household in your profile first if they are not listed."
                ),
                "invalid_choice": _("Choose someone listed in your household."),
            },
        )
        # Listed first: it decides the rest of the request.
        self.order_fields(["beneficiary", *[n for n in self.fields if n != "beneficiary"]])

    @property
    def missing_kinds(self) -> list[str]:
        """The required documents' kinds the applicant has not uploaded yet, shown above the
        form so they are added here before submitting, not found missing at screening."""
        field = cast(forms.ModelMultipleChoiceField, self.fields["documents"])
        have = {d.kind for d in cast("QuerySet[Document]", field.queryset)}
        return [kind for kind in self.upload_kinds.values() if kind not in have]

    def clean(self) -> dict[str, Any]:
        """Every required document is ticked or uploaded here: a request without one would be
        accepted and then ruled ineligible at once."""
        cleaned = super().clean() or {}
        ticked = {d.kind for d in cleaned.get("documents") or []}
        for name, kind in self.upload_kinds.items():
            if kind not in ticked and not cleaned.get(name) and name not in self.errors:
                self.add_error(
                    name,
                    _("This aid type needs a %(kind)s: upload it here or tick one you have.")
                    % {"kind": DocumentKind(kind).label},
                )
        return cleaned

    def clean_beneficiary(self) -> HouseholdMember | None:
        """The household member chosen, or None for the applicant."""
        return self.members.get(self.cleaned_data.get("beneficiary") or "")

    def uploads(self) -> list[tuple[str, UploadedFile]]:
        """The new files, as ``(document kind, file)``, once the form is valid.

        A file the service refuses comes back as ``DocumentNotAccepted``; ``field_of`` names
        the field to show its message on.
        """
        return [
            (kind, self.cleaned_data[name])
            for name, kind in self.upload_kinds.items()
            if self.cleaned_data.get(name)
        ]

    @staticmethod
    def field_of(kind: str) -> str:
        return f"upload_{kind}"


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for the rejection"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The applicant reads it and may appeal."),
    )


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Reason (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AppealForm(forms.Form):
    reason = forms.CharField(
        label=_("Why should this decision be reviewed?"),
        min_length=20,
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Explain what was wrong or what has changed; the ministry reads every appeal."),
    )


class AppealDecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Decision"),
        choices=[
            ("overturn", _("Overturn: reopen the request for charities")),
            ("uphold", _("Uphold the original decision")),
        ],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=_("Reason for the decision"),
        max_length=3000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class AidTypeForm(forms.ModelForm):
    required_documents = forms.MultipleChoiceField(
        label=_("Required documents"),
        choices=DocumentKind.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = AidType
        fields = [
            "code",
            "name_ar",
            "name_en",
            "description_ar",
            "description_en",
            "scope",
            "beneficiaries",
            "coverage_months",
            "max_amount",
            "required_documents",
            "max_income_per_capita",
            "is_active",
            "licensed_only",
        ]
        widgets = {
            "description_ar": forms.Textarea(attrs={"rows": 2}),
            "description_en": forms.Textarea(attrs={"rows": 2, "dir": "ltr"}),
            "name_en": forms.TextInput(attrs={"dir": "ltr"}),
            "code": forms.TextInput(attrs={"dir": "ltr"}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Not sent (household aid, or a form of before the field existed): the applicant only.
        self.fields["beneficiaries"].required = False

    def clean_beneficiaries(self) -> str:
        return self.cleaned_data.get("beneficiaries") or Beneficiaries.APPLICANT

    def clean_coverage_months(self) -> int:
        months: int = self.cleaned_data["coverage_months"]
        if months > 60:
            raise forms.ValidationError(_("Coverage cannot be longer than 60 months."))
        return months

    def clean_max_amount(self) -> Decimal:
        amount: Decimal = self.cleaned_data["max_amount"]
        if amount <= 0:
            raise forms.ValidationError(_("The maximum amount must be more than zero."))
        return amount

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("scope") not in AidScope.values:
            self.add_error("scope", _("Choose person or household."))
        elif (
            data.get("scope") == AidScope.HOUSEHOLD
            and data.get("beneficiaries", Beneficiaries.APPLICANT) != Beneficiaries.APPLICANT
        ):
            self.add_error(
                "beneficiaries",
                _('Household aid is for the whole household: choose "The applicant only".'),
            )
        return data
