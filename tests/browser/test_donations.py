"""Donations in the browser: a guest gives to an organisation through the simulator gateway, the
organisation pays an aid instalment from the gift, and the donor's page shows where it went.
axe-core finds no critical or serious violation on the new pages, in Arabic and in English."""

import pytest
from django.utils import timezone

from accounts.models import Role
from donations.models import Gift, GiftKind, GiftKindAidType, GiftStatus
from notifications import sms
from tests.browser.axe import serious_violations
from tests.donations.conftest import approved_case
from tests.factories import PASSWORD, CharityStaffFactory, GovernorateFactory, OrganisationFactory
from tests.factories.cases import needy_aid_type

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def language(page, live_server, code):
    page.context.add_cookies([{"name": "django_language", "value": code, "url": live_server.url}])


def accessible(page, artifacts_dir, name):
    assert serious_violations(page) == [], name
    page.screenshot(path=artifacts_dir / f"donations-{name}.png", full_page=True)


def test_a_guest_gives_the_organisation_pays_from_it_and_the_donor_sees_where(
    page, live_server, artifacts_dir
):
    needy = needy_aid_type()
    capital = GovernorateFactory(code="capital", name_en="Capital", name_ar="العاصمة")
    GiftKindAidType.objects.create(kind=GiftKind.GENERAL, aid_type=needy)
    organisation = OrganisationFactory(name_en="Al-Noor", aid_types=[needy], governorates=[capital])
    manager = CharityStaffFactory(role=Role.MANAGER, membership__organisation=organisation)
    aid_request = approved_case(manager, needy, capital, amount="150")
    sms.outbox.clear()

    # A guest gives, in Arabic.
    language(page, live_server, "ar")
    page.goto("/donate/")
    accessible(page, artifacts_dir, "give-ar")
    page.locator("select[name=organisation]").select_option(str(organisation.pk))
    page.locator("select[name=kind]").select_option(GiftKind.GENERAL.value)
    page.locator("input[name=amount]").fill("200")
    page.locator("input[name=mobile]").fill("50001234")
    page.locator("[data-testid=gift-form] button[type=submit]").click()
    page.wait_for_load_state()
    accessible(page, artifacts_dir, "confirm-ar")
    code = sms.outbox[-1].body.split()[-1].rstrip(".")
    page.locator("input[name=code]").fill(code)
    page.locator("[data-testid=code-form] button[type=submit]").click()
    page.wait_for_load_state()
    accessible(page, artifacts_dir, "simulator-ar")
    page.locator("[data-testid=sim-approve]").click()
    page.wait_for_load_state()
    assert page.locator("[data-testid=gift-status]").get_attribute("data-status") == "paid"
    assert page.locator("[data-testid=trace-empty]").count() == 1
    accessible(page, artifacts_dir, "gift-paid-ar")
    gift_url = page.url
    gift = Gift.objects.get()
    assert gift.status == GiftStatus.PAID

    # The organisation pays the first instalment from it, in English.
    language(page, live_server, "en")
    page.goto("/accounts/login/")
    page.locator("input[name=login]").fill(manager.email)
    page.locator("input[name=password]").fill(PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state()
    page.goto(f"/charity/cases/{aid_request.pk}/")
    payment_form = page.locator(f"form[action='/charity/cases/{aid_request.pk}/payments/']")
    payment_form.locator("input[name=amount]").fill("150")
    payment_form.locator("input[name=paid_on]").fill(timezone.localdate().isoformat())
    payment_form.locator("input[name=from_gifts]").check()
    payment_form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("[data-testid=status]").inner_text().strip() == "Paying"
    gift.refresh_from_db()
    assert gift.allocated == 150
    page.goto("/donate/organisation/")
    assert "50.000" in page.locator("[data-testid=funds]").inner_text()
    accessible(page, artifacts_dir, "funds-en")
    page.locator("form[action='/accounts/logout/'] button").click()
    page.wait_for_load_state()

    # The donor's page shows where the gift went: aid type, governorate, month, amount.
    page.goto(gift_url)
    trace = page.locator("[data-testid=trace]").inner_text()
    assert "Needy families" in trace
    assert "Capital" in trace
    assert "150.000" in trace
    assert aid_request.reference not in page.content()
    accessible(page, artifacts_dir, "gift-traced-en")
    language(page, live_server, "ar")
    page.goto(gift_url)
    assert "العاصمة" in page.locator("[data-testid=trace]").inner_text()
    accessible(page, artifacts_dir, "gift-traced-ar")
    assert page.console_errors == []


def test_the_ministry_page_is_accessible(page, live_server, artifacts_dir):
    from tests.factories import StaffUserFactory

    official = StaffUserFactory(role=Role.MINISTRY_OFFICIAL)
    for code in ("ar", "en"):
        language(page, live_server, code)
        page.goto("/accounts/login/")
        page.locator("input[name=login]").fill(official.email)
        page.locator("input[name=password]").fill(PASSWORD)
        page.locator("main form button[type=submit]").click()
        page.wait_for_load_state()
        page.goto("/donate/ministry/")
        accessible(page, artifacts_dir, f"ministry-{code}")
        page.locator("form[action='/accounts/logout/'] button").click()
        page.wait_for_load_state()


def test_the_donors_page_updates_itself_when_the_browser_returned_first(
    page, live_server, artifacts_dir
):
    from decimal import Decimal

    from donations.models import SimulatedTransaction
    from donations.services.gifts import gift_checkout

    needy = needy_aid_type()
    GiftKindAidType.objects.create(kind=GiftKind.GENERAL, aid_type=needy)
    organisation = OrganisationFactory(name_en="Al-Noor", aid_types=[needy])
    gift = Gift.objects.create(
        reference="G-RETURN",
        token="returned-first-token",
        organisation=organisation,
        kind=GiftKind.GENERAL,
        amount=Decimal("30"),
        status=GiftStatus.PENDING,
        created_at=timezone.now(),
    )
    gift_checkout(gift_id=gift.pk, return_url="r", notify_url="n")
    gift.refresh_from_db()
    language(page, live_server, "en")
    page.goto(f"/donate/g/{gift.token}/")
    assert page.locator("[data-testid=gift-status]").get_attribute("data-status") == "pending"
    accessible(page, artifacts_dir, "gift-pending-en")
    # The payer approved at the gateway; no notification has come: the page asks by itself.
    SimulatedTransaction.objects.filter(transaction_id=gift.transaction_id).update(state="approved")
    page.locator("[data-testid=gift-status][data-status=paid]").wait_for(timeout=10_000)
    gift.refresh_from_db()
    assert gift.status == GiftStatus.PAID
    assert page.console_errors == []
