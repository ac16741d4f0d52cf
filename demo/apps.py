from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    # The top of the import graph: the demo city is built through every app's services.
    name = "demo"
    verbose_name = _("演示数据")
