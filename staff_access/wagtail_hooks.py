from django.urls import reverse
from wagtail import hooks

from . import two_step


@hooks.register("register_admin_urls")
def two_step_sign_in_urls():
    return two_step.admin_urls()


@hooks.register("register_account_menu_item")
def two_step_sign_in_account_item(request):
    return {
        "url": reverse("two_factor_overview"),
        "label": "Two-step sign-in",
        "help_text": "A code from an app on your phone at each sign-in, with backup codes.",
    }


# Last, after the apps' own menu hooks have added their items.
@hooks.register("construct_main_menu", order=1000)
def only_set_up_while_two_steps_are_missing(request, menu_items):
    """Every page leads to the set-up page until it is done: the menu offers none of them."""
    if two_step.step_still_needed(request.user) == "two_factor_set_up":
        menu_items.clear()
