"""The rollups' "duplicates prevented" now count ``dedup.PreventedDuplicate`` rows (once per
refused request and conflicting case) instead of every blocked attempt: the old figures are
wrong for every month, so the next refresh is a full rebuild (``RollupState.started_at``
cleared) and the applied "blocked" events, ids of the other table, are forgotten."""

from django.db import migrations, models


def rebuild_next_time(apps, schema_editor):
    apps.get_model("reports", "AppliedEvent").objects.filter(kind="blocked").delete()
    apps.get_model("reports", "RollupState").objects.update(started_at=None)


class Migration(migrations.Migration):

    dependencies = [
        ('reports', '0005_indexes_for_monthly_rollups'),
        ('dedup', '0004_prevented_duplicates_from_attempts'),
    ]

    operations = [
        migrations.AlterField(
            model_name='appliedevent',
            name='kind',
            field=models.CharField(choices=[('committed', "commitment reserved (a claim when the applicant's)"), ('released', 'commitment released'), ('closure', 'closure'), ('release', 'release by the deadline'), ('payment', 'payment'), ('prevented', 'prevented duplicate')], max_length=10, verbose_name='kind'),
        ),
        migrations.RunPython(rebuild_next_time, migrations.RunPython.noop),
    ]
