"""The demo city's map: 江城市's 4 districts and 16 streets as GeoJSON, drawn programmatically.

A 9 × 9 grid of points over the city, nudged by a fixed pseudo-random wobble so the boundaries
look drawn rather than ruled, and squeezed into a rounded outline. A street is a 2 × 2 block of
the grid's cells and its district the 4 × 4 block around it, so neighbours share exactly the
same boundary points (no gaps, no overlaps within a level). ``python -m demo.citymap`` writes
demo/jiangcheng.geojson, which seed_demo stores as the active CityMap.
"""

import json
import math
import random
from pathlib import Path

from demo.data import CITY, DISTRICTS

PATH = Path(__file__).with_name("jiangcheng.geojson")
CENTRE = (114.30, 30.60)  # a fictional city needs coordinates all the same
SPAN = (0.44, 0.34)  # degrees of longitude and latitude
N = 8  # cells per side
# Quadrant of each district (column, row from the north-west): 滨江 by the river in the
# north-west, 东湖 east, 西山 in the western hills, 南港 the southern port.
QUADRANTS = ((0, 0), (1, 0), (0, 1), (1, 1))


def _grid(seed: int = 12345) -> list[list[tuple[float, float]]]:
    rng = random.Random(seed)
    points = []
    for row in range(N + 1):
        line = []
        for col in range(N + 1):
            u, v = col / N - 0.5, 0.5 - row / N  # -0.5 … 0.5, north up
            if 0 < row < N and 0 < col < N:
                u += rng.uniform(-0.03, 0.03)
                v += rng.uniform(-0.03, 0.03)
            else:  # the outline: a wobble along it, not across it
                u += rng.uniform(-0.012, 0.012)
                v += rng.uniform(-0.012, 0.012)
            # Square → rounded outline (the square-to-disc mapping, blended with the square),
            # then an uneven coast: a smooth wobble of the radius.
            a, b = 2 * u, 2 * v
            disc = (a * math.sqrt(max(0.0, 1 - b * b / 2)), b * math.sqrt(max(0.0, 1 - a * a / 2)))
            a, b = 0.7 * disc[0] + 0.3 * a, 0.7 * disc[1] + 0.3 * b
            angle = math.atan2(b, a)
            wobble = 1 + 0.07 * math.sin(3 * angle + 0.7) + 0.04 * math.cos(5 * angle)
            u, v = a / 2 * wobble, b / 2 * wobble
            lon = CENTRE[0] + u * SPAN[0]
            lat = CENTRE[1] + v * SPAN[1]
            line.append((round(lon, 5), round(lat, 5)))
        points.append(line)
    return points


def _ring(grid, col0: int, row0: int, size: int) -> list[list[float]]:
    """The block's outline through every grid point on it, counter-clockwise, closed."""
    top = [grid[row0][c] for c in range(col0, col0 + size + 1)]
    right = [grid[r][col0 + size] for r in range(row0 + 1, row0 + size + 1)]
    bottom = [grid[row0 + size][c] for c in range(col0 + size - 1, col0 - 1, -1)]
    left = [grid[r][col0] for r in range(row0 + size - 1, row0 - 1, -1)]
    ring = top + right + bottom + left
    ring.reverse()  # counter-clockwise exterior (RFC 7946)
    return [list(p) for p in ring]


def build() -> dict:
    grid = _grid()
    features = []
    for district, (qc, qr) in zip(DISTRICTS, QUADRANTS, strict=True):
        col0, row0 = qc * 4, qr * 4
        features.append(_feature(district.name, district.name, _ring(grid, col0, row0, 4)))
        for index, street in enumerate(district.streets):
            sc, sr = col0 + (index % 2) * 2, row0 + (index // 2) * 2
            full_name = f"{district.name} › {street.name}"
            features.append(_feature(street.name, full_name, _ring(grid, sc, sr, 2)))
    return {"type": "FeatureCollection", "name": CITY, "features": features}


def _feature(name: str, full_name: str, ring) -> dict:
    return {
        "type": "Feature",
        "properties": {"name": name, "full_name": full_name},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


def load() -> dict:
    return json.loads(PATH.read_text(encoding="utf-8"))


def citymap_seed():
    """The demo's map as the active CityMap, validated like one an administrator uploads."""
    from analysis.models import CityMap

    citymap = CityMap(name=f"{CITY}区街边界（演示）", geojson=load(), is_active=True)
    citymap.full_clean()
    citymap.save()
    return citymap


if __name__ == "__main__":
    PATH.write_text(json.dumps(build(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {PATH}")
