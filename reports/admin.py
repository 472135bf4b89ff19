from django.contrib import admin

from reports.models import ExportJob, MonthlyFigures, PeriodicJobRun, RollupState, WorkerHeartbeat


@admin.register(WorkerHeartbeat)
class WorkerHeartbeatAdmin(admin.ModelAdmin):
    list_display = ["worker", "beat_at"]


@admin.register(PeriodicJobRun)
class PeriodicJobRunAdmin(admin.ModelAdmin):
    list_display = ["task", "started_at", "finished_at", "outcome", "duration", "runs"]

    def has_change_permission(self, request, obj=None):  # written by the task signals only
        return False


@admin.register(RollupState)
class RollupStateAdmin(admin.ModelAdmin):
    list_display = ["started_at", "finished_at", "full_at", "days_refreshed", "version"]

    def has_change_permission(self, request, obj=None):  # derived data: never edited by hand
        return False


@admin.register(MonthlyFigures)
class MonthlyFiguresAdmin(admin.ModelAdmin):
    list_display = ["month", "aid_type", "governorate", "claims", "payments_amount"]
    list_filter = ["aid_type"]
    date_hierarchy = "month"

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(ExportJob)
class ExportJobAdmin(admin.ModelAdmin):
    list_display = ["pk", "requested_by", "kind", "file_format", "status", "row_count"]
    list_filter = ["status", "kind"]

    def has_change_permission(self, request, obj=None):
        return False
