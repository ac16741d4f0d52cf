"""Seed the working-day calendar (WorkCalendarDay) from the chinese-calendar library.

Working-day deadlines must know public holidays and make-up working days (调休). The library
ships them once the State Council publishes each year's schedule (usually in the autumn):
upgrade the package, then run this. Days corrected by hand in admin are kept.
"""

from django.core.management.base import BaseCommand
from django.utils import timezone

from workorders.workdays import calendar_warning, library_years, sync_calendar_from_library


class Command(BaseCommand):
    help = "Fill the working-day calendar from chinese-calendar (default: this year and next)."

    def add_arguments(self, parser):
        parser.add_argument("years", nargs="*", type=int, help="years (default: this and next)")
        parser.add_argument("--all", action="store_true", help="every year the library knows")
        parser.add_argument("--dry-run", action="store_true", help="count changes; write nothing")

    def handle(self, *args, years=None, dry_run=False, **options):
        if options["all"]:
            years = list(library_years())
        elif not years:
            this_year = timezone.localdate().year
            years = [this_year, this_year + 1]
        result = sync_calendar_from_library(years, dry_run=dry_run)
        prefix = "[dry run] would write" if dry_run else "wrote"
        self.stdout.write(
            f"{prefix}: {result.created} new days, {result.updated} changed, "
            f"{result.kept_manual} hand-edited days kept"
        )
        if result.unknown_years:
            known = library_years()
            self.stdout.write(
                self.style.WARNING(
                    f"chinese-calendar {known.start}–{known.stop - 1} does not know "
                    f"{', '.join(map(str, result.unknown_years))}: upgrade it or edit the "
                    "calendar in admin (weekends-only until then)"
                )
            )
        warning = calendar_warning()
        if warning and not dry_run:
            self.stdout.write(self.style.WARNING(warning))
