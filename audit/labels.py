"""How the audit trail is shown to people: each action as a translated label (an unknown code
is shown as it is), an aid request by its reference, an applicant by a masked civil ID, and the
other common objects by what a person knows them by (``OBJECT_NAMES``: a staff member by name
and role, an organisation by its name, a payment by its request's reference). Only the showing:
the stored entries and their chain are never changed."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from django.apps import apps
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from accounts.civil_id import masked_civil_id
from accounts.models import Role
from config.text import request_reference

#: The request model's ``object_type`` (``_meta.label_lower``).
AID_REQUEST = "aid_requests.aidrequest"

ACTION_LABELS: dict[str, Promise] = {
    "account.sign_in_code_rejected": _("Sign-in code rejected"),
    "account.sign_in_failed": _("Sign-in failed"),
    "aid_request.appealed": _("Appeal lodged on a request"),
    "aid_request.approved": _("Request approved"),
    "aid_request.claimed": _("Request taken by a charity"),
    "aid_request.closed": _("Request closed"),
    "aid_request.coverage_ended": _("Coverage elsewhere ended"),
    "aid_request.covered_elsewhere": _("Request on hold: aid already received elsewhere"),
    "aid_request.open": _("Request opened to charities"),
    "aid_request.personal_data_viewed": _("Applicant's personal data viewed"),
    "aid_request.rejected": _("Request rejected"),
    "aid_request.submitted": _("Request submitted"),
    "aid_request.withdrawn": _("Request withdrawn"),
    "aid_type.changed": _("Aid type changed"),
    "aid_type.created": _("Aid type created"),
    "api.called": _("API called by a linked system"),
    "api_client.created": _("API client created"),
    "api_client.revoked": _("API client revoked"),
    "api_token.rotated": _("API token renewed"),
    "appeal.decided": _("Appeal decided"),
    "applicant.ministry_view": _("Applicant's file viewed by the ministry"),
    "applicant_profile.consent": _("Consent given"),
    "applicant_profile.create": _("Profile created"),
    "applicant_profile.step_confirm": _("Profile step confirmed"),
    "applicant_profile.update": _("Profile updated"),
    "benefit_rule.remove": _("Benefit rule removed"),
    "benefit_rule.set": _("Benefit rule set"),
    "benefits.import_failed": _("Benefits import failed"),
    "benefits.imported": _("Benefits imported"),
    "benefits.looked_up": _("Benefits looked up"),
    "benefits.lookup_failed": _("Benefits look-up failed"),
    "benefits.report_downloaded": _("Benefits report downloaded"),
    "benefits.uploaded": _("Benefits file uploaded"),
    "case_message.sent": _("Message sent on a case"),
    "commitment.end": _("Coverage ended"),
    "commitment.extend": _("Coverage extended"),
    "coverage_conflict.open": _("Coverage conflict opened"),
    "coverage_conflict.resolve": _("Coverage conflict resolved"),
    "document.download": _("Document downloaded"),
    "document.remove": _("Document removed"),
    "document.upload": _("Document uploaded"),
    "gift.refund_failed": _("Gift refund failed"),
    "gift.refunded": _("Gift refunded"),
    "gift.started": _("Gift started"),
    "household_member.add": _("Household member added"),
    "household_member.remove": _("Household member removed"),
    "household_member.update": _("Household member updated"),
    "identity.verification_approved": _("Identity verified"),
    "identity.verification_expired": _("Identity check expired"),
    "identity.verification_rejected": _("Identity check rejected"),
    "identity.verification_started": _("Identity check started"),
    "income_source.add": _("Income source added"),
    "income_source.remove": _("Income source removed"),
    "income_source.update": _("Income source updated"),
    "monthly_obligation.add": _("Monthly obligation added"),
    "monthly_obligation.remove": _("Monthly obligation removed"),
    "monthly_obligation.update": _("Monthly obligation updated"),
    "organisation.application_discarded": _("Licence application discarded"),
    "organisation.applied": _("Licence applied for"),
    "organisation.licence_changed": _("Licence changed"),
    "organisation.manager_confirmed": _("Organisation manager confirmed"),
    "payment.funded_from_gifts": _("Payment funded from gifts"),
    "payment.recorded": _("Payment recorded"),
    "possible_duplicate.decide": _("Possible duplicate decided"),
    "possible_duplicate.detect": _("Possible duplicate found"),
    "reports.export_downloaded": _("Export downloaded"),
    "reports.export_requested": _("Export requested"),
    "staff.invited": _("Staff member invited"),
    "staff.reinstated": _("Staff member reinstated"),
    "staff.removed": _("Staff member removed"),
    "staff.role_changed": _("Staff member's role changed"),
    "staff.signed_in": _("Staff member signed in"),
}


def action_label(action: str) -> str:
    """``action`` as a label in the current language, or the code itself when it has none."""
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


def masked_email(email: str) -> str:
    """An e-mail address as the trail may show it: its first letter and its domain."""
    local, _at, domain = email.partition("@")
    return f"{local[:1]}…@{domain}" if domain else "…"


def _person(user: Any) -> str:
    """A user: an applicant by masked civil ID; staff by name (or masked e-mail) and role."""
    if user.role == Role.APPLICANT:
        return masked_civil_id(user.civil_id or "")
    who = user.full_name or masked_email(user.email or "")
    return gettext("%(name)s (%(role)s)") % {"name": who, "role": user.get_role_display()}


def _english() -> bool:
    return get_language() == "en"


def _of_profile(obj: Any) -> str:
    """A row of an applicant's profile: its kind and whose profile (masked civil ID)."""
    return gettext("%(object)s of %(applicant)s") % {
        "object": capfirst(obj._meta.verbose_name),
        "applicant": masked_civil_id(obj.profile.user.civil_id or ""),
    }


