from django.contrib import admin
from django.http import HttpRequest

from charities.models import (
    Organisation,
    OrganisationApplication,
    OrganisationStatusChange,
    StaffMembership,
)


class StaffMembershipInline(admin.TabularInline):
    model = StaffMembership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name_ar", "name_en", "kind", "licence_number", "status"]
    list_filter = ["kind", "status"]
    inlines = [StaffMembershipInline]


@admin.register(OrganisationStatusChange)
class OrganisationStatusChangeAdmin(admin.ModelAdmin):
    """Read-only: the history is written by the licensing services only."""

    list_display = ["organisation", "from_status", "to_status", "by", "at"]
    list_filter = ["to_status"]
    raw_id_fields = ["organisation", "by"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(OrganisationApplication)
class OrganisationApplicationAdmin(admin.ModelAdmin):
    list_display = [
        "organisation",
        "manager_email",
        "manager_confirmed_at",
        "manager_email_had_account",
        "submitted_at",
    ]
    list_filter = ["manager_email_had_account"]
    readonly_fields = ["organisation", "submitted_at", "manager_confirmed_at", "ip_address"]
