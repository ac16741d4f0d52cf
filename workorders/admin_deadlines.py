"""Admin for deadlines: policies, the working-day calendar, pauses, supervision, the outbox.

Imported from workorders/admin.py (``from workorders import admin_deadlines  # noqa: F401``).
The calendar and policy lists warn administrators when this year or next has no holiday
calendar yet (workorders.workdays.calendar_warning); ``calendar_warning_check`` does the same
for ``manage.py check`` and start-up.
"""

from django.contrib import admin, messages
from django.core import checks
from django.db import DatabaseError
from django.utils import timezone

from workorders.models import (
    DeadlinePolicy,
    Notification,
    Supervision,
    TicketPause,
    WorkCalendarDay,
)
from workorders.workdays import calendar_warning, sync_calendar_from_library


class CalendarWarningMixin:
    def changelist_view(self, request, extra_context=None):
        warning = calendar_warning()
        if warning:
            messages.warning(request, warning)
        return super().changelist_view(request, extra_context)


@admin.register(DeadlinePolicy)
class DeadlinePolicyAdmin(CalendarWarningMixin, admin.ModelAdmin):
    list_display = [
        "__str__",
        "category",
        "urgency",
        "accept_within",
        "accept_unit",
        "contact_within",
        "contact_unit",
        "resolve_within",
        "resolve_unit",
        "follow_up_within",
        "follow_up_unit",
        "yellow_share",
        "warning_hours",
        "is_active",
    ]
    list_filter = ["urgency", "is_active"]
    list_select_related = ["category"]
    autocomplete_fields = []
    fieldsets = [
        (None, {"fields": ["name", "category", "urgency", "is_active"]}),
        (
            "时限 (deadlines)",
            {
                "fields": [
                    ("accept_within", "accept_unit"),
                    ("contact_within", "contact_unit"),
                    ("resolve_within", "resolve_unit"),
                    ("follow_up_within", "follow_up_unit"),
                ]
            },
        ),
        ("黄灯 (yellow light)", {"fields": ["yellow_share", "warning_hours"]}),
    ]


@admin.register(WorkCalendarDay)
class WorkCalendarDayAdmin(CalendarWarningMixin, admin.ModelAdmin):
    list_display = ["date", "weekday", "is_workday", "note", "source"]
    list_filter = ["is_workday", "source", "date"]
    list_editable = ["is_workday", "note"]
    date_hierarchy = "date"
    search_fields = ["note"]
    actions = ["sync_this_and_next_year"]

    @admin.display(description="星期 (weekday)")
    def weekday(self, obj: WorkCalendarDay) -> str:
        return "一二三四五六日"[obj.date.weekday()]

    def save_model(self, request, obj, form, change):
        # A person's correction must survive the next library sync.
        obj.source = WorkCalendarDay.Source.MANUAL
        super().save_model(request, obj, form, change)

    @admin.action(description="从节假日库同步今明两年 (sync this and next year from the library)")
    def sync_this_and_next_year(self, request, queryset):
        year = timezone.localdate().year
        result = sync_calendar_from_library([year, year + 1])
        self.message_user(
            request,
            f"新增 {result.created} 天，更新 {result.updated} 天，保留手工修改 {result.kept_manual} 天"
            + (
                f"；节假日库尚无 {'、'.join(map(str, result.unknown_years))} 年数据"
                if result.unknown_years
                else ""
            ),
        )


@admin.register(TicketPause)
class TicketPauseAdmin(admin.ModelAdmin):
    list_display = ["ticket", "unit", "status", "requested_at", "started_at", "ended_at"]
    list_filter = ["status"]
    list_select_related = ["ticket", "unit"]
    raw_id_fields = ["ticket"]
    # Pauses move due times: they change through the services only, with their events.
    readonly_fields = [f.name for f in TicketPause._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Supervision)
class SupervisionAdmin(admin.ModelAdmin):
    list_display = ["ticket", "unit", "created_at", "acknowledged_at"]
    list_filter = ["unit"]
    list_select_related = ["ticket", "unit"]
    readonly_fields = [f.name for f in Supervision._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["kind", "backend", "subject", "created_at", "attempts", "sent_at", "failed_at"]
    list_filter = ["kind", "backend", ("sent_at", admin.EmptyFieldListFilter), "failed_at"]
    readonly_fields = [f.name for f in Notification._meta.fields]

    def has_add_permission(self, request):
        return False


@checks.register(checks.Tags.database)
def calendar_warning_check(app_configs=None, databases=None, **kwargs):
    """``manage.py check --database default``: warn when the holiday calendar runs out.

    Like Django's own database checks, silent unless asked to look at the database."""
    if not databases or "default" not in databases:
        return []
    try:
        warning = calendar_warning()
    except DatabaseError:  # not migrated yet
        return []
    if not warning:
        return []
    return [checks.Warning(warning, id="workorders.W001")]
