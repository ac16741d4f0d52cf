"""The city map's GeoJSON: validated and matched to regions.

Checked enough that the cockpit can draw it without surprises: a FeatureCollection of Polygon or
MultiPolygon features with closed rings of [lon, lat] numbers, each naming one known region of
the district or street level, once. Errors name the feature (its position, from 1) in Chinese.
"""

from django.utils.translation import gettext as _

from workorders.models import Region

MAP_LEVELS = (Region.Level.DISTRICT, Region.Level.STREET)


class GeoJSONError(Exception):
    def __init__(self, messages: list[str]):
        super().__init__("; ".join(messages))
        self.messages = messages


def _check_ring(ring, where: str) -> str | None:
    if not isinstance(ring, list) or len(ring) < 4:
        return _("%(where)s：每个环至少需要 4 个坐标点") % {"where": where}
    for point in ring:
        if (
            not isinstance(point, list)
            or len(point) < 2
            or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in point[:2])
        ):
            return _("%(where)s：坐标应为 [经度, 纬度] 数字对") % {"where": where}
        lon, lat = point[0], point[1]
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            return _("%(where)s：坐标超出经纬度范围") % {"where": where}
    if ring[0][:2] != ring[-1][:2]:
        return _("%(where)s：环的首尾坐标必须相同（闭合）") % {"where": where}
    return None


def _check_geometry(geometry, where: str) -> str | None:
    if not isinstance(geometry, dict):
        return _("%(where)s：缺少 geometry") % {"where": where}
    kind, coordinates = geometry.get("type"), geometry.get("coordinates")
    if kind == "Polygon":
        polygons = [coordinates]
    elif kind == "MultiPolygon":
        polygons = coordinates if isinstance(coordinates, list) else None
    else:
        return _("%(where)s：geometry 类型应为 Polygon 或 MultiPolygon") % {"where": where}
    if not polygons or not all(isinstance(p, list) and p for p in polygons):
        return _("%(where)s：缺少坐标") % {"where": where}
    for polygon in polygons:
        for ring in polygon:
            if problem := _check_ring(ring, where):
                return problem
    return None


def features_by_region(geojson) -> dict[int, dict]:
    """{region id: feature} for a valid map; GeoJSONError listing every problem otherwise."""
    if not isinstance(geojson, dict) or geojson.get("type") != "FeatureCollection":
        raise GeoJSONError([_("GeoJSON 应为 FeatureCollection")])
    features = geojson.get("features")
    if not isinstance(features, list) or not features:
        raise GeoJSONError([_("FeatureCollection 中没有 features")])
    regions = {
        r.pk: r for r in Region.objects.filter(level__in=MAP_LEVELS).select_related("parent")
    }
    by_name = {r.full_name: r for r in regions.values()}
    problems: list[str] = []
    found: dict[int, dict] = {}
    for index, feature in enumerate(features, start=1):
        where = _("第 %(n)s 个要素") % {"n": index}
        if not isinstance(feature, dict) or feature.get("type") != "Feature":
            problems.append(_("%(where)s：type 应为 Feature") % {"where": where})
            continue
        if problem := _check_geometry(feature.get("geometry"), where):
            problems.append(problem)
            continue
        properties = feature.get("properties") or {}
        if not isinstance(properties, dict):
            properties = {}
        region = None
        region_id = properties.get("region_id")
        if isinstance(region_id, str) and region_id.strip().isdigit():
            region_id = int(region_id)  # tools that write every property as text
        if isinstance(region_id, int) and not isinstance(region_id, bool):
            region = regions.get(region_id)
        elif isinstance(properties.get("full_name"), str):
            region = by_name.get(properties["full_name"].strip())
        if region is None:
            problems.append(
                _("%(where)s：properties 中的 region_id 或 full_name 不是已知的区或街道")
                % {"where": where}
            )
            continue
        if region.pk in found:
            problems.append(
                _("%(where)s：区域“%(name)s”重复出现") % {"where": where, "name": region.full_name}
            )
            continue
        found[region.pk] = feature
    if problems:
        raise GeoJSONError(problems)
    return found


def map_for_cockpit(geojson) -> dict[str, dict]:
    """Two FeatureCollections, ``districts`` and ``streets``, whose features carry ``name``
    (what ECharts matches data on: the region id as a string) and ``label`` (the region's name).
    """
    features = features_by_region(geojson)
    regions = Region.objects.in_bulk(list(features))
    levels = {"districts": [], "streets": []}
    for region_id, feature in features.items():
        region = regions[region_id]
        level = "districts" if region.level == Region.Level.DISTRICT else "streets"
        levels[level].append(
            {
                "type": "Feature",
                "geometry": feature["geometry"],
                "properties": {"name": str(region_id), "label": region.name},
            }
        )
    return {name: {"type": "FeatureCollection", "features": f} for name, f in levels.items()}
