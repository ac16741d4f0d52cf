"""Deliver the knowledge base's review reminders now (the beat does it every morning), e.g. after
changing review dates in bulk; --dry-run lists what would be delivered."""

from django.core.management.base import BaseCommand

from knowledge.reminders import deliver_review_reminders, review_reminders
from workorders.models import InboxItem


class Command(BaseCommand):
    help = "Put review-due knowledge entries into their units' inboxes (知识条目待复核提醒)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="list, change nothing")

    def handle(self, *args, dry_run=False, **options):
        if dry_run:
            notices = review_reminders()
            delivered = set(
                InboxItem.objects.filter(key__in=[n.key for n in notices]).values_list(
                    "key", flat=True
                )
            )
            for notice in notices:
                if notice.key not in delivered:
                    self.stdout.write(f"would deliver {notice.key} to unit {notice.to.unit_id}")
            return
        self.stdout.write(f"delivered {deliver_review_reminders()} reminder(s)")
