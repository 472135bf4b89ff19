"""Count the duplicates already prevented: one ``PreventedDuplicate`` per (refused request,
request of the conflicting commitment) among the existing blocked attempts, from the first of
them (its moment, organisation and named commitment). Attempts that named no commitment (a
request listing one civil ID twice) prevented no duplicate and give none.

The amount saved uses the definition of ``dedup.models.saved_amount`` (copied here with
``add_months``: a migration must not import code that may change), with the request's
coverage and the conflicting commitment's period as they are now.
"""

import calendar
import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db import migrations


def add_months(day, months):
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def _overlap(start, end, months, other_start, other_end):
    count = 0
    for k in range(months):
        month_start = add_months(start, k)
        month_end = min(add_months(start, k + 1) - datetime.timedelta(days=1), end)
        if month_start <= other_end and month_end >= other_start:
            count += 1
    return count


def _saved(amount, coverage_months, months):
    if coverage_months == 0 or months >= coverage_months:
        return amount
    return (amount * months / coverage_months).quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)


def forward(apps, schema_editor):
    BlockedAttempt = apps.get_model("dedup", "BlockedAttempt")
    PreventedDuplicate = apps.get_model("dedup", "PreventedDuplicate")
    seen = set(PreventedDuplicate.objects.values_list("aid_request_id", "conflicting_request_id"))
    batch = []
    attempts = (
        BlockedAttempt.objects.filter(conflicting__isnull=False)
        .select_related("conflicting", "aid_request__aid_type")
        .order_by("attempted_at", "pk")
    )
    for attempt in attempts.iterator(chunk_size=2000):
        held = attempt.conflicting
        key = (attempt.aid_request_id, held.aid_request_id)
        if key in seen:
            continue
        seen.add(key)
        request = attempt.aid_request
        coverage_months = request.aid_type.coverage_months
        months = _overlap(
            request.coverage_start,
            request.coverage_end,
            coverage_months,
            held.period_start,
            held.period_end,
        )
        batch.append(
            PreventedDuplicate(
                aid_request_id=attempt.aid_request_id,
                conflicting_request_id=held.aid_request_id,
                conflicting_id=held.pk,
                aid_type_id=attempt.aid_type_id,
                organisation_id=attempt.organisation_id,
                civil_id=attempt.civil_id,
                first_refused_at=attempt.attempted_at,
                overlap_months=months,
                amount_saved=_saved(attempt.amount, coverage_months, months),
            )
        )
        if len(batch) >= 2000:
            PreventedDuplicate.objects.bulk_create(batch)
            batch = []
    PreventedDuplicate.objects.bulk_create(batch)


class Migration(migrations.Migration):
    dependencies = [("dedup", "0003_prevented_duplicates")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
