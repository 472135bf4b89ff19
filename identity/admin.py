from django.contrib import admin

from identity.models import VerificationAttempt


@admin.register(VerificationAttempt)
class VerificationAttemptAdmin(admin.ModelAdmin):
    """Read-only: attempts change only through identity.services."""

    list_display = ("id", "provider", "status", "reason", "created_at", "finished_at")
    list_filter = ("provider", "status", "reason")
    date_hierarchy = "created_at"
    exclude = ("civil_id", "code_verifier", "nonce")
    readonly_fields = (
        "user",
        "provider",
        "status",
        "reason",
        "provider_reference",
        "match_code",
        "created_at",
        "expires_at",
        "finished_at",
        "evidence",
        "client_ip",
    )

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