#: Readable names by ``object_type``: the related rows to load with the objects, and the name.
OBJECT_NAMES: dict[str, tuple[tuple[str, ...], Callable[[Any], str]]] = {
    "accounts.user": ((), _person),
    "charities.organisation": ((), str),  # its name in the reader's language
    "charities.staffmembership": (
        ("user", "organisation"),
        lambda m: (
            gettext("%(person)s at %(organisation)s")
            % {"person": _person(m.user), "organisation": m.organisation}
        ),
    ),
    "aid_requests.payment": (
        (),
        lambda p: (
            gettext("Payment %(period)s of %(reference)s")
            % {"period": p.period, "reference": request_reference(p.aid_request_id)}
        ),
    ),
    "aid_requests.appeal": (
        (),
        lambda a: (
            gettext("Appeal on %(reference)s") % {"reference": request_reference(a.aid_request_id)}
        ),
    ),
    "aid_requests.casemessage": (
        (),
        lambda m: (
            gettext("Message on %(reference)s") % {"reference": request_reference(m.aid_request_id)}
        ),
    ),
    "aid_requests.aidtype": ((), lambda t: t.name_en if _english() else t.name_ar),
    "applicants.applicantprofile": (
        ("user",),
        lambda p: (
            gettext("Profile of %(applicant)s")
            % {"applicant": masked_civil_id(p.user.civil_id or "")}
        ),
    ),
    "applicants.householdmember": (("profile__user",), _of_profile),
    "applicants.incomesource": (("profile__user",), _of_profile),
    "applicants.monthlyobligation": (("profile__user",), _of_profile),
    "applicants.document": (("profile__user",), _of_profile),
    "volunteering.opportunity": ((), lambda o: o.title),
    "volunteering.application": (
        ("applicant", "opportunity"),
        lambda a: (
            gettext("%(person)s on %(opportunity)s")
            % {"person": _person(a.applicant), "opportunity": a.opportunity.title}
        ),
    ),
    "volunteering.hourlog": (
        ("application__applicant", "application__opportunity"),
        lambda h: (
            gettext("Week %(week)s of %(person)s on %(opportunity)s")
            % {
                "week": h.week,
                "person": _person(h.application.applicant),
                "opportunity": h.application.opportunity.title,
            }
        ),
    ),
    "donations.gift": ((), lambda g: g.reference),
    "api.apiclient": ((), lambda c: c.name),
}


def object_names(keys: Iterable[tuple[str, str | int | None]]) -> dict[tuple[str, str], str]:
    """The readable names of the objects of ``keys`` (``(object_type, object_id)``) that
    ``OBJECT_NAMES`` knows and that still exist: one query per kind of object, whatever the
    number of entries. The others are named by ``object_label`` alone."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for object_type, object_id in keys:
        if object_type in OBJECT_NAMES and str(object_id or "").isdigit():
            wanted[object_type].add(int(str(object_id)))
    names: dict[tuple[str, str], str] = {}
    for object_type, ids in wanted.items():
        related, name = OBJECT_NAMES[object_type]
        model = apps.get_model(object_type)
        for obj in model._default_manager.filter(pk__in=ids).select_related(*related):
            names[(object_type, str(obj.pk))] = name(obj)
    return names


def object_label(
    object_type: str,
    object_id: str | int | None,
    names: dict[tuple[str, str], str] | None = None,
) -> str:
    """The object an entry is about: an aid request by its reference (``MSA-0000030``), one in
    ``names`` (``object_names``) by its readable name, any other by its model's translated name
    and id."""
    if not object_type:
        return "—"
    if object_type == AID_REQUEST and str(object_id or "").isdigit():
        return request_reference(int(str(object_id)))
    if names and (object_type, str(object_id)) in names:
        return names[(object_type, str(object_id))]
    # Any other object by its model's name in the reader's language ("User 1", "مستخدم 1").
    try:
        name = str(capfirst(apps.get_model(object_type)._meta.verbose_name))
    except (LookupError, ValueError):
        name = object_type
    return f"{name} {object_id}" if object_id else name
