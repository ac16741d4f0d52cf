"""Predict the request type of tickets that have none.

Why it exists: before the worker filled it, web and app tickets kept "—" for ever, and a ticket
an operator answers before the worker runs is never classified. This fills them from the same
rules the worker uses (dispatch/classifier/request_type.py), never overwriting a type a person
chose. Run once after upgrading, or whenever ``--dry-run`` shows some.
"""

from collections import Counter

from django.core.management.base import BaseCommand

from dispatch.classifier.request_type import detect_request_type
from workorders.models import RequestType, Ticket
from workorders.services import ticket_fill_predicted_request_type

# Tickets read per query: the text of a few hundred tickets is a few hundred kilobytes.
BATCH_SIZE = 500


class Command(BaseCommand):
    help = "为没有诉求类型的工单预测诉求类型 (predict missing request types)."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="只统计，不写入 (count only)")

    def handle(self, *args, dry_run: bool = False, **options):
        counts: Counter[str] = Counter()
        last = 0
        while True:
            rows = list(
                Ticket.objects.filter(request_type="", pk__gt=last)
                .order_by("pk")
                .values("pk", "title", "content")[:BATCH_SIZE]
            )
            if not rows:
                break
            last = rows[-1]["pk"]
            for row in rows:
                request_type, confidence = detect_request_type(row["title"], row["content"])
                if dry_run or ticket_fill_predicted_request_type(
                    ticket_id=row["pk"], request_type=request_type, confidence=confidence
                ):
                    counts[request_type] += 1
        summary = "、".join(
            f"{RequestType(kind).label} {number}" for kind, number in counts.most_common()
        )
        verb = "将预测 (would fill)" if dry_run else "已预测 (filled)"
        self.stdout.write(f"{verb} {sum(counts.values())}：{summary or '—'}")
