"""The default table of which aid types each kind of gift may fund, for the aid types already in
the catalogue (``donations/rules.py`` says the rule); the ministry edits it in the admin."""

from django.db import migrations

from donations.rules import default_pairs


def forward(apps, schema_editor):
    AidType = apps.get_model("aid_requests", "AidType")
    GiftKindAidType = apps.get_model("donations", "GiftKindAidType")
    for kind, aid_type_id in default_pairs(AidType.objects.all()):
        GiftKindAidType.objects.get_or_create(kind=kind, aid_type_id=aid_type_id)


class Migration(migrations.Migration):
    dependencies = [("donations", "0002_ledger"), ("aid_requests", "0010_screening_income")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
