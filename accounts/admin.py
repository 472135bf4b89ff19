from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from accounts.models import User


@admin.register(User)
class UserAdmin(DjangoUserAdmin):
    ordering = ["id"]
    list_display = ["id", "full_name", "email", "role", "is_active"]
    list_filter = ["role", "is_active"]
    search_fields = ["full_name", "email"]
    fieldsets = (
        (None, {"fields": ("email", "civil_id", "password")}),
        ("Profile", {"fields": ("full_name", "mobile", "role", "language")}),
        ("Access", {"fields": ("is_active", "is_staff", "is_superuser", "groups")}),
    )
    add_fieldsets = ((None, {"fields": ("email", "role", "password1", "password2")}),)

    def get_readonly_fields(self, request, obj=None):
        # A civil ID is proven by the identity app (identity_verified_at is bound to it): an
        # existing account's number is never changed here, where no check or audit runs.
        return ("civil_id",) if obj is not None else ()
