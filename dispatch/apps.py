from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DispatchConfig(AppConfig):
    name = "dispatch"
    verbose_name = _("派单")

    def ready(self) -> None:
        # The ticket page, the action endpoints and the menu render what the apps register.
        from dispatch import actions, navigation, panels

        actions.register()
        navigation.register()
        panels.register()
