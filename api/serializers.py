"""What the API sends and accepts, as DRF serializers: read-only shapes of the answers, and the
request bodies for the schema. The bodies are checked by the pages' own forms
(``charities.forms``), so a field is refused with the same message as on the page."""

from __future__ import annotations

from rest_framework import serializers

from aid_requests.models import PaymentMethod


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
