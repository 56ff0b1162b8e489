"""The booking system's records move to the bookings app (bookings/migrations/0001 takes
them up).

Here each table is renamed to bookings' name and the model leaves services' state. Nothing
is copied or dropped: every row keeps its id, every foreign key keeps pointing at the same
row, the named constraints keep their names, and the content types, which bookings/0001
relabels, keep their permissions.
"""

from django.db import migrations

MOVED = ("bookingrequest", "bookingevent", "notification", "calendarfeed")


class Migration(migrations.Migration):
    dependencies = [
        ("services", "0012_quarantine_keeps_no_health_notes"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[
                migrations.AlterModelTable(model, f"bookings_{model}") for model in MOVED
            ],
            state_operations=[
                # What points at a booking request leaves before it.
                migrations.DeleteModel("BookingEvent"),
                migrations.DeleteModel("Notification"),
                migrations.DeleteModel("BookingRequest"),
                migrations.DeleteModel("CalendarFeed"),
            ],
        ),
    ]
