"""The ministry's admin: agencies and their benefits are edited here; records and imports are
read-only (only an import writes them)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse

from benefits.models import Agency, AidTypeBenefitRule, BenefitKind, BenefitRecord, ImportBatch
from benefits.rules import benefit_rule_remove, benefit_rule_set


class BenefitKindInline(admin.TabularInline):
    model = BenefitKind
    extra = 0


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["code", "name_ar", "name_en", "is_active"]
    list_filter = ["is_active"]
    inlines = [BenefitKindInline]


@admin.register(AidTypeBenefitRule)
class AidTypeBenefitRuleAdmin(admin.ModelAdmin):
    """Per aid type, which benefits exclude it and which count as verified income."""

    list_display = ["aid_type", "kind", "effect"]
    list_filter = ["effect", "aid_type", "kind__agency"]
    list_select_related = ["aid_type", "kind", "kind__agency"]
    # One rule at a time: each change runs the rule's service (its state commitments follow).
    actions = None

    # The admin wraps its add, change and delete views in a transaction; the services run
    # their own (durable) one, so the views run without it: the service is their one write
    # (with the admin's own history entry after it).
    def changeform_view(
        self,
        request: HttpRequest,
        object_id: str | None = None,
        form_url: str = "",
        extra_context: dict[str, Any] | None = None,
    ) -> HttpResponse:
        return self._changeform_view(request, object_id, form_url, extra_context)  # type: ignore[attr-defined]

    def delete_view(
        self, request: HttpRequest, object_id: str, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        return self._delete_view(request, object_id, extra_context)  # type: ignore[attr-defined]

    def save_model(
        self, request: HttpRequest, obj: AidTypeBenefitRule, form: ModelForm, change: bool
    ) -> None:
        rule = benefit_rule_set(
            actor=request.user,  # type: ignore[arg-type]  # the admin is signed in
            aid_type_id=obj.aid_type_id,
            kind_id=obj.kind_id,
            effect=obj.effect,
            rule_id=obj.pk if change else None,
        )
        obj.pk = rule.pk

    def delete_model(self, request: HttpRequest, obj: AidTypeBenefitRule) -> None:
        benefit_rule_remove(actor=request.user, rule_id=obj.pk)  # type: ignore[arg-type]

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[AidTypeBenefitRule]) -> None:
        for rule in queryset.order_by("pk"):
            self.delete_model(request, rule)


@admin.register(BenefitKind)
class BenefitKindAdmin(admin.ModelAdmin):
    list_display = ["code", "agency", "name_ar", "name_en"]
    list_filter = ["agency"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Read-only: these rows are written by ``benefits.services`` only."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(BenefitRecord)
class BenefitRecordAdmin(ReadOnlyAdmin):
    list_display = [
        "civil_id",
        "agency",
        "kind",
        "monthly_amount",
        "start_date",
        "end_date",
        "reference",
    ]
    list_filter = ["agency"]
    search_fields = ["=civil_id", "=reference"]
    list_select_related = ["agency", "kind"]


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyAdmin):
    list_display = [
        "file_name",
        "started_at",
        "status",
        "dry_run",
        "rows_done",
        "rows_total",
        "created_count",
        "updated_count",
        "unchanged_count",
        "ended_count",
        "error_count",
    ]
    list_filter = ["status", "dry_run"]
