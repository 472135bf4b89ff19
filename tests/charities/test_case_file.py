"""Issue 19: the case page's file made in Python (``{% case_file %}``) is the markup of the
template it replaced; every case page of the suite is compared (case_file_check.py)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.charities import case_file_check
from tests.factories import AidRequestFactory, CharityStaffFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("language", ["ar", "en"])
def test_a_case_page_is_compared_with_the_template_it_replaced(client, language):
    staff = CharityStaffFactory()
    aid_request = AidRequestFactory(claimed_by=staff.membership.organisation, status="claimed")
    client.force_login(staff)
    client.cookies["django_language"] = language
    before = case_file_check.compared[0]
    response = client.get(reverse("charities:case", args=[aid_request.pk]))
    assert response.status_code == 200
    assert case_file_check.compared[0] == before + 1
    assert aid_request.reference in response.content.decode()


def test_a_difference_from_the_reference_is_found(client):
    staff = CharityStaffFactory()
    aid_request = AidRequestFactory(claimed_by=staff.membership.organisation, status="claimed")
    client.force_login(staff)
    response = client.get(reverse("charities:case", args=[aid_request.pk]))
    context = next(c for c in response.context if "aid_request" in c)
    old, new = case_file_check.both(context)
    assert old == new
    altered = case_file_check.REFERENCE.read_text(encoding="utf-8").replace(
        '{% translate "Timeline" %}', '{% translate "Time line" %}'
    )
    old, new = case_file_check.both(context, altered)
    assert old != new
