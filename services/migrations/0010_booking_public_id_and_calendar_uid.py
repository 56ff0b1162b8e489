"""Every booking gets a name that is never handed out again: ``public_id`` for the client's
link, ``calendar_uid`` for its calendar files.

Existing rows get a random ``public_id`` each (a field default would give them all the
same one), and keep as ``calendar_uid`` the UID their calendar files already carry
(``booking-<id>@<practice name>``), so the events already in clients' calendars go on being
updated and cancelled by the next file.
"""

import uuid

from django.db import migrations, models

import bookings.models

# PracticeSettings' default name: what the UID used where no settings row was ever saved.
DEFAULT_PRACTICE_NAME = "Calm Hands Massage Therapy"


def practice_name(apps) -> str:
    site_model = apps.get_model("wagtailcore", "Site")
    settings_model = apps.get_model("home", "PracticeSettings")
    site = site_model.objects.filter(is_default_site=True).first() or site_model.objects.first()
    row = settings_model.objects.filter(site=site).first() if site else None
    return row.name if row else DEFAULT_PRACTICE_NAME


def name_existing_bookings(apps, schema_editor):
    booking_model = apps.get_model("services", "BookingRequest")
    domain = practice_name(apps).lower().replace(" ", "-")
    bookings = list(booking_model.objects.only("pk"))
    for booking in bookings:
        booking.public_id = uuid.uuid4()
        booking.calendar_uid = f"booking-{booking.pk}@{domain}"
    booking_model.objects.bulk_update(bookings, ["public_id", "calendar_uid"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("home", "0002_initial"),  # PracticeSettings, for the existing UIDs' practice name
        ("services", "0009_booking_came_from"),
    ]

    operations = [
        migrations.AddField(
            model_name="bookingrequest",
            name="public_id",
            field=models.UUIDField(null=True, editable=False),
        ),
        migrations.AddField(
            model_name="bookingrequest",
            name="calendar_uid",
            field=models.CharField(max_length=255, null=True, editable=False),
        ),
        migrations.RunPython(name_existing_bookings, migrations.RunPython.noop, elidable=False),
        migrations.AlterField(
            model_name="bookingrequest",
            name="public_id",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
        migrations.AlterField(
            model_name="bookingrequest",
            name="calendar_uid",
            field=models.CharField(
                default=bookings.models.new_calendar_uid,
                editable=False,
                max_length=255,
                unique=True,
            ),
        ),
    ]
