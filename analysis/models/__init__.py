"""Models of the analysis app, one module per part (hotspots, proactive work, monthly topics,
cockpit); each part adds its import line here."""

from analysis.models.cockpit import CityMap, DailyVolume, RolledUpDay
from analysis.models.hotspots import (
    HotspotKind,
    HotspotRecord,
    HotspotSettings,
    HotspotSettingsVersion,
)
from analysis.models.proactive import ProactiveLink
from analysis.models.topics import MonthlyTopic, TopicProblem, TopicProblemNote

__all__ = [
    "CityMap",
    "DailyVolume",
    "HotspotKind",
    "HotspotRecord",
    "HotspotSettings",
    "HotspotSettingsVersion",
    "MonthlyTopic",
    "ProactiveLink",
    "RolledUpDay",
    "TopicProblem",
    "TopicProblemNote",
]
