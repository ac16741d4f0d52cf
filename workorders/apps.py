from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorkordersConfig(AppConfig):
    name = "workorders"
    verbose_name = _("工单")

    def ready(self) -> None:
        # The ticket page, the action endpoints and the menu render what the apps register.
        from workorders import actions, hand_offs, inbox, navigation, panels
        from workorders.services.images import set_pillow_limit

        set_pillow_limit()

        actions.register()
        hand_offs.register()
        panels.register()
        navigation.register()
        inbox.register()
