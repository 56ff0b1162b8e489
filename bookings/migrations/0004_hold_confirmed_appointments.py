"""Every confirmed appointment already stored gets its occupied slots (bookings.occupancy).

Written here with the historical models, as the code stood: one row per 5-minute unit from
the start to the end plus her buffer. Where two existing appointments overlap, both are
kept; the later one simply holds fewer rows, and the clash is printed for her to look at.
"""

import datetime as dt

from django.db import migrations

UNIT = dt.timedelta(minutes=5)
EPOCH = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)


def start_of(booking):
    if booking.appointment_start:
        return booking.appointment_start
    windows = {1: booking.window_1_start, 2: booking.window_2_start, 3: booking.window_3_start}
    return windows.get(booking.confirmed_window)


def hold_confirmed(apps, schema_editor):
    BookingRequest = apps.get_model("bookings", "BookingRequest")
    OccupiedSlot = apps.get_model("bookings", "OccupiedSlot")
    Settings = apps.get_model("availability", "AvailabilitySettings")
    settings = Settings.objects.order_by("pk").first()
    buffer = dt.timedelta(minutes=settings.buffer_minutes if settings else 15)
    held = set(OccupiedSlot.objects.values_list("starts_at", flat=True))
    for booking in BookingRequest.objects.filter(status="confirmed").order_by("pk"):
        start = start_of(booking)
        if start is None:
            continue
        end = start + dt.timedelta(minutes=booking.session_minutes) + buffer
        moment = EPOCH + ((start - EPOCH) // UNIT) * UNIT
        rows, clashes = [], 0
        while moment < end:
            if moment in held:
                clashes += 1
            else:
                held.add(moment)
                rows.append(OccupiedSlot(booking=booking, starts_at=moment))
            moment += UNIT
        OccupiedSlot.objects.bulk_create(rows)
        if clashes:
            print(
                f"\n  Booking request #{booking.pk} overlaps an earlier confirmed appointment "
                f"(or its break): kept, {clashes} of its 5-minute units left to the other."
            )


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0003_occupied_slots"),
        ("availability", "0001_initial"),
    ]

    operations = [migrations.RunPython(hold_confirmed, migrations.RunPython.noop)]
