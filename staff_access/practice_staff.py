"""Who counts as practice staff: the "Practice staff" group and superusers. Only they see
booking requests, contact messages and quarantined posts."""

from wagtail.permission_policies import ModelPermissionPolicy

PRACTICE_STAFF = "Practice staff"


def is_practice_staff(user) -> bool:
    if not user.is_active:
        return False
    if user.is_superuser:
        return True
    return user.groups.filter(name=PRACTICE_STAFF).exists()


class StaffOnlyPolicy(ModelPermissionPolicy):
    """Requests are created only by visitors; only practice staff and superusers see them."""

    def user_has_permission(self, user, action):
        if action == "add" or not is_practice_staff(user):
            return False
        return super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)
