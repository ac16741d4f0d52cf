from django.apps import AppConfig


class DemoConfig(AppConfig):
    # The top of the import graph: the demo city is built through every app's services.
    name = "demo"
    verbose_name = "演示数据 (Demo data)"
