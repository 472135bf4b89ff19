"""The two agencies of issue 14 and a few of their benefits; the ministry adds others in the
admin."""

from django.db import migrations

AGENCIES = {
    "social_security": (
        "المؤسسة العامة للتأمينات الاجتماعية",
        "Public Institution for Social Security",
        {
            "retirement_pension": ("معاش تقاعدي", "Retirement pension"),
            "disability_allowance": ("بدل عجز", "Disability allowance"),
            "family_allowance": ("علاوة أولاد", "Family allowance"),
        },
    ),
    "social_welfare": (
        "إدارة المساعدات العامة",
        "Social Welfare (public assistance)",
        {
            "monthly_assistance": ("مساعدة شهرية", "Monthly assistance"),
            "housing_allowance": ("بدل إيجار", "Housing allowance"),
        },
    ),
}


def create_agencies(apps, schema_editor):
    Agency = apps.get_model("benefits", "Agency")
    BenefitKind = apps.get_model("benefits", "BenefitKind")
    for code, (name_ar, name_en, kinds) in AGENCIES.items():
        agency, _ = Agency.objects.get_or_create(
            code=code, defaults={"name_ar": name_ar, "name_en": name_en}
        )
        for kind_code, (kind_ar, kind_en) in kinds.items():
            BenefitKind.objects.get_or_create(
                agency=agency, code=kind_code, defaults={"name_ar": kind_ar, "name_en": kind_en}
            )


class Migration(migrations.Migration):

    dependencies = [("benefits", "0001_initial")]

    operations = [migrations.RunPython(create_agencies, migrations.RunPython.noop)]
