"""Who a signed-in person is in the hotline: one role, and a unit for unit staff."""

from django.conf import settings
from django.db import models


class Role(models.TextChoices):
    CITIZEN = "citizen", "市民 (citizen)"
    OPERATOR = "operator", "话务员 (operator)"
    DISPATCHER = "dispatcher", "派单员 (dispatcher)"
    UNIT_STAFF = "unit_staff", "承办单位工作人员 (unit staff)"
    FOLLOWUP_AGENT = "followup_agent", "回访员 (follow-up agent)"
    LEADER = "leader", "领导 (leader)"
    ADMIN = "admin", "管理员 (administrator)"


class Profile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    role = models.CharField("角色 (role)", max_length=20, choices=Role.choices)
    unit = models.ForeignKey(
        "workorders.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="staff"
    )
    display_name = models.CharField("姓名 (name)", max_length=40, blank=True)
    # Red-light notices go to the unit's heads (workorders.services.deadline_sweep).
    is_unit_head = models.BooleanField("单位负责人 (head of unit)", default=False)
    # Where SMS notifications reach this person (hotline.notifications); optional.
    mobile = models.CharField("手机号 (mobile)", max_length=20, blank=True)

    class Meta:
        verbose_name = "用户角色 (profile)"
        verbose_name_plural = "用户角色 (profiles)"
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(role="unit_staff") | models.Q(unit__isnull=False),
                name="profile_unit_staff_has_unit",
            )
        ]

    def __str__(self) -> str:
        return f"{self.display_name or self.user.username} ({self.get_role_display()})"
