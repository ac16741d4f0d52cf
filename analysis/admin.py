"""The city map in the Django admin: administrators upload or paste the city's GeoJSON."""

import json

from django import forms
from django.contrib import admin
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from analysis.models import CityMap


class CityMapForm(forms.ModelForm):
    upload = forms.FileField(
        label=gettext_lazy("上传 GeoJSON 文件"),
        required=False,
        help_text=gettext_lazy("选择文件后将替换下方的 GeoJSON 内容"),
    )

    class Meta:
        model = CityMap
        fields = ["name", "is_active", "upload", "geojson"]
        help_texts = {
            "geojson": gettext_lazy(
                "FeatureCollection；每个要素的 properties 写明 region_id（区域编号）或 full_name"
                "（如“滨江区 › 江滩街道”），几何为 Polygon 或 MultiPolygon。"
            )
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["geojson"].required = False

    def clean(self):
        cleaned = super().clean()
        upload = cleaned.get("upload")
        if upload:
            try:
                cleaned["geojson"] = json.loads(upload.read().decode("utf-8-sig"))
            except (UnicodeDecodeError, ValueError):
                self.add_error("upload", _("文件不是 UTF-8 编码的 JSON"))
                return cleaned
            self.instance.geojson = cleaned["geojson"]
        elif cleaned.get("geojson") in (None, ""):
            self.add_error("geojson", _("请上传文件或填写 GeoJSON"))
        return cleaned


@admin.register(CityMap)
class CityMapAdmin(admin.ModelAdmin):
    form = CityMapForm
    list_display = ["name", "is_active", "updated_at"]
