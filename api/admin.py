from django.contrib import admin
from django.http import HttpRequest

from api.models import ApiClient, ApiToken


class ReadOnlyAdmin(admin.ModelAdmin):
    """Read-only: clients and tokens are written by ``api.services`` only (audited)."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(ApiClient)
class ApiClientAdmin(ReadOnlyAdmin):
    list_display = ["name", "organisation", "rate_limit", "created_at", "revoked_at"]
    raw_id_fields = ["organisation", "user", "created_by"]


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ["prefix", "client", "expires_at", "last_used_at", "revoked_at"]
    exclude = ["secret_hash"]
    raw_id_fields = ["client"]
