"""The certificate of service: a PDF (``config.pdf``) in Arabic or English, for a volunteer
whose placement has ended (the opportunity's end date passed, or the organisation marked it
completed). It names the volunteer, the organisation, the opportunity, the dates and the total
confirmed hours, with the hours per month."""

from __future__ import annotations

from decimal import Decimal

from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from applicants.models import ApplicantProfile
from config.pdf import PdfDocument
from volunteering import stipends
from volunteering.exceptions import CertificateNotReady
from volunteering.models import Application, ApplicationStatus, HoursStatus


def certificate_ready(application: Application) -> bool:
    return application.status == ApplicationStatus.ACCEPTED and (
        application.opportunity.has_ended_on(timezone.localdate())
    )


def certificate_number(application: Application) -> str:
    return f"VOL-{application.pk:07d}"


def _name(application: Application, language: str) -> str:
    profile = ApplicantProfile.objects.filter(user_id=application.applicant_id).first()
    if profile is not None:
        if language == "en" and profile.name_en:
            return profile.name_en
        if profile.name_ar:
            return profile.name_ar
    return application.applicant.full_name or application.applicant.civil_id or ""


def certificate_pdf(application: Application, language: str) -> bytes:
    """The certificate in ``language`` ("ar" or "en"); ``CertificateNotReady`` before the end."""
    if not certificate_ready(application):
        raise CertificateNotReady
    opportunity = application.opportunity
    confirmed = list(
        application.hours.filter(status=HoursStatus.CONFIRMED).values_list("week", "hours")
    )
    by_month: dict[int, Decimal] = {}
    for week, hours in confirmed:
        month = stipends.month_of_week(opportunity, week)
        by_month[month] = by_month.get(month, Decimal(0)) + hours
    total = sum((h for _w, h in confirmed), Decimal(0))
    with translation.override(language):
        organisation = str(opportunity.organisation)
        name = _name(application, language)
        document = PdfDocument(
            language=language,
            title=_("Certificate of service"),
            subtitle=_("Paid volunteering programme — Musaada"),
            footer=certificate_number(application),
        )
        document.paragraph(
            _(
                "%(organisation)s certifies that %(name)s served as a volunteer in "
                "“%(title)s” from %(start)s to %(end)s, for %(hours)s confirmed hours."
            )
            % {
                "organisation": organisation,
                "name": name,
                "title": opportunity.title,
                "start": date_format(opportunity.starts_on, "DATE_FORMAT"),
                "end": date_format(opportunity.ends_on, "DATE_FORMAT"),
                "hours": _hours(total),
            }
        )
        document.heading(_("Details"))
        document.facts(
            [
                (_("Volunteer"), name),
                (_("Organisation"), organisation),
                (_("Opportunity"), opportunity.title),
                (_("Place"), f"{opportunity.governorate} — {opportunity.place}"),
                (
                    _("Dates"),
                    f"{date_format(opportunity.starts_on, 'DATE_FORMAT')} – "
                    f"{date_format(opportunity.ends_on, 'DATE_FORMAT')}",
                ),
                (_("Total confirmed hours"), _hours(total)),
            ]
        )
        if by_month:
            document.heading(_("Hours by month"))
            document.table(
                [_("Month"), _("From"), _("Hours")],
                [
                    [
                        str(month),
                        date_format(stipends.month_range(opportunity, month)[0], "DATE_FORMAT"),
                        _hours(hours),
                    ]
                    for month, hours in sorted(by_month.items())
                ],
            )
        return document.output()


def _hours(value: Decimal) -> str:
    return f"{value.normalize():f}" if value == value.to_integral() else f"{value:.2f}"
