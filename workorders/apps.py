from django.apps import AppConfig


class WorkordersConfig(AppConfig):
    name = "workorders"
    verbose_name = "工单 (Tickets)"

    def ready(self) -> None:
        # The ticket page, the action endpoints and the menu render what the apps register.
        from workorders import actions, navigation, panels

        actions.register()
        panels.register()
        navigation.register()
