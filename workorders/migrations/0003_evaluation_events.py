# Follow-up and evaluation (issue 5): event kinds of evaluation.services, and the index behind
# the monthly red-light and reopen counts (evaluation.scoring.event_counts).

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("workorders", "0002_deadlines"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="ticketevent",
            name="kind",
            field=models.CharField(
                choices=[
                    ("registered", "受理 (registered)"),
                    ("classified", "智能分类 (classified)"),
                    ("requeued", "重新排队 (requeued)"),
                    ("triaged", "转人工分拨 (sent to triage)"),
                    ("dispatched", "派单 (dispatched)"),
                    ("accepted", "签收 (accepted)"),
                    ("contacted", "联系诉求人 (contacted)"),
                    ("progress", "办理进展 (progress)"),
                    ("return_requested", "申请退单 (return requested)"),
                    ("return_approved", "退单通过 (return approved)"),
                    ("return_rejected", "退单驳回 (return rejected)"),
                    ("extension_requested", "申请延期 (extension requested)"),
                    ("extension_approved", "延期通过 (extension approved)"),
                    ("extension_rejected", "延期驳回 (extension rejected)"),
                    ("resolved", "办结 (resolved)"),
                    ("answered", "直接答复 (answered directly)"),
                    ("merged", "合并重复工单 (merged)"),
                    ("invalidated", "不予受理 (invalid)"),
                    ("follow_up_started", "转回访 (follow-up)"),
                    ("reopened", "重办 (reopened)"),
                    ("closed", "归档 (closed)"),
                    ("supplemented", "市民补充信息 (citizen added information)"),
                    ("contact_revealed", "查看联系方式 (contact revealed)"),
                    ("light_yellow", "黄灯预警 (due soon)"),
                    ("light_red", "红灯超期 (overdue)"),
                    ("supervised", "督办 (supervised)"),
                    ("supervision_acknowledged", "督办已回复 (supervision acknowledged)"),
                    ("pause_requested", "申请暂停计时 (pause requested)"),
                    ("pause_rejected", "暂停计时驳回 (pause rejected)"),
                    ("paused", "暂停计时 (clock paused)"),
                    ("resumed", "恢复计时 (clock resumed)"),
                    ("survey_sent", "发送回访短信 (survey sent)"),
                    ("follow_up_call", "回访电话 (follow-up call)"),
                    ("follow_up_answered", "市民评价 (citizen's verdict)"),
                    ("exemption_requested", "申请免考核 (exemption requested)"),
                    ("exemption_approved", "免考核通过 (exemption approved)"),
                    ("exemption_rejected", "免考核驳回 (exemption rejected)"),
                ],
                max_length=30,
            ),
        ),
        migrations.AddIndex(
            model_name="ticketevent",
            index=models.Index(
                condition=models.Q(("kind__in", ["light_red", "reopened"])),
                fields=["kind", "created_at", "unit", "ticket"],
                name="event_red_reopen_month",
            ),
        ),
    ]
