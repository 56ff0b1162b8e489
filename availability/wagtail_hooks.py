from wagtail import hooks
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .dashboard import BusyCalendarPanel, busy_calendar_trouble
from .models import TimeOff


class TimeOffViewSet(SnippetViewSet):
    model = TimeOff
    icon = "date"
    menu_label = "Time off"
    menu_order = 250
    add_to_admin_menu = True
    list_display = ["reason", "first_day", "from_time", "last_day", "until_time"]
    ordering = ["-first_day"]


register_snippet(TimeOffViewSet)


@hooks.register("construct_homepage_panels")
def add_busy_calendar_panel(request, panels):
    if request.user.has_perm("availability.change_availabilitysettings"):
        trouble = busy_calendar_trouble()
        if trouble:
            panels.append(BusyCalendarPanel(trouble))
