from django.apps import AppConfig


class DispatchConfig(AppConfig):
    name = "dispatch"
    verbose_name = "派单 (Dispatch)"

    def ready(self) -> None:
        # The ticket page, the action endpoints and the menu render what the apps register.
        from dispatch import actions, navigation

        actions.register()
        navigation.register()
