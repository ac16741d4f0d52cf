"""Run the follow-up sweep once (the beat task runs it every 5 minutes).

Why it exists: to open follow-up rounds a lost task missed and to close tickets whose follow-up
window ended ("回访期满") by hand — after a broker outage, or to see what would happen
(--dry-run).
"""

import json

from django.core.management.base import BaseCommand

from evaluation.services import sweep_follow_ups


class Command(BaseCommand):
    help = "回访清理：补发回访、回访期满归档 (open missed follow-ups, close expired ones)"

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="count only, change nothing")

    def handle(self, *args, dry_run: bool, **options):
        result = sweep_follow_ups(dry_run=dry_run)
        self.stdout.write(json.dumps({"dry_run": dry_run, **result.as_dict()}))
