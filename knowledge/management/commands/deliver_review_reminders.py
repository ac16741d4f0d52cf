"""Deliver the knowledge base's review reminders now (the beat does it every morning), e.g. after
changing review dates in bulk; --dry-run lists what would be delivered."""

from django.core.management.base import BaseCommand

from knowledge.reminders import deliver_review_reminders, review_reminders


class Command(BaseCommand):
    help = "Put review-due knowledge entries into their units' inboxes (知识条目待复核提醒)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="list, change nothing")

    def handle(self, *args, dry_run=False, **options):
        if dry_run:
            for notice in review_reminders():
                self.stdout.write(f"{notice.key} → unit {notice.to.unit_id}")
            return
        self.stdout.write(f"delivered {deliver_review_reminders()} reminder(s)")
