from django.contrib import admin

from aid_requests.models import AidRequest, AidType


@admin.register(AidType)
class AidTypeAdmin(admin.ModelAdmin):
    list_display = ["code", "name_ar", "name_en", "scope", "coverage_months", "max_amount"]


@admin.register(AidRequest)
class AidRequestAdmin(admin.ModelAdmin):
    # Read-only here: status changes go through aid_requests.services.lifecycle, never the admin.
    list_display = ["id", "aid_type", "status", "governorate", "need_score", "submitted_at"]
    list_filter = ["status", "aid_type", "governorate"]
    list_select_related = ["aid_type", "governorate"]

    def has_change_permission(self, request, obj=None):
        return False
