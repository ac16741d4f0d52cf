"""Routing rules: what an administrator edits to decide who handles which category where."""

from django.contrib import admin

from dispatch.models import RoutingRule


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ["__str__", "category", "region", "lead_unit", "priority", "is_active"]
    list_filter = ["is_active", "region__level"]
    search_fields = ["category__name", "region__name", "lead_unit__name", "note"]
    autocomplete_fields = ["category", "region", "lead_unit", "assist_units"]
    list_select_related = ["category__parent__parent", "region__parent", "lead_unit"]
    fields = ["category", "region", "lead_unit", "assist_units", "priority", "is_active", "note"]
