from django.contrib import admin

from notifications.models import Notification


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "kind",
        "recipient",
        "created_at",
        "read_at",
        "sms_status",
        "email_status",
    )
    list_filter = ("kind", "sms_status", "email_status")
    raw_id_fields = ("recipient", "aid_request")
    readonly_fields = ("created_at", "attempts", "last_error")
    ordering = ("-created_at",)
