from django.contrib import admin

from applicants.models import (
    ApplicantProfile,
    Document,
    Governorate,
    HouseholdMember,
    IncomeSource,
    MonthlyObligation,
    PossibleDuplicate,
    ProfileChange,
)


@admin.register(Governorate)
class GovernorateAdmin(admin.ModelAdmin):
    list_display = ["code", "name_ar", "name_en"]


class _ReadOnlyInline(admin.TabularInline):
    """What the applicant declared: changed only by the applicant, through the services."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class HouseholdMemberInline(_ReadOnlyInline):
    model = HouseholdMember
    fields = ["civil_id", "name", "kinship", "birth_date", "has_disability", "is_student"]


class IncomeSourceInline(_ReadOnlyInline):
    model = IncomeSource
    fields = ["kind", "amount", "description", "created_at"]


class MonthlyObligationInline(_ReadOnlyInline):
    model = MonthlyObligation
    fields = ["kind", "amount", "description", "created_at"]


class DocumentInline(_ReadOnlyInline):
    model = Document
    # No file link: files are served only by the permission-checked, audited download view.
    fields = ["kind", "original_name", "content_type", "size", "uploaded_at"]


class _ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ApplicantProfile)
class ApplicantProfileAdmin(_ReadOnlyAdmin):
    """Read-only. The applicant changes the profile through the profile pages (services keep
    the history after a claim); the protected flag is set on the ministry's applicant page
    (``applicant_protection_set``: ministry administrators, with a reason, audited)."""

    list_display = ["name_ar", "governorate", "is_protected", "consented_at"]
    list_filter = ["is_protected", "governorate"]
    list_select_related = ["governorate"]
    inlines = [HouseholdMemberInline, IncomeSourceInline, MonthlyObligationInline, DocumentInline]


@admin.register(PossibleDuplicate)
class PossibleDuplicateAdmin(_ReadOnlyAdmin):
    """For the ministry: a person listed in two households (review happens in a later issue)."""

    list_display = ["civil_id", "profile", "other_applicant", "status", "detected_at"]
    list_filter = ["status"]
    list_select_related = ["profile", "other_applicant"]
    search_fields = ["civil_id"]


@admin.register(ProfileChange)
class ProfileChangeAdmin(_ReadOnlyAdmin):
    list_display = ["profile", "model", "kind", "field", "changed_at", "changed_by"]
    list_filter = ["model", "kind"]
    list_select_related = ["profile", "changed_by"]
