"""Give the demo city's finished tickets the follow-ups they would have had, and publish the
months that have ended, so the rankings and units' figures pages have something to show.

Why it exists: ``seed_demo`` plays each ticket's history through the workorders and dispatch
services, which write no follow-up record, so its closed tickets have none. This command writes
one per round — the citizen's verdict at the moment the round ended (the reopening, or the
closing) — with a realistic mix of outcomes, asks and decides a few exemptions, and closes every
ended month. It only adds evaluation records; no ticket changes. Run it after seed_demo
(``run_platform`` does, on an empty database); it refuses a database that already has follow-up records.
"""

import random

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from demo.evaluation import ended_months_close, exemptions_create, follow_ups_create
from evaluation.models import FollowUp


class Command(BaseCommand):
    help = (
        "为演示工单生成回访记录并发布已结束月份的排名 (seed follow-ups and rankings for the demo)"
    )

    def add_arguments(self, parser):
        parser.add_argument("--seed", type=int, default=12345, help="random seed (12345)")

    def handle(self, *args, seed: int, **options):
        if FollowUp.objects.filter(finished_at__isnull=False).exists():
            raise CommandError("已有回访记录，未生成演示数据 (follow-ups exist already)")
        rng = random.Random(seed)
        with transaction.atomic():
            rounds = follow_ups_create(rng=rng)
            exemptions = exemptions_create()
        months = ended_months_close()
        self.stdout.write(
            f"演示回访 (demo follow-ups): {rounds} rounds, {exemptions} exemptions, "
            f"{months} months published"
        )
