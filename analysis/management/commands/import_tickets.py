"""``python manage.py import_tickets --csv FILE`` (or ``--xlsx FILE``): the old system's tickets.

Every row is checked first; any problem is reported with its line and nothing is imported (exit
status 1). ``--dry-run`` checks only. Progress goes to stderr, the report to stdout.
"""

import sys

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext

from analysis.importing import BATCH_SIZE, PROGRESS_EVERY, import_tickets


class Command(BaseCommand):
    help = "导入历史工单（CSV 或 XLSX）：先逐行校验，有任何问题则全部不导入"

    def add_arguments(self, parser):
        source = parser.add_mutually_exclusive_group(required=True)
        source.add_argument("--csv", metavar="FILE", help="CSV 文件（UTF-8 或 GB18030/GBK）")
        source.add_argument("--xlsx", metavar="FILE", help="Excel 文件（第一个工作表）")
        parser.add_argument("--dry-run", action="store_true", help="只校验，不写入")
        parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
        parser.add_argument(
            "--progress-every", type=int, default=PROGRESS_EVERY, help="每处理多少行报告一次进度"
        )

    def handle(self, *args, **options):
        path, kind = (options["csv"], "csv") if options["csv"] else (options["xlsx"], "xlsx")
        stages = {"check": gettext("校验"), "write": gettext("写入")}

        def progress(stage: str, rows: int, rate: float) -> None:
            print(
                gettext("%(stage)s：%(rows)s 行，%(rate)s 行/秒")
                % {"stage": stages[stage], "rows": f"{rows:,}", "rate": f"{rate:,.0f}"},
                file=sys.stderr,
                flush=True,
            )

        report = import_tickets(
            path,
            kind=kind,
            dry_run=options["dry_run"],
            batch_size=max(1, options["batch_size"]),
            progress=progress if options["verbosity"] > 0 else None,
            progress_every=options["progress_every"],
        )
        self.stdout.write(report.text())
        if not report.ok:
            raise CommandError(gettext("导入失败，未写入任何数据"))
