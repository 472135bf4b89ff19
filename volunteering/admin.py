"""Paid volunteering in the Django admin: read-only, since every change goes through the
services (seats, the stipend aid, hours and payments are kept together by them)."""

from django.contrib import admin
from django.http import HttpRequest

from volunteering.models import Application, HourLog, Opportunity, Preference


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Opportunity)
class OpportunityAdmin(ReadOnlyAdmin):
    list_display = ["title_en", "organisation", "governorate", "starts_on", "ends_on", "seats"]
    list_filter = ["kind", "governorate"]


@admin.register(Application)
class ApplicationAdmin(ReadOnlyAdmin):
    list_display = ["opportunity", "applicant", "status", "applied_at"]
    list_filter = ["status"]
    raw_id_fields = ["opportunity", "applicant", "aid_request", "decided_by"]


@admin.register(HourLog)
class HourLogAdmin(ReadOnlyAdmin):
    list_display = ["application", "week", "hours", "status"]
    list_filter = ["status"]


@admin.register(Preference)
class PreferenceAdmin(ReadOnlyAdmin):
    list_display = ["applicant", "prefers_volunteering", "updated_at"]
