from django.apps import AppConfig


class BookingsConfig(AppConfig):
    name = "bookings"
    verbose_name = "Bookings"

    def ready(self):
        from availability.taken import read_appointments_from

        from .appointments import confirmed_intervals

        read_appointments_from(confirmed_intervals)
