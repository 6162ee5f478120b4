"""Checks point-in-polygon answers against shapely, an independent geometry engine.

Usage: shapely_contains.py CASES_JSON
Each case: {"coordinates": <GeoJSON MultiPolygon coordinates>, "points": [[lon, lat], ...],
"inside": [bool, ...]}. Prints how many answers were compared; exits 1 on any disagreement.
"""
import json
import sys

from shapely.geometry import Point, shape


def main() -> int:
    with open(sys.argv[1]) as f:
        cases = json.load(f)
    compared = 0
    disagreements = []
    for n, case in enumerate(cases):
        geometry = shape({"type": "MultiPolygon", "coordinates": case["coordinates"]})
        if not geometry.is_valid:
            disagreements.append(f"case {n}: shapely finds the polygon invalid")
            continue
        for (lon, lat), ours in zip(case["points"], case["inside"]):
            theirs = geometry.contains(Point(lon, lat))
            compared += 1
            if theirs != ours:
                disagreements.append(f"case {n}: ({lon}, {lat}) ours={ours} shapely={theirs}")
    print(f"compared {compared} points in {len(cases)} areas, {len(disagreements)} disagreements")
    for d in disagreements[:20]:
        print(d)
    return 1 if disagreements or compared == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
