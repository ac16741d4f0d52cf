"""Routing rules: what an administrator edits to decide who handles which category where.
Classifier versions: what each trained model scored, its confusion matrix, and roll-back."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from dispatch.charts import confusion_png
from dispatch.models import ClassifierVersion, RoutingRule
from hotline.lib.errors import DomainError


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    list_display = ["__str__", "category", "region", "lead_unit", "priority", "is_active"]
    list_filter = ["is_active", "region__level"]
    search_fields = ["category__name", "region__name", "lead_unit__name", "note"]
    autocomplete_fields = ["category", "region", "lead_unit", "assist_units"]
    list_select_related = ["category__parent__parent", "region__parent", "lead_unit"]
    fields = ["category", "region", "lead_unit", "assist_units", "priority", "is_active", "note"]


def _percent(value) -> str:
    return "—" if value is None else f"{100 * value:.1f}%"


@admin.register(ClassifierVersion)
class ClassifierVersionAdmin(admin.ModelAdmin):
    """Read-only: versions are the record of what was trained and why it went live. The one
    action is activating a stored version (roll back, or forward again)."""

    list_display = [
        "__str__",
        "created_at",
        "data_size",
        "macro_f1",
        "label_macro_f1",
        "accuracy",
        "held_out",
        "ms_per_ticket",
        "outcome",
        "is_active",
        "confusion_link",
    ]
    list_filter = ["source", "outcome", "is_active"]
    actions = ["activate"]
    fields = [
        "number",
        "is_active",
        "outcome",
        "reason",
        "created_at",
        "source",
        "source_name",
        "data_size",
        "train_size",
        "label_count",
        "artifact_size",
        "activated_at",
        "activated_by",
        "scores",
        "per_label",
        "confusion",
    ]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).without_artifact().select_related("activated_by")

    def has_add_permission(self, request) -> bool:
        return False  # versions come from train_classifier and the weekly task

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_activate_permission(self, request) -> bool:
        return request.user.has_perm("dispatch.change_classifierversion")

    @admin.action(
        description=gettext_lazy("启用所选版本（回滚）"),
        permissions=["activate"],
    )
    def activate(self, request, queryset):
        from dispatch.learning import classifier_activate  # loads scikit-learn: only when used

        if queryset.count() != 1:
            self.message_user(request, _("请只选择一个版本"), messages.ERROR)
            return
        try:
            version = classifier_activate(version_id=queryset.get().pk, actor=request.user)
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)
            return
        self.message_user(
            request,
            _("已启用 v%(number)s，各工作进程将在一分钟内切换") % {"number": version.number},
            messages.SUCCESS,
        )

    def get_urls(self):
        view = self.admin_site.admin_view(self.confusion_view)
        return [
            path("<int:pk>/confusion.png", view, name="dispatch_classifierversion_confusion"),
            *super().get_urls(),
        ]

    def confusion_view(self, request, pk: int) -> HttpResponse:
        version = get_object_or_404(ClassifierVersion.objects.without_artifact(), pk=pk)
        if not self.has_view_permission(request, version):
            raise PermissionDenied
        metrics = version.metrics or {}
        png = confusion_png(
            labels=metrics.get("labels", []),
            matrix=metrics.get("confusion", []),
            title=_("v%(number)s 留出集一级分类（%(n)s 条）")
            % {"number": version.number, "n": metrics.get("n", 0)},
        )
        response = HttpResponse(png, content_type="image/png")
        response["Cache-Control"] = "private, max-age=3600"  # a version's metrics never change
        return response

    def _metric(self, obj, key):
        return (obj.metrics or {}).get(key)

    @admin.display(description="一级 macro-F1")
    def macro_f1(self, obj) -> str:
        return _percent(self._metric(obj, "macro_f1"))

    @admin.display(description=gettext_lazy("按标注层级 macro-F1"))
    def label_macro_f1(self, obj) -> str:
        return _percent(self._metric(obj, "label_macro_f1"))

    @admin.display(description=gettext_lazy("准确率"))
    def accuracy(self, obj) -> str:
        return _percent(self._metric(obj, "accuracy"))

    @admin.display(description=gettext_lazy("留出样本"))
    def held_out(self, obj):
        return self._metric(obj, "n")

    @admin.display(description=gettext_lazy("毫秒/件"))
    def ms_per_ticket(self, obj) -> str:
        value = self._metric(obj, "ms_per_ticket")
        return "—" if value is None else f"{value:.2f}"

    @admin.display(description=gettext_lazy("混淆矩阵"))
    def confusion_link(self, obj) -> str:
        url = reverse("admin:dispatch_classifierversion_confusion", args=[obj.pk])
        return format_html('<a href="{}">PNG</a>', url)

    @admin.display(description=gettext_lazy("评估"))
    def scores(self, obj) -> str:
        m = obj.metrics or {}
        rows = [
            (_("一级分类 macro-F1"), _percent(m.get("macro_f1"))),
            (_("一级分类准确率"), _percent(m.get("accuracy"))),
            (_("按标注层级 macro-F1"), _percent(m.get("label_macro_f1"))),
            (_("按标注层级准确率"), _percent(m.get("label_accuracy"))),
            (_("留出样本"), m.get("n", "—")),
            (_("毫秒/件"), f"{m.get('ms_per_ticket', 0):.2f}"),
            (_("训练用时"), m.get("train_seconds", "—")),
        ]
        old = m.get("active_on_holdout")
        if old:
            rows.append(
                (
                    _("当时启用的 v%(version)s 在同一留出集") % {"version": old["version"]},
                    f"macro-F1 {_percent(old['macro_f1'])}, "
                    f"at label depth {_percent(old['label_macro_f1'])}",
                )
            )
        body = format_html_join("", "<tr><th>{}</th><td>{}</td></tr>", rows)
        return format_html("<table>{}</table>", body)

    @admin.display(description=gettext_lazy("各分类"))
    def per_label(self, obj) -> str:
        per_label = (obj.metrics or {}).get("per_label", {})
        rows = [
            (label, f"{s['precision']:.3f}", f"{s['recall']:.3f}", f"{s['f1']:.3f}", s["support"])
            for label, s in per_label.items()
        ]
        head = format_html(
            "<tr><th>{}</th><th>precision</th><th>recall</th><th>F1</th><th>n</th></tr>",
            _("分类"),
        )
        body = format_html_join(
            "", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", rows
        )
        return format_html("<table>{}{}</table>", head, body)

    @admin.display(description=gettext_lazy("混淆矩阵"))
    def confusion(self, obj) -> str:
        url = reverse("admin:dispatch_classifierversion_confusion", args=[obj.pk])
        return format_html('<img src="{}" alt="confusion matrix" style="max-width:100%">', url)
