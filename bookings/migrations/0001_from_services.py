"""The booking system's records, from services (services/migrations/0013 renamed their
tables to this app's names).

Only the state is created here: the tables, their rows and their ids are the ones the site
already has. The content types are relabelled in place, so their permissions, every group and
user granted them, and Wagtail's and Django's log entries keep pointing at the same rows.
"""

import uuid

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import bookings.models

MOVED_MODELS = ("bookingrequest", "bookingevent", "notification", "calendarfeed")


def relabel_content_types(old_app: str, new_app: str):
    def relabel(apps, schema_editor):
        ContentType = apps.get_model("contenttypes", "ContentType")
        for model in MOVED_MODELS:
            if not ContentType.objects.filter(app_label=old_app, model=model).exists():
                continue  # not made yet: content types are made after migrating
            # A row for the new place can only have been made by the new code running before
            # this migration; nothing can be granted under it yet. The old row carries on.
            ContentType.objects.filter(app_label=new_app, model=model).delete()
            ContentType.objects.filter(app_label=old_app, model=model).update(app_label=new_app)

    return relabel


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("services", "0013_booking_records_move_to_bookings"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("wagtailforms", "0005_alter_formsubmission_form_data"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="CalendarFeed",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "token",
                            models.CharField(
                                default=bookings.models.new_calendar_feed_token,
                                max_length=64,
                                unique=True,
                            ),
                        ),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                    ],
                    options={
                        "verbose_name": "calendar feed",
                    },
                ),
                migrations.CreateModel(
                    name="BookingRequest",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "created_at",
                            models.DateTimeField(
                                db_index=True,
                                default=django.utils.timezone.now,
                                verbose_name="received",
                            ),
                        ),
                        ("updated_at", models.DateTimeField(auto_now=True)),
                        (
                            "public_id",
                            models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
                        ),
                        (
                            "calendar_uid",
                            models.CharField(
                                default=bookings.models.new_calendar_uid,
                                editable=False,
                                max_length=255,
                                unique=True,
                            ),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("new", "New"),
                                    ("confirmed", "Confirmed"),
                                    ("declined", "Declined"),
                                    ("cancelled", "Cancelled"),
                                    ("completed", "Completed"),
                                ],
                                db_index=True,
                                default="new",
                                max_length=12,
                            ),
                        ),
                        ("status_changed_at", models.DateTimeField(blank=True, null=True)),
                        ("service_title", models.CharField(max_length=255)),
                        ("session_minutes", models.PositiveSmallIntegerField()),
                        (
                            "session_price",
                            models.DecimalField(decimal_places=2, max_digits=7, null=True),
                        ),
                        ("name", models.CharField(max_length=100)),
                        ("email", models.EmailField(db_index=True, max_length=254)),
                        ("phone", models.CharField(max_length=30)),
                        (
                            "client_type",
                            models.CharField(
                                choices=[("new", "New client"), ("returning", "Returning client")],
                                max_length=10,
                            ),
                        ),
                        ("window_1_start", models.DateTimeField(verbose_name="first choice, from")),
                        ("window_1_end", models.DateTimeField(verbose_name="first choice, until")),
                        (
                            "window_2_start",
                            models.DateTimeField(verbose_name="second choice, from"),
                        ),
                        ("window_2_end", models.DateTimeField(verbose_name="second choice, until")),
                        (
                            "window_3_start",
                            models.DateTimeField(
                                blank=True, null=True, verbose_name="third choice, from"
                            ),
                        ),
                        (
                            "window_3_end",
                            models.DateTimeField(
                                blank=True, null=True, verbose_name="third choice, until"
                            ),
                        ),
                        (
                            "confirmed_window",
                            models.PositiveSmallIntegerField(
                                blank=True,
                                choices=[
                                    (1, "First choice"),
                                    (2, "Second choice"),
                                    (3, "Third choice"),
                                ],
                                help_text="Which of the visitor's times you are confirming.",
                                null=True,
                            ),
                        ),
                        (
                            "appointment_start",
                            models.DateTimeField(
                                blank=True,
                                help_text="The exact start, inside the chosen time. Leave empty to use its start.",
                                null=True,
                            ),
                        ),
                        (
                            "calendar_sequence",
                            models.PositiveIntegerField(default=0, editable=False),
                        ),
                        (
                            "client_link_used_for",
                            models.PositiveIntegerField(blank=True, editable=False, null=True),
                        ),
                        ("notes", models.TextField(blank=True, verbose_name="health notes")),
                        (
                            "notes_consent_at",
                            models.DateTimeField(
                                blank=True, null=True, verbose_name="consent given at"
                            ),
                        ),
                        (
                            "notes_consent_version",
                            models.CharField(
                                blank=True, max_length=40, verbose_name="consent wording version"
                            ),
                        ),
                        (
                            "came_from",
                            models.CharField(
                                blank=True, editable=False, max_length=255, verbose_name="came from"
                            ),
                        ),
                        (
                            "service",
                            models.ForeignKey(
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="booking_requests",
                                to="services.servicepage",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "booking request",
                        "ordering": ["-created_at", "-pk"],
                    },
                ),
                migrations.CreateModel(
                    name="BookingEvent",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "action",
                            models.CharField(
                                choices=[
                                    ("confirmed", "Confirmed"),
                                    ("moved", "Moved"),
                                    ("declined", "Declined"),
                                    ("cancelled", "Cancelled"),
                                    ("completed", "Completed"),
                                    ("client_cancelled", "Cancelled by the client"),
                                    ("client_move", "The client asked for another time"),
                                ],
                                max_length=20,
                            ),
                        ),
                        ("note", models.TextField(blank=True)),
                        ("appointment_start", models.DateTimeField(blank=True, null=True)),
                        ("sequence", models.PositiveIntegerField(default=0)),
                        (
                            "created_at",
                            models.DateTimeField(db_index=True, default=django.utils.timezone.now),
                        ),
                        (
                            "actor",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.SET_NULL,
                                related_name="+",
                                to=settings.AUTH_USER_MODEL,
                            ),
                        ),
                        (
                            "booking",
                            models.ForeignKey(
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="events",
                                to="bookings.bookingrequest",
                            ),
                        ),
                    ],
                    options={
                        "verbose_name": "booking event",
                        "ordering": ["created_at", "pk"],
                    },
                ),
                migrations.CreateModel(
                    name="Notification",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        (
                            "kind",
                            models.CharField(
                                choices=[
                                    ("booking_practice", "New booking request (to the practice)"),
                                    ("booking_ack", "Acknowledgement (to the client)"),
                                    ("booking_confirmed", "Confirmation (to the client)"),
                                    ("booking_declined", "Decline (to the client)"),
                                    ("booking_updated", "New time (to the client)"),
                                    ("booking_cancelled", "Cancellation (to the client)"),
                                    ("booking_thank_you", "Thank-you (to the client)"),
                                    ("booking_reminder", "Reminder the day before (to the client)"),
                                    ("client_cancelled", "Client cancelled (to the practice)"),
                                    ("client_move", "Client asks to move (to the practice)"),
                                    ("contact_practice", "Contact message (to the practice)"),
                                    ("password_reset", "Password reset (to a staff member)"),
                                ],
                                max_length=20,
                            ),
                        ),
                        (
                            "status",
                            models.CharField(
                                choices=[
                                    ("pending", "Not sent yet"),
                                    ("sending", "Sending"),
                                    ("sent", "Sent"),
                                    ("failed", "Failed: needs attention"),
                                    ("skipped", "Not needed any more"),
                                ],
                                db_index=True,
                                default="pending",
                                max_length=10,
                            ),
                        ),
                        ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                        ("attempts", models.PositiveSmallIntegerField(default=0)),
                        (
                            "next_attempt_at",
                            models.DateTimeField(db_index=True, default=django.utils.timezone.now),
                        ),
                        ("claimed_at", models.DateTimeField(blank=True, null=True)),
                        ("sent_at", models.DateTimeField(blank=True, null=True)),
                        ("last_error", models.CharField(blank=True, max_length=300)),
                        ("sequence", models.PositiveIntegerField(default=0)),
                        ("note", models.TextField(blank=True)),
                        ("recipient", models.EmailField(blank=True, max_length=254)),
                        ("subject", models.CharField(blank=True, max_length=300)),
                        ("body", models.TextField(blank=True)),
                        (
                            "booking",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="notifications",
                                to="bookings.bookingrequest",
                            ),
                        ),
                        (
                            "form_submission",
                            models.ForeignKey(
                                blank=True,
                                null=True,
                                on_delete=django.db.models.deletion.CASCADE,
                                related_name="+",
                                to="wagtailforms.formsubmission",
                            ),
                        ),
                    ],
                    options={
                        "ordering": ["created_at", "pk"],
                        "constraints": [
                            models.UniqueConstraint(
                                condition=models.Q(("booking__isnull", False)),
                                fields=("booking", "kind", "sequence"),
                                name="one_notification_of_each_kind_per_booking_version",
                            ),
                            models.UniqueConstraint(
                                condition=models.Q(("form_submission__isnull", False)),
                                fields=("form_submission", "kind"),
                                name="one_notification_of_each_kind_per_submission",
                            ),
                        ],
                    },
                ),
            ],
        ),
        migrations.RunPython(
            relabel_content_types("services", "bookings"),
            relabel_content_types("bookings", "services"),
        ),
    ]
