"""Who a signed-in person is in the hotline: one role, and a unit for unit staff."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CITIZEN = "citizen", _("市民")
    OPERATOR = "operator", _("话务员")
    DISPATCHER = "dispatcher", _("派单员")
    UNIT_STAFF = "unit_staff", _("承办单位工作人员")
    # The stored value keeps its first spelling: it is in every profile row and API answer.
    FOLLOW_UP_AGENT = "followup_agent", _("回访员")
    LEADER = "leader", _("领导")
    ADMIN = "admin", _("管理员")


class Profile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    unit = models.ForeignKey(
        "workorders.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="staff"
    )
    display_name = models.CharField(_("姓名"), max_length=40, blank=True)
    # Red-light notices go to the unit's heads (workorders.services.deadline_sweep).
    is_unit_head = models.BooleanField(_("单位负责人"), default=False)
    # Where SMS notifications reach this person (hotline.notifications); optional.
    mobile = models.CharField(_("手机号"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("用户角色")
        verbose_name_plural = _("用户角色")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(role="unit_staff") | models.Q(unit__isnull=False),
                name="profile_unit_staff_has_unit",
            )
        ]

    def __str__(self) -> str:
        return f"{self.display_name or self.user.username} ({self.get_role_display()})"
