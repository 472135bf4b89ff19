"""The ministry's admin: agencies and their benefits are edited here; records and imports are
read-only (only an import writes them)."""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from benefits.models import Agency, AidTypeBenefitRule, BenefitKind, BenefitRecord, ImportBatch


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
