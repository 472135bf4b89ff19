from django.contrib import admin

from donations.models import GiftKindAidType


@admin.register(GiftKindAidType)
class GiftKindAidTypeAdmin(admin.ModelAdmin):
    """The ministry's table of which aid types each kind of gift may fund."""

    list_display = ("kind", "aid_type")
    list_filter = ("kind",)
