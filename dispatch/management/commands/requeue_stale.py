"""Re-queue tickets left in "registered" because the broker or the worker was down.

Celery beat runs the same sweep every minute; this command is for operators after an outage.
"""

from django.core.management.base import BaseCommand

from dispatch.services import requeue_stale_registered


class Command(BaseCommand):
    help = "Re-queue classification of tickets stuck in 'registered' (重新排队滞留工单)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="list, change nothing")

    def handle(self, *args, dry_run=False, **options):
        ids = requeue_stale_registered(dry_run=dry_run)
        verb = "would re-queue" if dry_run else "re-queued"
        self.stdout.write(f"{verb} {len(ids)} ticket(s)")
