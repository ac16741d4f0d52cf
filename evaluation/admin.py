"""Administrators add evaluation rule versions here; everything else is read-only, because the
follow-ups, exemptions and snapshots are records (they change only through evaluation.services)."""

from django import forms
from django.contrib import admin
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from evaluation.models import (
    EvaluationRule,
    Exemption,
    FollowUp,
    MonthlySnapshot,
    UnitMonthScore,
)


class EvaluationRuleForm(forms.ModelForm):
    class Meta:
        model = EvaluationRule
        fields = [
            "valid_from",
            "weight_response",
            "weight_resolution",
            "weight_satisfaction",
            "basic_factor",
            "cutoff_day",
            "assist_scoring",
            "response_on_time",
            "governance_top_n",
            "note",
        ]
        help_texts = {
            "valid_from": gettext_lazy("须为某月 1 日；不能早于已结算的月份"),
            "cutoff_day": "1 为自然月；19 表示“3 月”为 2 月 19 日至 3 月 18 日 (1–28)",
        }

    def clean(self):
        data = super().clean()
        weights = [
            data.get(name)
            for name in ("weight_response", "weight_resolution", "weight_satisfaction")
        ]
        if all(w is not None for w in weights) and sum(weights) != 100:
            raise forms.ValidationError(_("三项权重之和须为 100"))
        valid_from = data.get("valid_from")
        if valid_from is not None:
            if valid_from.day != 1:
                self.add_error("valid_from", _("须为某月 1 日"))
            closed = (
                MonthlySnapshot.objects.order_by("-month").values_list("month", flat=True).first()
            )
            if closed is not None and valid_from <= closed:
                self.add_error(
                    "valid_from",
                    _("%(closed)s 及之前的月份已结算，新规则须从之后的月份生效")
                    % {"closed": format(closed, "%Y-%m")},
                )
        cutoff = data.get("cutoff_day")
        if cutoff is not None and not 1 <= cutoff <= 28:
            self.add_error("cutoff_day", "须在 1 到 28 之间 (1–28)")
        return data


@admin.register(EvaluationRule)
class EvaluationRuleAdmin(admin.ModelAdmin):
    form = EvaluationRuleForm
    list_display = [
        "valid_from",
        "weights_label",
        "basic_factor",
        "cutoff_day",
        "assist_scoring",
        "response_on_time",
        "governance_top_n",
    ]

    def has_change_permission(self, request, obj=None):
        # A version is never edited: a change of rules is a new version from a later month.
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(FollowUp)
class FollowUpAdmin(ReadOnly):
    list_display = ["ticket", "round", "unit", "result", "channel", "solved", "satisfaction"]
    list_filter = ["result", "channel"]
    search_fields = ["ticket__number"]
    raw_id_fields = ["ticket"]


@admin.register(Exemption)
class ExemptionAdmin(ReadOnly):
    list_display = ["ticket", "unit", "reason", "status", "requested_at", "decided_at"]
    list_filter = ["status", "reason"]


class ScoreInline(admin.TabularInline):
    model = UnitMonthScore
    fields = ["unit_name", "kind", "rank", "composite", "valid"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(MonthlySnapshot)
class MonthlySnapshotAdmin(ReadOnly):
    list_display = ["month", "version", "is_current", "closed_at", "closed_by", "reason"]
    inlines = [ScoreInline]
