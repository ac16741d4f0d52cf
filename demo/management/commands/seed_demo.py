"""Fill an empty database with the demo city of ``demo.data`` and its tickets.

Why it exists: ``make run`` should open onto a platform that looks lived in — every role has work
waiting and every status has examples. Tickets get there only through the services that pages,
the API and the worker use (``workorders.services`` and ``dispatch.services``); nothing assigns a
status. The services read the time from ``django.utils.timezone.now``, which this command points
at a simulated clock while it plays each ticket's history, so ticket numbers, due times, return
windows and the timeline agree with a history spread over the last ~60 days.

The registered tickets are published to the broker as usual; a worker started later dispatches
the ones still registered and skips the rest.
"""

import random
import time
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from analysis.hotspots.services import record_day
from demo import data
from demo.city import city_build
from demo.citymap import citymap_seed
from demo.governance import governance_seed
from demo.hand_offs import hand_offs_play
from demo.knowledge import knowledge_seed
from demo.tickets import seed_classifier_train, tickets_play
from dispatch.classification import reset_classifier
from dispatch.models import RoutingRule
from workorders.models import Category, Notification, Profile, Region, Status, Ticket, Unit


class Command(BaseCommand):
    help = "生成演示数据：江城市、承办单位、分类、派单规则、各角色账号和工单 (seed the demo city)."

    def add_arguments(self, parser):
        parser.add_argument("--tickets", type=int, default=300, help="how many tickets (300)")
        parser.add_argument("--seed", type=int, default=12345, help="random seed (12345)")

    def handle(self, *args, tickets: int, seed: int, **options):
        if tickets < len(Status.values) + 2:
            raise CommandError(f"--tickets must be at least {len(Status.values) + 2}")
        usernames = [username for username, _, _ in data.CENTER_USERS]
        if (
            Ticket.objects.exists()
            or get_user_model().objects.filter(username__in=usernames).exists()
        ):
            raise CommandError(
                "数据库中已有数据，未生成演示数据 (the database already has tickets or demo users; "
                "seed_demo only fills an empty database)"
            )
        started = time.monotonic()
        # One generator for the city and its tickets, in this order: the output is deterministic.
        rng = random.Random(seed)
        real_now = timezone.now()
        with transaction.atomic():
            city = city_build(rng=rng)
            citymap_seed()
            reset_classifier()  # the classifier of this process must see the new categories
            tickets_play(city=city, rng=rng, count=tickets, now=real_now)
            handed_off = hand_offs_play(city=city, now=real_now)
            # The inbox notices of the simulated weeks were "sent" when they happened: the worker
            # must not text weeks-old dispatches at start-up (the inboxes keep them to read).
            Notification.objects.filter(
                kind__in=["inbox", "supervised"],
                sent_at__isnull=True,
                created_at__lt=real_now - timedelta(minutes=5),
            ).update(sent_at=F("created_at"))
            entries = knowledge_seed(now=real_now)
            governance = governance_seed(city=city)
        # What the daily beat task would have recorded: the hotspot page shows when each began.
        today = timezone.localdate(real_now)
        hotspots = sum(record_day(today - timedelta(days=back)) for back in range(14, 0, -1))
        reset_classifier()
        by_status = {s: Ticket.objects.filter(status=s).count() for s in Status.values}
        self.stdout.write(
            f"已生成演示数据 (demo data seeded) in {time.monotonic() - started:.1f} s: "
            f"{Region.objects.count()} regions, {Unit.objects.count()} units, "
            f"{Category.objects.count()} categories, {RoutingRule.objects.count()} rules, "
            f"{Profile.objects.count()} users, {sum(by_status.values())} tickets "
            f"({', '.join(f'{k} {v}' for k, v in by_status.items())})"
        )
        self.stdout.write(f"{handed_off} tickets handed off to a community")
        self.stdout.write(f"{entries} knowledge entries")
        self.stdout.write(governance)
        self.stdout.write(f"{hotspots} hotspot records over the last 14 days")
        self.stdout.write(seed_classifier_train())
