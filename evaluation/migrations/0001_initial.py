# Follow-up, exemptions, evaluation rules and the frozen monthly snapshots (issue 5).

import django.db.models.deletion
from decimal import Decimal
from django.conf import settings
from django.db import migrations, models


FINISHED_INDEX = models.Index(
    condition=models.Q(('finished_at__isnull', False)),
    fields=['finished_at'],
    name='followup_finished',
)
# On PostgreSQL the month's index carries every column evaluation.scoring aggregates, so a month
# of follow-ups is read from the index alone (bench/evaluation.py). Django's model state keeps the
# plain definition (SQLite has no INCLUDE and Django warns about it).
FOLLOW_UP_COVERING = (
    'unit', 'ticket', 'result', 'contacted', 'contacted_on_time', 'solved',
    'satisfaction', 'confidential',
)


def create_finished_index(apps, schema_editor):
    index = FINISHED_INDEX.clone()
    if schema_editor.connection.features.supports_covering_indexes:
        index.include = FOLLOW_UP_COVERING
    schema_editor.add_index(apps.get_model('evaluation', 'FollowUp'), index)


def drop_finished_index(apps, schema_editor):
    schema_editor.remove_index(apps.get_model('evaluation', 'FollowUp'), FINISHED_INDEX)


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('workorders', '0003_evaluation_events'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='EvaluationRule',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('valid_from', models.DateField(unique=True, verbose_name='生效月份 (valid from)')),
                ('weight_response', models.PositiveSmallIntegerField(default=10, verbose_name='响应率权重 (response weight, %)')),
                ('weight_resolution', models.PositiveSmallIntegerField(default=50, verbose_name='解决率权重 (resolution weight, %)')),
                ('weight_satisfaction', models.PositiveSmallIntegerField(default=40, verbose_name='满意率权重 (satisfaction weight, %)')),
                ('basic_factor', models.DecimalField(decimal_places=2, default=Decimal('0.90'), max_digits=3, verbose_name='基本满意折算系数 (basically satisfied factor)')),
                ('cutoff_day', models.PositiveSmallIntegerField(default=1, verbose_name='考核月起始日 (month starts on day)')),
                ('assist_scoring', models.CharField(choices=[('lead_only', '仅主办单位计分 (only the lead unit is scored)'), ('shared', '协办单位同样计分 (assisting units are scored alike)')], default='lead_only', max_length=10, verbose_name='协办单位计分 (assisting units)')),
                ('response_on_time', models.BooleanField(default=False, verbose_name='响应须在联系时限内 (response must be on time)')),
                ('governance_top_n', models.PositiveSmallIntegerField(default=10, verbose_name='治理类街乡镇数 (streets/towns flagged)')),
                ('note', models.TextField(blank=True, verbose_name='说明 (note)')),
                ('created_at', models.DateTimeField(auto_now_add=True)),
            ],
            options={
                'verbose_name': '考核规则 (evaluation rule)',
                'verbose_name_plural': '考核规则 (evaluation rules)',
                'ordering': ['-valid_from'],
                'constraints': [models.CheckConstraint(condition=models.Q(('weight_resolution__lte', 100), ('weight_response__lte', 100), ('weight_satisfaction__lte', 100)), name='rule_weights_percent'), models.CheckConstraint(condition=models.Q(('cutoff_day__gte', 1), ('cutoff_day__lte', 28)), name='rule_cutoff_day_1_28'), models.CheckConstraint(condition=models.Q(('basic_factor__gte', 0), ('basic_factor__lte', 1)), name='rule_factor_0_1')],
            },
        ),
        migrations.CreateModel(
            name='FollowUp',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('round', models.PositiveSmallIntegerField(default=1, verbose_name='回访轮次 (round)')),
                ('anonymous', models.BooleanField(default=False, verbose_name='匿名 (anonymous)')),
                ('confidential', models.BooleanField(default=False, verbose_name='保密 (confidential)')),
                ('contacted_on_time', models.BooleanField(blank=True, null=True)),
                ('opened_at', models.DateTimeField(verbose_name='开始回访 (opened at)')),
                ('due_at', models.DateTimeField(blank=True, null=True, verbose_name='回访时限 (due)')),
                ('survey_sent_at', models.DateTimeField(blank=True, null=True, verbose_name='短信发送 (survey sent)')),
                ('attempts', models.PositiveSmallIntegerField(default=0, verbose_name='呼叫次数 (call attempts)')),
                ('next_call_at', models.DateTimeField(blank=True, null=True, verbose_name='下次呼叫 (next call)')),
                ('result', models.CharField(choices=[('pending', '待回访 (pending)'), ('answered', '有效回访 (answered)'), ('refused', '拒绝评价 (refused)'), ('unreachable', '联系不上 (unreachable)'), ('wrong_number', '号码错误 (wrong number)'), ('anonymous', '匿名 (anonymous)')], default='pending', max_length=20, verbose_name='回访结果 (result)')),
                ('channel', models.CharField(blank=True, choices=[('sms', '短信 (SMS survey)'), ('call', '电话 (call)')], max_length=10, verbose_name='评价渠道 (answered by)')),
                ('contacted', models.BooleanField(blank=True, null=True, verbose_name='单位已联系 (unit contacted)')),
                ('solved', models.BooleanField(blank=True, null=True, verbose_name='已解决 (solved)')),
                ('satisfaction', models.CharField(blank=True, choices=[('satisfied', '满意 (satisfied)'), ('basically_satisfied', '基本满意 (basically satisfied)'), ('dissatisfied', '不满意 (dissatisfied)')], max_length=20, verbose_name='满意度 (satisfaction)')),
                ('comment', models.TextField(blank=True, verbose_name='市民意见 (comment)')),
                ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='完成时间 (finished at)')),
                ('decision', models.CharField(blank=True, choices=[('', '待定 (undecided)'), ('closed', '已归档 (closed)'), ('reopened', '已重办 (reopened)')], max_length=10, verbose_name='处理 (decision)')),
                ('decided_at', models.DateTimeField(blank=True, null=True)),
                ('assist_units', models.ManyToManyField(blank=True, related_name='+', to='workorders.unit', verbose_name='协办单位 (assisting units)')),
                ('recorded_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('ticket', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='follow_ups', to='workorders.ticket')),
                ('unit', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='workorders.unit', verbose_name='主办单位 (lead unit)')),
            ],
            options={
                'verbose_name': '回访 (follow-up)',
                'verbose_name_plural': '回访 (follow-ups)',
                'ordering': ['-opened_at'],
            },
        ),
        migrations.CreateModel(
            name='FollowUpCall',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('outcome', models.CharField(choices=[('reached', '已接通 (reached)'), ('not_reached', '未接通 (not reached)'), ('refused', '拒绝回访 (refused)'), ('wrong_number', '号码错误 (wrong number)')], max_length=20, verbose_name='呼叫结果 (outcome)')),
                ('note', models.TextField(blank=True, verbose_name='备注 (note)')),
                ('called_at', models.DateTimeField()),
                ('agent', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('follow_up', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='calls', to='evaluation.followup')),
            ],
            options={
                'verbose_name': '回访电话 (follow-up call)',
                'verbose_name_plural': '回访电话 (follow-up calls)',
                'ordering': ['called_at', 'id'],
            },
        ),
        migrations.CreateModel(
            name='MonthlySnapshot',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('month', models.DateField(verbose_name='考核月份 (month)')),
                ('version', models.PositiveSmallIntegerField(default=1, verbose_name='版本 (version)')),
                ('period_start', models.DateTimeField()),
                ('period_end', models.DateTimeField()),
                ('rule_values', models.JSONField(default=dict)),
                ('totals', models.JSONField(default=dict)),
                ('closed_at', models.DateTimeField()),
                ('reason', models.TextField(blank=True, verbose_name='重新结算原因 (reason)')),
                ('is_current', models.BooleanField(default=True)),
                ('closed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('rule', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='evaluation.evaluationrule')),
            ],
            options={
                'verbose_name': '月度考核结果 (monthly snapshot)',
                'verbose_name_plural': '月度考核结果 (monthly snapshots)',
                'ordering': ['-month', '-version'],
            },
        ),
        migrations.CreateModel(
            name='SurveyLink',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('nonce', models.CharField(max_length=32, unique=True)),
                ('sent_at', models.DateTimeField()),
                ('used_at', models.DateTimeField(blank=True, null=True)),
                ('follow_up', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='links', to='evaluation.followup')),
            ],
            options={
                'verbose_name': '回访链接 (survey link)',
                'verbose_name_plural': '回访链接 (survey links)',
            },
        ),
        migrations.CreateModel(
            name='UnitMonthScore',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('unit_name', models.CharField(max_length=80)),
                ('kind', models.CharField(max_length=20)),
                ('finished', models.PositiveIntegerField(default=0)),
                ('valid', models.PositiveIntegerField(default=0)),
                ('responded', models.PositiveIntegerField(default=0)),
                ('solved', models.PositiveIntegerField(default=0)),
                ('satisfied', models.PositiveIntegerField(default=0)),
                ('basically_satisfied', models.PositiveIntegerField(default=0)),
                ('dissatisfied', models.PositiveIntegerField(default=0)),
                ('refused', models.PositiveIntegerField(default=0)),
                ('unreachable', models.PositiveIntegerField(default=0)),
                ('wrong_number', models.PositiveIntegerField(default=0)),
                ('anonymous', models.PositiveIntegerField(default=0)),
                ('confidential', models.PositiveIntegerField(default=0)),
                ('exempt', models.PositiveIntegerField(default=0)),
                ('red_lights', models.PositiveIntegerField(default=0)),
                ('reopens', models.PositiveIntegerField(default=0)),
                ('volume', models.PositiveIntegerField(blank=True, null=True)),
                ('response_rate', models.DecimalField(blank=True, decimal_places=2, max_digits=5, null=True)),
                ('resolution_rate', models.DecimalField(blank=True, decimal_places=2, max_digits=5, null=True)),
                ('satisfaction_rate', models.DecimalField(blank=True, decimal_places=2, max_digits=5, null=True)),
                ('composite', models.DecimalField(blank=True, decimal_places=2, max_digits=5, null=True)),
                ('rank', models.PositiveIntegerField(blank=True, null=True)),
                ('previous_rank', models.PositiveIntegerField(blank=True, null=True)),
                ('governance', models.BooleanField(default=False)),
                ('snapshot', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='scores', to='evaluation.monthlysnapshot')),
                ('unit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='workorders.unit')),
            ],
            options={
                'verbose_name': "单位月度成绩 (unit's month)",
                'verbose_name_plural': "单位月度成绩 (units' months)",
            },
        ),
        migrations.CreateModel(
            name='Exemption',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('reason', models.CharField(choices=[('unreasonable', '诉求不合理 (unreasonable demand)'), ('outside_powers', '超出政府职权范围 (outside government powers)'), ('malicious_repetition', '恶意重复诉求 (malicious repetition)'), ('legal_process', '已进入司法、仲裁等程序 (in court or arbitration)'), ('force_majeure', '客观条件限制暂无法解决 (objectively impossible for now)'), ('other', '其他 (other)')], max_length=30, verbose_name='免考核原因 (reason)')),
                ('explanation', models.TextField(verbose_name='说明 (explanation)')),
                ('status', models.CharField(choices=[('pending', '待审核 (pending)'), ('approved', '已通过 (approved)'), ('rejected', '已驳回 (rejected)')], default='pending', max_length=10)),
                ('requested_at', models.DateTimeField()),
                ('decided_at', models.DateTimeField(blank=True, null=True)),
                ('decision_note', models.TextField(blank=True)),
                ('decided_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('requested_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                ('ticket', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='exemptions', to='workorders.ticket')),
                ('unit', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to='workorders.unit')),
            ],
            options={
                'verbose_name': '免考核申请 (exemption)',
                'verbose_name_plural': '免考核申请 (exemptions)',
                'ordering': ['-requested_at'],
                'indexes': [models.Index(fields=['status', 'decided_at'], name='exemption_status_time')],
                'constraints': [models.UniqueConstraint(condition=models.Q(('status__in', ['pending', 'approved'])), fields=('ticket', 'unit'), name='exemption_one_live_per_unit'), models.CheckConstraint(condition=models.Q(('status', 'pending'), ('decided_at__isnull', False), _connector='OR'), name='exemption_decided_has_time')],
            },
        ),
        # The month's index; on PostgreSQL with INCLUDE columns (see create_finished_index).
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.AddIndex(model_name='followup', index=FINISHED_INDEX)],
            database_operations=[
                migrations.RunPython(create_finished_index, drop_finished_index)
            ],
        ),
        migrations.AddIndex(
            model_name='followup',
            index=models.Index(fields=['unit', 'finished_at'], name='followup_unit_month'),
        ),
        migrations.AddIndex(
            model_name='followup',
            index=models.Index(condition=models.Q(('result', 'pending')), fields=['due_at', 'id'], name='followup_pending_due'),
        ),
        migrations.AddIndex(
            model_name='followup',
            index=models.Index(condition=models.Q(('decision', ''), ('result', 'answered'), ('solved', False)), fields=['finished_at'], name='followup_undecided'),
        ),
        migrations.AddConstraint(
            model_name='followup',
            constraint=models.UniqueConstraint(fields=('ticket', 'round'), name='followup_one_per_round'),
        ),
        migrations.AddConstraint(
            model_name='followup',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('finished_at__isnull', True), ('result', 'pending')), models.Q(models.Q(('result', 'pending'), _negated=True), ('finished_at__isnull', False)), _connector='OR'), name='followup_finished_iff_not_pending'),
        ),
        migrations.AddConstraint(
            model_name='followup',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('result', 'answered'), _negated=True), models.Q(('contacted__isnull', False), ('solved__isnull', False), models.Q(('satisfaction', ''), _negated=True), models.Q(('channel', ''), _negated=True)), _connector='OR'), name='followup_answered_has_answers'),
        ),
        migrations.AddConstraint(
            model_name='monthlysnapshot',
            constraint=models.UniqueConstraint(fields=('month', 'version'), name='snapshot_month_version'),
        ),
        migrations.AddConstraint(
            model_name='monthlysnapshot',
            constraint=models.UniqueConstraint(condition=models.Q(('is_current', True)), fields=('month',), name='snapshot_one_current'),
        ),
        migrations.AddConstraint(
            model_name='monthlysnapshot',
            constraint=models.CheckConstraint(condition=models.Q(('version', 1), models.Q(('reason', ''), _negated=True), _connector='OR'), name='snapshot_reclose_has_reason'),
        ),
        migrations.AddIndex(
            model_name='unitmonthscore',
            index=models.Index(fields=['snapshot', 'kind', 'rank'], name='score_snapshot_kind_rank'),
        ),
        migrations.AddIndex(
            model_name='unitmonthscore',
            index=models.Index(fields=['unit', 'snapshot'], name='score_unit_trend'),
        ),
        migrations.AddConstraint(
            model_name='unitmonthscore',
            constraint=models.UniqueConstraint(fields=('snapshot', 'unit'), name='score_unit_once'),
        ),
    ]
