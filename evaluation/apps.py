from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "evaluation"
    verbose_name = "回访与考核 (Follow-up and evaluation)"

    def ready(self) -> None:
        # The ticket page, the action endpoints and the menu render what the apps register.
        from evaluation import actions, navigation, panels

        actions.register()
        panels.register()
        navigation.register()
