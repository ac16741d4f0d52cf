"""Record every change of deadline light since the last sweep, once, and queue notifications.

Celery beat runs the same sweep every minute (workorders.tasks.sweep_deadlines); this command is
for operators: see what a sweep would do (--dry-run), or catch up by hand after an outage.
Running it while beat also runs is safe: each change is recorded exactly once.
"""

from django.core.management.base import BaseCommand

from workorders.lights import DEADLINE_LABELS
from workorders.models import Light
from workorders.services.deadline_sweep import sweep_deadlines


class Command(BaseCommand):
    help = "Record changes of deadline lights once and queue notifications (--dry-run to preview)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="show what would be recorded; write nothing"
        )

    def handle(self, *args, dry_run: bool = False, **options):
        result = sweep_deadlines(dry_run=dry_run)
        for change in result.preview:
            light = "红灯" if change.light == Light.RED else "黄灯"
            self.stdout.write(
                f"{change.number} {DEADLINE_LABELS[change.deadline]} {light} "
                f"(due {change.due_at:%Y-%m-%d %H:%M})"
            )
        prefix = "[dry run] would record" if dry_run else "recorded"
        self.stdout.write(
            f"{prefix}: {result.yellow} yellow, {result.red} red "
            f"in {result.checked} tickets checked; {result.notifications} notifications queued"
        )
        if result.backfilled:
            verb = "would start" if dry_run else "started"
            self.stdout.write(f"{verb} the dispatch clock of {result.backfilled} waiting tickets")
