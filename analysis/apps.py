from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalysisConfig(AppConfig):
    """From answering to governing: history import, hotspots (四高), proactive work (未诉先办),
    the monthly topic (每月一题) and the leaders' cockpit (领导驾驶舱)."""

    name = "analysis"
    verbose_name = _("分析与治理")

    def ready(self) -> None:
        # Each part registers its cockpit sections, menu entries and actions in its own module.
        from analysis import navigation
        from analysis.hotspots import registration as hotspots
        from analysis.proactive import cockpit as proactive_cockpit
        from analysis.proactive import panels as proactive_panels
        from analysis.proactive import services as proactive_services
        from analysis.topics import cockpit as topic_cockpit

        proactive_services.register()
        proactive_panels.register()
        proactive_cockpit.register()
        topic_cockpit.register()
        hotspots.register()
        navigation.register()
