"""Close an evaluation month into its frozen, published snapshot.

Why it exists: the beat task closes last month by itself (EVALUATION_CLOSE_AFTER_DAYS after it
ended); this command is for doing it by hand, for re-closing a published month with a recorded
reason (a new version; the old one stays), and for looking at the figures first (--dry-run).
"""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from evaluation.periods import parse_month, period_for
from evaluation.scoring import KIND_ORDER, ranking_key
from evaluation.services import current_snapshot, month_close, month_compute
from hotline.lib.errors import DomainError


class Command(BaseCommand):
    help = "结算并发布考核月 (close an evaluation month): close_month YYYY-MM [--reason …]"

    def add_arguments(self, parser):
        parser.add_argument("month", help="the month, e.g. 2026-03")
        parser.add_argument(
            "--reason", default="", help="why a published month is closed again (re-close)"
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="compute and print, store nothing"
        )

    def handle(self, *args, month: str, reason: str, dry_run: bool, **options):
        try:
            selected = parse_month(month)
            period = period_for(selected)
            if dry_run:
                figures = month_compute(selected, now=timezone.now())
                self._print(figures.units, figures.totals)
                existing = current_snapshot(selected)
                if existing:
                    self.stdout.write(f"已发布第 {existing.version} 版；重新结算须 --reason")
                self.stdout.write("dry run: nothing stored")
                return
            snapshot = month_close(month=selected, reason=reason)
        except DomainError as error:
            raise CommandError(error.message) from None
        self.stdout.write(
            f"{snapshot.month:%Y-%m} 已结算发布 (closed): version {snapshot.version}, "
            f"{snapshot.scores.count()} units, period {period.first_day} – {period.last_day}"
        )

    def _print(self, units, totals):
        self.stdout.write(
            f"全市 (city): valid {totals['valid']}, composite {totals['composite']}, "
            f"response {totals['response_rate']}, resolution {totals['resolution_rate']}, "
            f"satisfaction {totals['satisfaction_rate']}"
        )
        for kind in KIND_ORDER:
            rows = sorted((u for u in units if u.kind == kind), key=ranking_key)
            for row in rows[:5]:
                self.stdout.write(
                    f"  {kind:<10} #{row.rank or '-':<3} {row.unit_name} {row.composite} "
                    f"(valid {row.valid})"
                )
