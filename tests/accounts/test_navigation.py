"""The header's links per role: the ministry administrator's less-used pages in a "More" menu,
every other role's pages in the header itself."""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from accounts.context_processors import MAX_HEADER_LINKS, navigation
from accounts.models import Role
from tests.factories import ApplicantUserFactory, CharityStaffFactory, StaffUserFactory

pytestmark = pytest.mark.django_db


def header(user, path="/"):
    request = RequestFactory().get(path)
    request.user = user
    with translation.override("en"):
        found = navigation(request)
        return (
            [str(i["label"]) for i in found["nav_items"]],  # type: ignore[attr-defined]
            [str(i["label"]) for i in found["nav_menu"]],  # type: ignore[attr-defined]
            found["nav_menu_active"],
        )


def test_the_administrators_less_used_pages_are_in_the_more_menu():
    admin = StaffUserFactory(role=Role.MINISTRY_ADMIN)
    links, menu, _active = header(admin)
    assert len(links) <= MAX_HEADER_LINKS
    assert menu == [
        "Donations",
        "Beneficiary picture",
        "Duplicates",
        "Aid types",
        "Benefit imports",
    ]
    assert "Audit trail" in links
    assert "Licensing" in links
    # A page of the menu marks the menu as where one is.
    assert header(admin, reverse("aid_requests:aid_types"))[2] is True
    assert header(admin, reverse("audit:trail"))[2] is False


@pytest.mark.parametrize(
    "user",
    [
        lambda: StaffUserFactory(role=Role.MINISTRY_OFFICIAL),
        lambda: CharityStaffFactory(role=Role.MANAGER),
        lambda: ApplicantUserFactory(),
    ],
)
def test_other_roles_keep_every_page_in_the_header(user):
    links, menu, active = header(user())
    assert links
    assert menu == []
    assert active is False
