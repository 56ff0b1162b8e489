from django.apps import AppConfig

from bookings import client_link


class ServicesConfig(AppConfig):
    name = "services"

    def ready(self):
        # The client's own link (bookings.client_link) is served by the booking page's route.
        client_link.serve_links_from(self.get_model("BookingPage"))
