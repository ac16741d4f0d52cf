from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    name = "knowledge"
    verbose_name = _("知识库")

    def ready(self) -> None:
        # The desk, the ticket page, the workbench and the menu render what the apps register.
        from knowledge import plugins

        plugins.register()
