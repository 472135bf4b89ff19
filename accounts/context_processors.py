"""Navigation per role, built from the permission module (templates never compare roles)."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import gettext_lazy as _

from accounts.permissions import Capability, capabilities

_NAV = [
    (Capability.VIEW_OWN_REQUESTS, "applicants:my_requests", _("My requests")),
    (Capability.VIEW_OWN_REQUESTS, "donations:mine", _("My gifts")),
    (Capability.APPLY, "aid_requests:catalogue", _("Apply for aid")),
    (Capability.APPLY, "volunteering:mine", _("My volunteering")),
    (Capability.APPLY, "applicants:profile", _("My profile")),
    (Capability.APPLY, "identity:verify", _("Identity")),
    (Capability.VIEW_QUEUE, "charities:dashboard", _("Charity dashboard")),
    (Capability.VIEW_QUEUE, "charities:queue", _("Open requests")),
    (Capability.VIEW_QUEUE, "charities:my_cases", _("Our cases")),
    (Capability.VIEW_QUEUE, "volunteering:staff_opportunities", _("Volunteering")),
    (Capability.RECORD_PAYMENT, "donations:funds", _("Donations")),
    (Capability.VIEW_STATISTICS, "reports:overview", _("Ministry overview")),
    (Capability.VIEW_STATISTICS, "reports:statistics", _("Statistics")),
    (Capability.VIEW_STATISTICS, "donations:ministry", _("Donations")),
    (Capability.VIEW_STATISTICS, "audit:trail", _("Audit trail")),
    (Capability.VIEW_ALL_CASES, "applicants:ministry_lookup", _("Applicants")),
    (Capability.VIEW_ALL_CASES, "reports:beneficiaries", _("Beneficiary picture")),
    (Capability.VIEW_ALL_CASES, "dedup:adjudication", _("Duplicates")),
    (Capability.REVIEW_APPEALS, "aid_requests:appeals", _("Appeals")),
    (Capability.MANAGE_STAFF, "charities:staff", _("Staff")),
    (Capability.LICENSE_ORGANISATIONS, "charities:licensing", _("Licensing")),
    (Capability.MANAGE_AID_TYPES, "aid_requests:aid_types", _("Aid types")),
    (Capability.IMPORT_BENEFITS, "benefits:imports", _("Benefit imports")),
    # The ministry's API clients (``api.services.MINISTRY_CLIENTS_CAPABILITY``).
    (Capability.MANAGE_SETTINGS, "api:ministry_clients", _("API clients")),
]


#: The ministry's less-used pages: in the header's "More" menu when a role has more than
#: ``MAX_HEADER_LINKS`` pages, so that an administrator's header (eleven pages) keeps to two
#: rows on a 1280 px screen in either language; an official's seven stay in the header.
MAX_HEADER_LINKS = 8
_IN_MENU = frozenset(
    {
        "donations:ministry",
        "reports:beneficiaries",
        "dedup:adjudication",
        "aid_requests:aid_types",
        "benefits:imports",
    }
)


@lru_cache(maxsize=256)
def _url(name: str, script_prefix: str, urlconf: Any, root_urlconf: Any) -> str:
    """``reverse(name)``, once per process for each of what it depends on (the script prefix
    and the URL configuration): every page's header asks for the same few addresses, and
    resolving them again on each request cost more than the rest of the navigation."""
    return reverse(name, urlconf=urlconf)


def navigation(request: HttpRequest) -> dict[str, object]:
    """``nav_items``: the header's links; ``nav_menu``: the links of its "More" menu (empty
    for roles without any); ``nav_menu_active``: the page shown is one of the menu's."""
    user = getattr(request, "user", None)
    if user is None:
        return {"nav_items": [], "nav_menu": [], "nav_menu_active": False}
    allowed = capabilities(user)
    items: list[dict[str, Any]] = [
        {
            "url": _url(name, get_script_prefix(), get_urlconf(), settings.ROOT_URLCONF),
            "label": label,
            "active": False,
            "in_menu": name in _IN_MENU,
        }
        for capability, name, label in _NAV
        if capability in allowed
    ]
    # The page's own item is the one whose address is the longest prefix of the path.
    matching = [item for item in items if request.path.startswith(item["url"])]
    if matching:
        max(matching, key=lambda item: len(item["url"]))["active"] = True
    if len(items) <= MAX_HEADER_LINKS:
        return {"nav_items": items, "nav_menu": [], "nav_menu_active": False}
    menu = [item for item in items if item["in_menu"]]
    return {
        "nav_items": [item for item in items if not item["in_menu"]],
        "nav_menu": menu,
        "nav_menu_active": any(item["active"] for item in menu),
    }
