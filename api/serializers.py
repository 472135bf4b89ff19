"""What the API sends and accepts, as DRF serializers: read-only shapes of the answers, and the
request bodies for the schema. The bodies are checked by the pages' own forms
(``charities.forms``), so a field is refused with the same message as on the page."""

from __future__ import annotations

from rest_framework import serializers

from aid_requests.models import PaymentMethod
from reports.events import MONEY_FIGURES
from reports.models import ExportFormat, ExportKind, ExportStatus
from reports.selectors.statistics import FIGURE_LABELS


class ProblemSerializer(serializers.Serializer):
    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    code = serializers.CharField()
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()), required=False
    )


class NamedSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField(required=False)
    name = serializers.CharField()


class QueueRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    aid_type = NamedSerializer()
    governorate = NamedSerializer()
    amount_requested = serializers.DecimalField(max_digits=12, decimal_places=3)
    household_size = serializers.IntegerField()
    need_score = serializers.IntegerField(allow_null=True)
    beneficiary = serializers.CharField()
    age_band = serializers.CharField()
    days_waiting = serializers.IntegerField()
    submitted_at = serializers.DateTimeField()


class QueuePageSerializer(serializers.Serializer):
    results = QueueRowSerializer(many=True)
    next_cursor = serializers.CharField(allow_null=True)


class CaseStatusSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()


class PaymentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    period = serializers.IntegerField()
    amount = serializers.DecimalField(max_digits=12, decimal_places=3)
    paid_on = serializers.DateField()
    method = serializers.CharField()
    reference = serializers.CharField(allow_blank=True)
    recorded_at = serializers.DateTimeField()


class MemberSerializer(serializers.Serializer):
    name = serializers.CharField()
    civil_id = serializers.CharField()
    kinship = serializers.CharField()


class MessageSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    body = serializers.CharField()
    sent_at = serializers.DateTimeField()
    from_applicant = serializers.BooleanField()


class CaseSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    read_only = serializers.BooleanField()
    aid_type = NamedSerializer()
    governorate = NamedSerializer()
    amount_requested = serializers.DecimalField(max_digits=12, decimal_places=3)
    approved_amount = serializers.DecimalField(max_digits=12, decimal_places=3, allow_null=True)
    approved_payments = serializers.IntegerField(allow_null=True)
    next_period = serializers.IntegerField(allow_null=True)
    need_score = serializers.IntegerField(allow_null=True)
    household_size = serializers.IntegerField()
    coverage_start = serializers.DateField()
    coverage_end = serializers.DateField()
    claimed_at = serializers.DateTimeField(allow_null=True)
    applicant_name = serializers.CharField()
    applicant_civil_id = serializers.CharField()
    beneficiary_civil_id = serializers.CharField(allow_null=True)
    members = MemberSerializer(many=True)
    payments = PaymentSerializer(many=True)


class ApproveBody(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=12, decimal_places=3)
    payments = serializers.IntegerField(min_value=1)


class PaymentBody(serializers.Serializer):
    amount = serializers.DecimalField(max_digits=12, decimal_places=3)
    paid_on = serializers.DateField()
    method = serializers.ChoiceField(choices=PaymentMethod.choices)
    reference = serializers.CharField(required=False, allow_blank=True, max_length=100)
    period = serializers.IntegerField(min_value=1)


class ReasonBody(serializers.Serializer):
    reason = serializers.CharField(max_length=1000)


class MessageBody(serializers.Serializer):
    body = serializers.CharField()


# The ministry's endpoints: statistics and exports.


def _figures_serializer() -> type[serializers.Serializer]:
    """The figures of a breakdown row: every figure of the statistics page (an organisation's
    row has all but ``submitted``); amounts in KWD with three decimals, as strings."""
    fields: dict[str, serializers.Field] = {
        name: (
            serializers.DecimalField(max_digits=16, decimal_places=3, required=False)
            if name in MONEY_FIGURES
            else serializers.IntegerField(required=False)
        )
        for name in FIGURE_LABELS
    }
    return type("FiguresSerializer", (serializers.Serializer,), fields)


FiguresSerializer = _figures_serializer()


class BreakdownRowSerializer(serializers.Serializer):
    id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField(allow_blank=True)
    figures = FiguresSerializer()


class MonthRowSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM")
    name = serializers.CharField()
    figures = FiguresSerializer()


class PeriodSerializer(serializers.Serializer):
    start = serializers.CharField(help_text="The first month, YYYY-MM.")
    end = serializers.CharField(help_text="The last month (included), YYYY-MM.")
    aid_type = serializers.IntegerField(allow_null=True)


class HeadlineSerializer(serializers.Serializer):
    beneficiaries = serializers.IntegerField()
    households = serializers.IntegerField()
    amount_paid = serializers.DecimalField(max_digits=16, decimal_places=3)
    payments = serializers.IntegerField()
    submitted = serializers.IntegerField()
    open_now = serializers.IntegerField()
    held_now = serializers.IntegerField()
    closed_now = serializers.IntegerField()
    ineligible_now = serializers.IntegerField()
    claims = serializers.IntegerField()
    closures = serializers.IntegerField()
    blocked_count = serializers.IntegerField()
    blocked_amount = serializers.DecimalField(max_digits=16, decimal_places=3)
    released_by_deadline = serializers.IntegerField()
    median_days_to_claim = serializers.DecimalField(max_digits=8, decimal_places=1, allow_null=True)
    median_days_to_payment = serializers.DecimalField(
        max_digits=8, decimal_places=1, allow_null=True
    )


class StatisticsSerializer(serializers.Serializer):
    period = PeriodSerializer()
    figures_as_of = serializers.DateTimeField(allow_null=True)
    headline = HeadlineSerializer()
    by_aid_type = BreakdownRowSerializer(many=True)
    by_governorate = BreakdownRowSerializer(many=True)
    by_organisation = BreakdownRowSerializer(many=True)
    organisations_total = serializers.IntegerField()
    by_month = MonthRowSerializer(many=True)


class ExportJobSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    file_format = serializers.CharField()
    parameters = serializers.DictField()
    status = serializers.ChoiceField(choices=ExportStatus.values)
    progress = serializers.IntegerField()
    row_count = serializers.IntegerField()
    error = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(allow_null=True)
    download = serializers.CharField(allow_null=True, help_text="The file's address once ready.")


class ExportBody(serializers.Serializer):
    """The statistics page's export form, as JSON (the range and filters as on its page)."""

    kind = serializers.ChoiceField(choices=ExportKind.values)
    file_format = serializers.ChoiceField(choices=ExportFormat.values)
    start = serializers.CharField(required=False, help_text="YYYY-MM")
    end = serializers.CharField(required=False, help_text="YYYY-MM")
    aid_type = serializers.IntegerField(required=False, allow_null=True)
    governorate = serializers.IntegerField(required=False, allow_null=True)
    organisation = serializers.IntegerField(required=False, allow_null=True)
    basis = serializers.CharField(required=False)
    state = serializers.CharField(required=False)
    overdue = serializers.BooleanField(required=False)
