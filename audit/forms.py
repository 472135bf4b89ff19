"""The audit trail viewer's filters."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.civil_id import normalise_digits
from accounts.fields import CivilIdField
from audit.selectors import (
    ACTOR_MATCH_LIMIT,
    TrailFilters,
    actor_ids_matching,
    applicant_id_for_civil_id,
)


class TrailFilterForm(forms.Form):
    actor = forms.CharField(
        label=_("Actor"),
        required=False,
        max_length=254,
        help_text=_("Part of the e-mail address or civil ID."),
    )
    organisation = forms.TypedChoiceField(
        label=_("Organisation"), required=False, coerce=int, empty_value=None
    )
    # The civil-ID field of accounts: a typo gets the check-digit message, not "no applicant".
    applicant = CivilIdField(label=_("Applicant's civil ID"), required=False)
    action = forms.ChoiceField(label=_("Action"), required=False)
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(
        self, *args: Any, organisations: dict[int, str], actions: list[str], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        organisation = cast(forms.ChoiceField, self.fields["organisation"])
        organisation.choices = [("", _("All")), *organisations.items()]
        action = cast(forms.ChoiceField, self.fields["action"])
        action.choices = [("", _("All")), *((a, a) for a in actions)]

    def clean_actor(self) -> tuple[int, ...] | None:
        """The ids of the people meant; too broad a search asks for more letters."""
        text = self.cleaned_data["actor"].strip()
        if not text:
            return None
        digits = normalise_digits(text)
        if digits.isdigit():  # part of a civil ID, perhaps in Arabic-Indic digits
            text = digits
        ids = actor_ids_matching(text)
        if len(ids) > ACTOR_MATCH_LIMIT:
            raise forms.ValidationError(
                _("More than %(limit)d people match: type more of the e-mail or civil ID."),
                params={"limit": ACTOR_MATCH_LIMIT},
            )
        return tuple(ids)

    def clean_applicant(self) -> int | None:
        civil_id = self.cleaned_data["applicant"]
        if not civil_id:
            return None
        applicant_id = applicant_id_for_civil_id(civil_id)
        if applicant_id is None:
            raise forms.ValidationError(_("No applicant has this civil ID."))
        return applicant_id

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("date_from"), cleaned.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("The end date is before the start date."))
        return cleaned

    def filters(self) -> TrailFilters | None:
        """The filters to apply: none when the form was not sent, None when it is invalid (the
        page then shows the errors and no rows, never the unfiltered trail)."""
        if not self.is_bound:
            return TrailFilters()
        if not self.is_valid():
            return None
        data = self.cleaned_data
        return TrailFilters(
            actors=data["actor"],
            organisation=data["organisation"],
            applicant=data["applicant"],
            action=data["action"],
            date_from=data["date_from"],
            date_to=data["date_to"],
        )
