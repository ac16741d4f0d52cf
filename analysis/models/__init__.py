"""Models of the analysis app: one module per part, re-exported here."""

from analysis.models.hotspots import (  # noqa: F401
    HotspotKind,
    HotspotRecord,
    HotspotSettings,
    HotspotSettingsVersion,
)
