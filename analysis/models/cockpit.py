"""What the leaders' cockpit stores: the city's map and the daily volume rollup.

The rollup exists for speed: at 2,000,000 tickets a year, counting a year of tickets by day,
channel, category and region on every page view costs seconds; one row per day and key costs
milliseconds. Today is never rolled up (it is counted live from the tickets), so the cockpit's
numbers are current; past days are rolled up on first use and refreshed nightly by the beat
(``analysis.tasks.refresh_volume_rollup``), which catches late reclassifications.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _


class CityMap(models.Model):
    """The city's district and street boundaries, as a GeoJSON FeatureCollection.

    Every feature names the region it draws in its properties: ``region_id`` (the Region's id) or
    ``full_name`` (as ``GET /api/regions/`` shows it, e.g. "滨江区 › 江滩街道"). Features of
    districts and streets may overlap (a district is the union of its streets): the cockpit draws
    one level at a time. The active map is the one the cockpit shows.
    """

    name = models.CharField(_("名称"), max_length=80)
    geojson = models.JSONField(_("GeoJSON"))
    is_active = models.BooleanField(_("启用"), default=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("城市地图")
        verbose_name_plural = _("城市地图")
        constraints = [
            models.UniqueConstraint(
                fields=["is_active"],
                condition=models.Q(is_active=True),
                name="citymap_one_active",
                violation_error_message=_("只能启用一张城市地图"),
            )
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        # Imported here: the validator reads regions (workorders) and must not load at import.
        from analysis.geo import GeoJSONError, features_by_region

        try:
            features_by_region(self.geojson)
        except GeoJSONError as error:
            raise ValidationError({"geojson": error.messages}) from error


class DailyVolume(models.Model):
    """Tickets registered on one local day, per channel, per category and per street.

    ``key`` is the channel value, the category id or the region id (the ticket's street, or its
    district or the city when it has no street); "" for tickets without a category or region and
    for the day's total.
    """

    class Dimension(models.TextChoices):
        TOTAL = "total", _("合计")
        CHANNEL = "channel", _("渠道")
        CATEGORY = "category", _("分类")
        REGION = "region", _("区域")

    day = models.DateField()
    dimension = models.CharField(max_length=10, choices=Dimension.choices)
    key = models.CharField(max_length=20, blank=True)
    count = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["dimension", "day", "key"], name="dailyvolume_unique_key"
            )
        ]
        # The unique index (dimension, day, key) serves every cockpit read: one dimension over
        # a range of days.

    def __str__(self) -> str:
        return f"{self.day} {self.dimension} {self.key}: {self.count}"


class RolledUpDay(models.Model):
    """A past day whose DailyVolume rows are complete (written in the same transaction)."""

    day = models.DateField(primary_key=True)
    computed_at = models.DateTimeField()
    total = models.PositiveIntegerField()
    # Raised each time the day is recomputed: part of the cache key of the sums read from it.
    version = models.PositiveIntegerField(default=1)

    def __str__(self) -> str:
        return f"{self.day}: {self.total}"
