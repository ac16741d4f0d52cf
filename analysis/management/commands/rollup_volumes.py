"""Recompute the cockpit's daily volume rollup (analysis.rollup).

The beat refreshes the last COCKPIT_ROLLUP_REFRESH_DAYS days every night and the cockpit rolls up
missing days on first use; run this after changing old tickets in bulk (an import of history, a
mass reclassification), e.g. ``rollup_volumes --since 2024-01-01``.
"""

from datetime import date, timedelta

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from analysis import rollup
from analysis.models import RolledUpDay


class Command(BaseCommand):
    help = "重新计算领导驾驶舱的每日诉求量汇总 (recompute the cockpit's daily volume rollup)"

    def add_arguments(self, parser):
        parser.add_argument("--since", help="first day to recompute, YYYY-MM-DD")
        parser.add_argument(
            "--days", type=int, help="recompute this many past days (default: the setting)"
        )
        parser.add_argument("--dry-run", action="store_true", help="say what would be recomputed")

    def handle(self, *args, since=None, days=None, dry_run=False, **options):
        today = timezone.localdate()
        if since:
            try:
                start = date.fromisoformat(since)
            except ValueError as error:
                raise CommandError(f"--since: {error}") from error
        else:
            from django.conf import settings

            start = today - timedelta(days=days or settings.COCKPIT_ROLLUP_REFRESH_DAYS)
        end = today - timedelta(days=1)
        if start > end:
            raise CommandError("nothing to recompute: --since must be before today")
        if dry_run:
            stored = RolledUpDay.objects.filter(day__gte=start, day__lte=end).count()
            self.stdout.write(f"would recompute {start} … {end} ({stored} days stored now)")
            return
        written = rollup.rollup_days(start, end)
        self.stdout.write(f"recomputed {written} days ({start} … {end})")
