"""Writes of the hotspots part: the daily record, and the rules' versions."""

from datetime import date, timedelta

from django.db import transaction
from django.utils import timezone

from analysis.hotspots.detection import Period, detect
from analysis.models import HotspotRecord, HotspotSettings, HotspotSettingsVersion


def record_day(day: date | None = None) -> int:
    """Record the hotspots of ``day`` (default: yesterday, the last whole day) over the rules'
    ``record_window_days`` ending that day. Idempotent: a second run of the same day replaces
    that day's rows in one transaction, so a retried or doubled beat run leaves one set."""
    day = day or (timezone.localdate() - timedelta(days=1))
    rules = HotspotSettings.current()
    detection = detect(Period(day, rules.record_window_days), rules)
    now = timezone.now()
    rows = [
        HotspotRecord(
            day=day,
            period_days=rules.record_window_days,
            kind=h.kind,
            category_id=h.category_id,
            region_id=h.region_id,
            spot=h.spot[:200],
            count=h.count,
            expected=round(h.expected, 3),
            score=h.score,
            p_value=h.p_value,
            recorded_at=now,
        )
        for h in detection.hotspots
    ]
    with transaction.atomic():
        HotspotRecord.objects.filter(day=day).delete()
        HotspotRecord.objects.bulk_create(rows)
    return len(rows)


def settings_saved(*, rules: HotspotSettings, previous: dict | None, actor) -> None:
    """The admin saved the rules: keep who and when, and the values they replaced."""
    if previous is not None and previous != rules.values():
        HotspotSettingsVersion.objects.create(
            changed_at=timezone.now(), changed_by=actor, values=previous
        )
    HotspotSettings.objects.filter(pk=rules.pk).update(updated_by=actor)
