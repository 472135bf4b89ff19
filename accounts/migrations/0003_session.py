"""Sessions move to accounts' own table, which keeps the id of the user signed in to each one
(issue 19: the session and its user read in one statement). Live sessions are moved over with
their user's id read from their data, so nobody is signed out by the upgrade; the old table is
left empty (``django.contrib.sessions`` stays installed for its ``clearsessions`` command)."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


BATCH = 2000


def move_sessions(apps, schema_editor):
    # Django signs a session's data with its store's class name: the portal's store, like
    # Django's own, is called SessionStore.
    from django.contrib.sessions.backends.db import SessionStore
    from django.utils import timezone

    old = apps.get_model("sessions", "Session")
    new = apps.get_model("accounts", "Session")
    using = schema_editor.connection.alias
    decoder = SessionStore()
    live = old.objects.using(using).filter(expire_date__gt=timezone.now()).order_by("pk")
    batch = []
    for session in live.iterator(chunk_size=BATCH):
        try:
            user_id = int(decoder.decode(session.session_data)["_auth_user_id"])
        except (KeyError, TypeError, ValueError):
            user_id = None
        batch.append(
            new(
                session_key=session.session_key,
                session_data=session.session_data,
                expire_date=session.expire_date,
                user_id=user_id,
            )
        )
        if len(batch) >= BATCH:
            new.objects.using(using).bulk_create(batch)
            batch = []
    new.objects.using(using).bulk_create(batch)
    old.objects.using(using).all().delete()


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0002_mobile_verified'),
        ('sessions', '0001_initial'),
    ]

    operations = [
        migrations.CreateModel(
            name='Session',
            fields=[
                ('session_key', models.CharField(max_length=40, primary_key=True, serialize=False, verbose_name='session key')),
                ('session_data', models.TextField(verbose_name='session data')),
                ('expire_date', models.DateTimeField(db_index=True, verbose_name='expire date')),
                ('user', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='user')),
            ],
            options={
                'verbose_name': 'session',
                'verbose_name_plural': 'sessions',
                'abstract': False,
            },
        ),
        migrations.RunPython(move_sessions, migrations.RunPython.noop, elidable=True),
    ]
