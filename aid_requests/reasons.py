"""Human words for what screening stores as codes (so old requests read in either language)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from applicants.models import DocumentKind
from config.text import join_list


def reason_text(reason: dict[str, Any]) -> str:
    code = reason.get("code")
    if code == "profile_incomplete":
        return _("Your profile was not complete when the request was screened.")
    if code == "documents_missing":
        labels = [
            str(DocumentKind(kind).label)
            for kind in reason.get("kinds", [])
            if kind in DocumentKind.values
        ]
        return _("Required documents were not attached: %(kinds)s.") % {
            "kinds": join_list(labels) if labels else "—"
        }
    if code == "income_above_threshold":
        return _(
            "Your household's monthly income per person after obligations (%(per_capita)s KWD) "
            "is above this aid type's limit of %(threshold)s KWD."
        ) % {
            "per_capita": f"{Decimal(reason['per_capita']):.3f}",
            "threshold": f"{Decimal(reason['threshold']):.3f}",
        }
    return _("Not eligible under this aid type's rules.")


def _monthly(value: str) -> str:
    return _("%(value)s KWD a month") % {"value": f"{Decimal(value):.3f}"}


def breakdown_rows(breakdown: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The need-score parts with a label and an explanation for each.

    When the state agencies were asked (requests screened since issue 14), the income part is
    preceded by two lines without points of their own (``info``): the declared income and the
    income verified with the agencies, a total only.
    """
    labels = {
        "income": _("Income per person after obligations"),
        "dependants": _("Dependants in the household"),
        "disability": _("Members with a disability"),
        "students": _("Members who are students"),
    }
    rows = []
    for part in breakdown:
        if part["part"] == "income" and part.get("verified") is not None:
            rows.append(
                {
                    "part": "declared_income",
                    "label": _("Declared income"),
                    "detail": _monthly(part["declared"]),
                    "info": True,
                }
            )
            rows.append(
                {
                    "part": "verified_income",
                    "label": _("Income verified with the state agencies"),
                    "detail": _monthly(part["verified"]),
                    "info": True,
                }
            )
        if part["part"] == "income":
            detail = _("%(value)s KWD a month against a limit of %(threshold)s KWD") % {
                "value": f"{Decimal(part['value']):.3f}",
                "threshold": f"{Decimal(part['threshold']):.3f}",
            }
        else:
            detail = str(part["value"])
        rows.append(
            {
                **part,
                "label": labels.get(part["part"], part["part"]),
                "detail": detail,
                "info": False,
            }
        )
    return rows


def verified_from_text(source: str) -> str:
    """Where a request's verified income came from, for the case file."""
    if source == "agencies":
        return _("The state agencies answered when the request was submitted.")
    if source == "records_held":
        return _(
            "A state agency did not answer when the request was submitted: the records already "
            "held were used."
        )
    return _("From the records the state agencies sent before the request was submitted.")
