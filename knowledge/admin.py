from django.contrib import admin

from knowledge.models import Entry, EntryUse, EntryVersion, Search


class VersionInline(admin.TabularInline):
    model = EntryVersion
    extra = 0
    can_delete = False
    readonly_fields = ["number", "changed", "actor", "note", "created_at"]
    exclude = ["snapshot"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Entry)
class EntryAdmin(admin.ModelAdmin):
    # Read-only here: every change goes through knowledge.services (versions), via the pages.
    list_display = ["title", "visibility", "unit", "category", "review_on", "updated_at"]
    list_filter = ["visibility", "unit"]
    search_fields = ["title", "keywords"]
    inlines = [VersionInline]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        # Archive instead: the search index notices changes by updated_at, not deletions.
        return False


@admin.register(EntryUse)
class EntryUseAdmin(admin.ModelAdmin):
    list_display = ["entry", "ticket", "actor", "used_at"]


@admin.register(Search)
class SearchAdmin(admin.ModelAdmin):
    list_display = ["query", "source", "results", "top_score", "clicked", "created_at"]
    list_filter = ["source"]
