from django.contrib import admin

from webhooks.models import WebhookEndpoint


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ("url", "organisation_id", "is_active", "created_at")
    exclude = ("secret",)
    readonly_fields = ("organisation_id", "url", "events", "created_by", "created_at")
