"""Administration of the reference data (regions, units, categories and their keywords, people,
deadline policies and the working-day calendar).

Tickets are shown read-only: every change to a ticket is a service call that writes the timeline
(STYLE.md rule 1), so the admin may look but never edit one in place; so are pauses, supervision
notices and the outbox.

The calendar and policy lists warn administrators when this year or next has no holiday
calendar yet (workorders.workdays.calendar_warning); ``calendar_warning_check`` does the same
for ``manage.py check`` and start-up.
"""

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.core import checks
from django.db import DatabaseError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from workorders.models import (
    Assignment,
    Attachment,
    Category,
    DeadlinePolicy,
    ExtensionRequest,
    FieldVisit,
    HandOff,
    Notification,
    Profile,
    Region,
    ReturnRequest,
    Supervision,
    Ticket,
    TicketEvent,
    TicketPause,
    Unit,
    WorkCalendarDay,
)
from workorders.workdays import calendar_warning, sync_calendar_from_library

User = get_user_model()


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["name", "aliases"]
    autocomplete_fields = ["parent"]
    list_select_related = ["parent"]


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "region", "parent", "phone", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name"]
    autocomplete_fields = ["region", "parent"]
    list_select_related = ["region", "parent"]


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = [
        "full_name",
        "level",
        "keyword_count",
        "community_may_lead",
        "requires_field_visit",
        "is_active",
    ]
    list_filter = ["level", "is_active", "community_may_lead", "requires_field_visit"]
    list_editable = ["requires_field_visit"]
    search_fields = ["name", "keywords"]
    autocomplete_fields = ["parent"]
    fields = [
        "name",
        "parent",
        "keywords",
        "community_may_lead",
        "requires_field_visit",
        "is_active",
    ]
    list_select_related = ["parent__parent"]

    @admin.display(description=_("关键词数"))
    def keyword_count(self, obj: Category) -> int:
        return len(obj.keyword_list)


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    autocomplete_fields = ["unit"]
    verbose_name_plural = _("角色与单位")


admin.site.unregister(User)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    inlines = [ProfileInline]
    list_display = ["username", "display_name", "role", "unit", "is_active", "is_staff"]
    list_filter = ["profile__role", "is_active", "is_staff"]
    search_fields = ["username", "profile__display_name", "profile__unit__name"]
    list_select_related = ["profile__unit"]

    @admin.display(description=_("姓名"))
    def display_name(self, obj) -> str:
        profile = getattr(obj, "profile", None)
        return profile.display_name if profile else ""

    @admin.display(description=_("角色"))
    def role(self, obj) -> str:
        profile = getattr(obj, "profile", None)
        return profile.get_role_display() if profile else ""

    @admin.display(description=_("单位"))
    def unit(self, obj) -> str:
        profile = getattr(obj, "profile", None)
        return str(profile.unit or "") if profile else ""


class ReadOnlyAdmin(admin.ModelAdmin):
    """Look, never touch: changes to tickets go through the services and their timeline."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    show_change_link = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class AssignmentInline(ReadOnlyInline):
    model = Assignment
    fields = ["unit", "role", "active", "dispatched_at", "accepted_at", "contacted_at"]


class EventInline(ReadOnlyInline):
    model = TicketEvent
    fields = ["created_at", "kind", "from_status", "to_status", "actor", "unit", "reason", "public"]


class AttachmentInline(ReadOnlyInline):
    model = Attachment
    fields = ["token", "visit", "content_type", "size", "uploaded_at"]


class FieldVisitInline(ReadOnlyInline):
    model = FieldVisit
    fields = ["visited_at", "unit", "visitors", "findings", "recorded_by", "recorded_at"]


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdmin):
    list_display = ["number", "title", "status", "urgency", "channel", "category", "registered_at"]
    list_filter = ["status", "urgency", "channel", "confidential"]
    search_fields = ["number", "title", "address"]
    date_hierarchy = "registered_at"
    list_select_related = ["category__parent__parent"]
    inlines = [AssignmentInline, EventInline, FieldVisitInline, AttachmentInline]
    # The citizen's contact is not needed to administer the system.
    exclude = ["citizen_name", "citizen_phone", "query_code"]


@admin.register(HandOff)
class HandOffAdmin(ReadOnlyAdmin):
    list_display = ["ticket", "street", "community", "status", "handed_off_at", "reported_at"]
    list_filter = ["status"]
    search_fields = ["ticket__number", "community__name", "street__name"]
    list_select_related = ["ticket", "street", "community"]


@admin.register(ReturnRequest)
class ReturnRequestAdmin(ReadOnlyAdmin):
    list_display = ["ticket", "unit", "status", "requested_at", "decided_at"]
    list_filter = ["status"]
    list_select_related = ["ticket", "unit"]


@admin.register(ExtensionRequest)
class ExtensionRequestAdmin(ReadOnlyAdmin):
    list_display = ["ticket", "unit", "status", "requested_due_at", "requested_at", "decided_at"]
    list_filter = ["status"]
    list_select_related = ["ticket", "unit"]


# --- deadlines: policies, the working-day calendar, pauses, supervision, the outbox ----------


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
            _("时限"),
            {
                "fields": [
                    ("accept_within", "accept_unit"),
                    ("contact_within", "contact_unit"),
                    ("resolve_within", "resolve_unit"),
                    ("follow_up_within", "follow_up_unit"),
                ]
            },
        ),
        (_("黄灯"), {"fields": ["yellow_share", "warning_hours"]}),
    ]


@admin.register(WorkCalendarDay)
class WorkCalendarDayAdmin(CalendarWarningMixin, admin.ModelAdmin):
    list_display = ["date", "weekday", "is_workday", "note", "source"]
    list_filter = ["is_workday", "source", "date"]
    list_editable = ["is_workday", "note"]
    date_hierarchy = "date"
    search_fields = ["note"]
    actions = ["sync_this_and_next_year"]

    @admin.display(description=_("星期"))
    def weekday(self, obj: WorkCalendarDay) -> str:
        return "一二三四五六日"[obj.date.weekday()]

    def save_model(self, request, obj, form, change):
        # A person's correction must survive the next library sync.
        obj.source = WorkCalendarDay.Source.MANUAL
        super().save_model(request, obj, form, change)

    @admin.action(description=_("从节假日库同步今明两年"))
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
