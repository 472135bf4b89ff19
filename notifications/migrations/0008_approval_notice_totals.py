"""Fill the values that approval notices stored before the totals were told lack.

Until the approval notice said the approved total and the first month (commit 7d87e9d), it
stored only ``amount`` and ``payments``; the message now reads ``%(total)s`` and ``%(date)s``,
so those old notices showed "—" in the bell, the notices page and a resent SMS. A notice is a
record of what was said: its total is computed from its own stored monthly amount and number
of payments (the request's approval is read only for a value the notice itself lacks), and the
first month is the request's coverage start, which an approval does not change. Notices that
have every value are left as they are; a notice whose request is gone keeps "—" for what
cannot be known.
"""

from decimal import Decimal, InvalidOperation

from django.db import migrations


def _decimal(value):
    try:
        return Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        return None


def forward(apps, schema_editor):
    Notification = apps.get_model("notifications", "Notification")
    notices = (
        Notification.objects.filter(kind="request_approved")
        .select_related("aid_request")
        .order_by("pk")
    )
    for notice in notices.iterator(chunk_size=500):
        context = dict(notice.context or {})
        if "total" in context and "date" in context:
            continue
        aid_request = notice.aid_request
        if aid_request is not None:
            if "amount" not in context and aid_request.approved_amount is not None:
                context["amount"] = f"{aid_request.approved_amount:.3f}"
            if "payments" not in context and aid_request.approved_payments:
                context["payments"] = aid_request.approved_payments
            if "date" not in context and aid_request.coverage_start is not None:
                context["date"] = aid_request.coverage_start.isoformat()
        amount = _decimal(context.get("amount"))
        payments = _decimal(context.get("payments"))
        if "total" not in context and amount is not None and payments is not None:
            context["total"] = f"{amount * payments:.3f}"
        if context != notice.context:
            notice.context = context
            notice.save(update_fields=["context"])


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0007_volunteer_left"),
        ("aid_requests", "0010_screening_income"),
    ]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop, elidable=True)]
