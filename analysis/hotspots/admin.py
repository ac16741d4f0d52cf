"""The hotspot rules in the Django admin: one row, edited in place; each save keeps who changed
it and the values it replaced (read-only versions below it)."""

from django.contrib import admin
from django.shortcuts import redirect
from django.urls import reverse

from analysis.hotspots import services
from analysis.models import HotspotRecord, HotspotSettings, HotspotSettingsVersion


class HotspotSettingsAdmin(admin.ModelAdmin):
    readonly_fields = ("updated_at", "updated_by")
    filter_horizontal = ("dangerous_categories",)

    def has_add_permission(self, request):
        return not HotspotSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        # One set of rules: the list is the form.
        rules = HotspotSettings.current()
        return redirect(reverse("admin:analysis_hotspotsettings_change", args=[rules.pk]))

    def save_model(self, request, obj, form, change):
        previous = HotspotSettings.objects.get(pk=obj.pk).values() if change else None
        super().save_model(request, obj, form, change)
        request._hotspot_previous = previous

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        # After the many-to-many is saved: the comparison sees the new dangerous categories.
        services.settings_saved(
            rules=form.instance,
            previous=getattr(request, "_hotspot_previous", None),
            actor=request.user,
        )


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class HotspotSettingsVersionAdmin(ReadOnlyAdmin):
    list_display = ("changed_at", "changed_by")


class HotspotRecordAdmin(ReadOnlyAdmin):
    list_display = ("day", "kind", "category", "region", "spot", "count", "expected", "score")
    list_filter = ("kind", "day")
    list_select_related = ("category", "region")


def register() -> None:
    if not admin.site.is_registered(HotspotSettings):
        admin.site.register(HotspotSettings, HotspotSettingsAdmin)
        admin.site.register(HotspotSettingsVersion, HotspotSettingsVersionAdmin)
        admin.site.register(HotspotRecord, HotspotRecordAdmin)
