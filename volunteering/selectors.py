"""Reads of paid volunteering, scoped to who asks: the public list, an applicant's own
applications, an organisation's own opportunities and applications (404 for anything else)."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db.models import QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from accounts.models import User
from applicants.models import Governorate
from charities.selectors import organisation_for_staff
from volunteering.models import Application, HourLog, HoursStatus, Opportunity


def public_opportunities(
    *,
    governorate: Governorate | None = None,
    kind: str = "",
    starts_from: datetime.date | None = None,
    starts_until: datetime.date | None = None,
) -> QuerySet[Opportunity]:
    """Opportunities open for applications today, with the filters of the public list."""
    today = timezone.localdate()
    query = Opportunity.objects.filter(
        completed_at__isnull=True, closes_on__gte=today, organisation__status="active"
    ).select_related("organisation", "governorate")
    if governorate is not None:
        query = query.filter(governorate=governorate)
    if kind:
        query = query.filter(kind=kind)
    if starts_from is not None:
        query = query.filter(starts_on__gte=starts_from)
    if starts_until is not None:
        query = query.filter(starts_on__lte=starts_until)
    return query.order_by("closes_on", "id")


def get_public_opportunity(pk: int) -> Opportunity:
    """Any published opportunity (closed ones too: a link to it keeps working)."""
    try:
        return Opportunity.objects.select_related("organisation", "governorate").get(pk=pk)
    except Opportunity.DoesNotExist:
        raise Http404 from None


def applications_of(user: User) -> QuerySet[Application]:
    return Application.objects.filter(applicant=user).select_related(
        "opportunity__organisation", "opportunity__governorate"
    )


def get_application_for_applicant(user: User, pk: int) -> Application:
    """The applicant's own application (404 for anyone else's)."""
    try:
        return applications_of(user).select_related("aid_request").get(pk=pk)
    except Application.DoesNotExist:
        raise Http404 from None


def application_for_opportunity(user: User, opportunity: Opportunity) -> Application | None:
    if not user.is_authenticated:
        return None
    return Application.objects.filter(applicant=user, opportunity=opportunity).first()


def opportunities_for_staff(user: User) -> QuerySet[Opportunity]:
    organisation = organisation_for_staff(user)
    if organisation is None:
        return Opportunity.objects.none()
    return Opportunity.objects.filter(organisation=organisation).select_related("governorate")


def get_opportunity_for_staff(user: User, pk: int) -> Opportunity:
    """One of the staff member's organisation's opportunities (404 for another's)."""
    try:
        return opportunities_for_staff(user).get(pk=pk)
    except Opportunity.DoesNotExist:
        raise Http404 from None


def applications_for_opportunity(opportunity: Opportunity) -> QuerySet[Application]:
    return opportunity.applications.select_related("applicant").order_by("applied_at", "id")


def get_application_for_staff(user: User, pk: int) -> Application:
    """An application to one of the staff member's organisation's opportunities (else 404)."""
    organisation = organisation_for_staff(user)
    if organisation is None:
        raise Http404
    try:
        return Application.objects.select_related(
            "opportunity__governorate", "applicant", "aid_request"
        ).get(pk=pk, opportunity__organisation=organisation)
    except Application.DoesNotExist:
        raise Http404 from None


def hours_of(application: Application) -> list[HourLog]:
    return list(application.hours.order_by("week"))


def confirmed_hours(application: Application) -> Decimal:
    total = application.hours.filter(status=HoursStatus.CONFIRMED).aggregate(total=Sum("hours"))
    return total["total"] or Decimal(0)
