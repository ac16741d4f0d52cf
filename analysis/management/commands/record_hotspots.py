"""python manage.py record_hotspots [--day YYYY-MM-DD] [--backfill N]: what the daily beat task
does, by hand — e.g. after importing years of history, so the page knows when each hotspot
started. Each day is recorded (or re-recorded) on its own; re-running is safe."""

from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from analysis.hotspots import services


class Command(BaseCommand):
    help = "Record the hotspots of a day (default yesterday), or of the N days up to it."

    def add_arguments(self, parser):
        parser.add_argument("--day", help="YYYY-MM-DD (default: yesterday)")
        parser.add_argument("--backfill", type=int, default=1, help="days up to --day (1..366)")

    def handle(self, *args, day=None, backfill=1, **options):
        yesterday = timezone.localdate() - timedelta(days=1)
        try:
            last = date.fromisoformat(day) if day else yesterday
        except ValueError as error:
            raise CommandError(f"--day: {error}") from error
        if last > yesterday:
            raise CommandError("--day must be a day that has ended (yesterday at the latest)")
        if not 1 <= backfill <= 366:
            raise CommandError("--backfill must be between 1 and 366")
        for back in range(backfill - 1, -1, -1):
            current = last - timedelta(days=back)
            recorded = services.record_day(current)
            self.stdout.write(f"{current}: {recorded} hotspots")
