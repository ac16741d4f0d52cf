"""Administration of the reference data (regions, units, categories and their keywords, people).

Tickets are shown read-only: every change to a ticket is a service call that writes the timeline
(STYLE.md rule 1), so the admin may look but never edit one in place.
"""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

# Deadline policies, the holiday calendar, pauses and supervision live in their own module.
from workorders import admin_deadlines  # noqa: F401
from workorders.models import (
    Assignment,
    Attachment,
    Category,
    ExtensionRequest,
    Profile,
    Region,
    ReturnRequest,
    Ticket,
    TicketEvent,
    Unit,
)

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
    list_display = ["full_name", "level", "keyword_count", "is_active"]
    list_filter = ["level", "is_active"]
    search_fields = ["name", "keywords"]
    autocomplete_fields = ["parent"]
    fields = ["name", "parent", "keywords", "is_active"]
    list_select_related = ["parent__parent"]

    @admin.display(description="关键词数 (keywords)")
    def keyword_count(self, obj: Category) -> int:
        return len(obj.keyword_list)


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    autocomplete_fields = ["unit"]
    verbose_name_plural = "角色与单位 (role and unit)"


admin.site.unregister(User)


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    inlines = [ProfileInline]
    list_display = ["username", "display_name", "role", "unit", "is_active", "is_staff"]
    list_filter = ["profile__role", "is_active", "is_staff"]
    search_fields = ["username", "profile__display_name", "profile__unit__name"]
    list_select_related = ["profile__unit"]

    @admin.display(description="姓名 (name)")
    def display_name(self, obj) -> str:
        profile = getattr(obj, "profile", None)
        return profile.display_name if profile else ""

    @admin.display(description="角色 (role)")
    def role(self, obj) -> str:
        profile = getattr(obj, "profile", None)
        return profile.get_role_display() if profile else ""

    @admin.display(description="单位 (unit)")
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
    fields = ["token", "content_type", "size", "uploaded_at"]


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdmin):
    list_display = ["number", "title", "status", "urgency", "channel", "category", "registered_at"]
    list_filter = ["status", "urgency", "channel", "confidential"]
    search_fields = ["number", "title", "address"]
    date_hierarchy = "registered_at"
    list_select_related = ["category__parent__parent"]
    inlines = [AssignmentInline, EventInline, AttachmentInline]
    # The citizen's contact is not needed to administer the system.
    exclude = ["citizen_name", "citizen_phone", "query_code"]


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
