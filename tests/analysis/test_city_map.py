"""The city map: GeoJSON validated on save with messages that say what is wrong, the demo's
map valid against the demo city, and the map endpoint the choropleth reads."""

import copy
import json

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from analysis.admin import CityMapForm
from analysis.models import CityMap


def square(lon: float, lat: float) -> list:
    return [[[lon, lat], [lon + 0.1, lat], [lon + 0.1, lat + 0.1], [lon, lat + 0.1], [lon, lat]]]


def feature(properties: dict, geometry: dict | None = None) -> dict:
    return {
        "type": "Feature",
        "properties": properties,
        "geometry": geometry or {"type": "Polygon", "coordinates": square(116.3, 39.9)},
    }


@pytest.fixture
def good(city) -> dict:
    return {
        "type": "FeatureCollection",
        "features": [
            feature({"region_id": city.haidian.pk}),
            feature({"full_name": "海淀区 › 中关村街道"}),
            feature(
                {"full_name": "朝阳区"},
                {"type": "MultiPolygon", "coordinates": [square(116.5, 39.9), square(116.7, 39.9)]},
            ),
        ],
    }


def problems(geojson) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        CityMap(name="北京", geojson=geojson).full_clean()
    return caught.value.message_dict["geojson"]


def test_a_valid_map_is_accepted(good):
    CityMap(name="北京", geojson=good).full_clean()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda g: g.update(type="Feature"), "GeoJSON 应为 FeatureCollection"),
        (lambda g: g.update(features=[]), "FeatureCollection 中没有 features"),
        (lambda g: g["features"][0].update(type="Polygon"), "第 1 个要素：type 应为 Feature"),
        (
            lambda g: g["features"][1]["geometry"].update(type="Point"),
            "第 2 个要素：geometry 类型应为 Polygon 或 MultiPolygon",
        ),
        (
            lambda g: g["features"][0]["geometry"]["coordinates"][0].pop(),
            "第 1 个要素：环的首尾坐标必须相同（闭合）",
        ),
        (
            lambda g: g["features"][0]["geometry"].update(coordinates=[[[1, 2], [3, 4]]]),
            "第 1 个要素：每个环至少需要 4 个坐标点",
        ),
        (
            lambda g: g["features"][0]["geometry"]["coordinates"][0].__setitem__(1, ["a", 39]),
            "第 1 个要素：坐标应为 [经度, 纬度] 数字对",
        ),
        (
            lambda g: g["features"][0]["geometry"]["coordinates"][0].__setitem__(1, [200, 39]),
            "第 1 个要素：坐标超出经纬度范围",
        ),
        (
            lambda g: g["features"][1].update(properties={"full_name": "海淀区 › 不存在街道"}),
            "第 2 个要素：properties 中的 region_id 或 full_name 不是已知的区或街道",
        ),
        (
            lambda g: g["features"][2].update(properties={"full_name": "海淀区"}),
            "第 3 个要素：区域“海淀区”重复出现",
        ),
    ],
)
def test_bad_geojson_is_refused_with_a_clear_message(good, change, message):
    bad = copy.deepcopy(good)
    change(bad)
    assert message in problems(bad)


def test_region_id_may_be_written_as_text(good, city):
    good["features"][0]["properties"] = {"region_id": str(city.haidian.pk)}
    CityMap(name="北京", geojson=good).full_clean()


def test_a_community_is_not_a_map_region(good, city):
    good["features"].append(feature({"region_id": city.keyuan.pk}))
    assert any("不是已知的区或街道" in p for p in problems(good))


def test_admin_form_reads_an_uploaded_file_and_refuses_non_json(good):
    upload = SimpleUploadedFile("city.geojson", json.dumps(good).encode(), "application/json")
    form = CityMapForm(data={"name": "北京", "is_active": "on"}, files={"upload": upload})
    assert form.is_valid(), form.errors
    assert form.save().geojson["features"][0]["properties"]
    broken = SimpleUploadedFile("city.geojson", "不是 JSON".encode("gbk"), "application/json")
    form = CityMapForm(data={"name": "北京2"}, files={"upload": broken})
    assert not form.is_valid()
    assert "文件不是 UTF-8 编码的 JSON" in form.errors["upload"]
    form = CityMapForm(data={"name": "北京3", "geojson": json.dumps({"type": "Feature"})})
    assert not form.is_valid()
    assert "GeoJSON 应为 FeatureCollection" in form.errors["geojson"]


def test_only_one_map_is_active(good):
    CityMap.objects.create(name="一", geojson=good)
    with pytest.raises(ValidationError):
        CityMap(name="二", geojson=good, is_active=True).full_clean()


def test_the_map_endpoint_splits_districts_and_streets(client, leader, good, city):
    CityMap.objects.create(name="北京", geojson=good)
    client.force_login(leader)
    response = client.get("/analysis/cockpit/map.json")
    assert response.status_code == 200
    body = response.json()
    assert sorted(f["properties"]["label"] for f in body["districts"]["features"]) == [
        "朝阳区",
        "海淀区",
    ]
    assert [f["properties"]["name"] for f in body["streets"]["features"]] == [
        str(city.zhongguancun.pk)
    ]
    again = client.get("/analysis/cockpit/map.json", HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304


def test_the_demo_map_covers_every_district_and_street(db):
    import random

    from demo.city import city_build
    from demo.citymap import build, citymap_seed, load

    city_build(rng=random.Random(1))
    assert load() == build()  # the shipped file is what the generator draws
    citymap = citymap_seed()
    assert len(citymap.geojson["features"]) == 20
