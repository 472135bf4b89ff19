"""The donor's receipt of a paid gift: a PDF in Arabic or English (``config.pdf``) with the gift's
facts and where it went — aid type, governorate, month, amount; never a person."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext as _

from config.dates import format_date, format_month
from config.pdf import PdfDocument
from donations.models import Gift
from donations.selectors import trace_of


def _names(obj: object, language: str) -> str:
    """An organisation's or aid type's name in the document's language."""
    name = getattr(obj, "name_ar" if language == "ar" else "name_en", None)
    return str(name or obj)


def gift_receipt(gift: Gift, *, language: str) -> bytes:
    """The receipt of ``gift`` (paid) in ``language`` ("ar" or "en")."""
    with translation.override(language):
        document = PdfDocument(
            language=language,
            title=_("Donation receipt"),
            subtitle=_("Al-Khair Al-Shamil — Musaada"),
            footer=gift.reference,
        )
        paid_on = format_date(gift.paid_at, language) if gift.paid_at else ""
        facts = [
            (_("Reference"), gift.reference),
            (_("Organisation"), _names(gift.organisation, language)),
            (_("Licence number"), gift.organisation.licence_number),
            (
                _("Fund"),
                _names(gift.fund, language) if gift.fund else _("The organisation's general fund"),
            ),
            (_("Kind of gift"), str(gift.get_kind_display())),
            (_("Amount (KWD)"), f"{gift.amount:.3f}"),
            (_("Paid on"), paid_on),
        ]
        if gift.refunded:
            facts.append((_("Refunded (KWD)"), f"{gift.refunded:.3f}"))
        document.facts(facts)
        document.heading(_("Where your gift went"))
        trace = trace_of(gift)
        if trace:
            document.table(
                [_("Aid type"), _("Governorate"), _("Month"), _("Amount (KWD)")],
                [
                    [
                        _names(line.aid_type, language),
                        _names(line.governorate, language),
                        format_month(line.month, language),
                        f"{line.amount:.3f}",
                    ]
                    for line in trace
                ],
            )
        else:
            document.paragraph(_("Not allocated to any aid yet."))
        document.paragraph(
            _("Thank you. This receipt names no person helped: their privacy is protected.")
        )
        return document.output()
