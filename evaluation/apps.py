from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EvaluationConfig(AppConfig):
    name = "evaluation"
    verbose_name = _("回访与考核")

    def ready(self) -> None:
        # The ticket page, the action endpoints and the menu render what the apps register.
        from evaluation import actions, navigation, panels, selectors
        from workorders.registry import register_kept_tickets

        actions.register()
        panels.register()
        navigation.register()
        # A unit keeps reading the tickets its evaluation counts after its assignment ended.
        register_kept_tickets(selectors.tickets_scored_for)
