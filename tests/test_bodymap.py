"""Body-map charts and the deficit renderer (issue 4, item 3)."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from importlib import resources

import pytest

from neurectomy import Cut, lesion
from neurectomy.bodymap import charted_regions
from neurectomy.bodymap.render import DISCLAIMER, FILL, VIEWS, chart_regions, render_png, render_svg

NS = "{http://www.w3.org/2000/svg}"


def _chart_text(view: str) -> str:
    return (resources.files("neurectomy.bodymap") / "charts" / f"{view}.svg").read_text(encoding="utf-8")


def _region_elements(root: ET.Element) -> list[ET.Element]:
    return [e for e in root.iter() if e.tag in (f"{NS}polygon", f"{NS}path") and (e.get("id") or e.get("data-region"))]


def _centre(view: str, rid: str) -> tuple[float, float]:
    root = ET.fromstring(_chart_text(view))
    for e in _region_elements(root):
        if e.get("id") == rid:
            pts = [tuple(map(float, p.split(","))) for p in (e.get("points") or "").split()]
            return sum(p[0] for p in pts) / len(pts), sum(p[1] for p in pts) / len(pts)
    raise AssertionError(f"{rid} not on {view}")


@pytest.fixture(scope="module")
def skin(atlas):
    return {t.id: t for t in atlas.targets if t.kind == "skin"}


# ----------------------------------------------------------------------------------------------- charts
def test_every_skin_region_is_on_a_chart(atlas, skin):
    missing = sorted(set(skin) - charted_regions())
    assert missing == []
    from neurectomy.bodymap import atlas_stats

    assert atlas_stats(atlas)["skin_regions_without_chart"] == 0


def test_each_region_is_on_the_view_its_record_names(skin):
    wrong = [(rid, t.chart) for rid, t in skin.items() if t.chart and rid not in chart_regions(t.chart)]
    assert wrong == []


@pytest.mark.parametrize("view", VIEWS)
def test_chart_is_wellformed_with_unique_real_ids(view, skin):
    text = _chart_text(view)
    root = ET.fromstring(text)  # well-formed XML
    assert root.tag == f"{NS}svg" and root.get("data-view") == view
    ids = [e.get("id") for e in root.iter() if e.get("id")]
    assert len(ids) == len(set(ids)), "duplicate ids"
    regions = _region_elements(root)
    assert regions, "no regions"
    own = {e.get("id") for e in regions if e.get("id")}
    for e in regions:
        rid = e.get("id") or e.get("data-region")
        assert rid in skin, f"{rid} is not a skin region of the atlas"
        if not e.get("id"):  # a second drawing of a region refers to one drawn with its id on the same chart
            assert rid in own
    # the regex charted_regions() uses finds exactly the ids a parser finds
    assert set(re.findall(r'<(?:polygon|path)\b[^>]*\bid="([a-z0-9_]+)"', text)) == own
    assert all(re.fullmatch(r"-?\d+,-?\d+", p) for e in regions for p in (e.get("points") or "").split())


def test_charts_show_the_left_side_the_right_way_round():
    # anterior: the figure faces the viewer, its left on the viewer's right; posterior: on the viewer's left
    assert _centre("anterior", "skin_lateral_thigh")[0] > _centre("anterior", "skin_anterior_thigh")[0] > 200
    assert _centre("anterior", "skin_lateral_forearm")[0] > _centre("anterior", "skin_medial_forearm")[0] > 200
    assert _centre("posterior", "skin_lower_posterolateral_leg")[0] < _centre("posterior", "skin_calf")[0] < 200
    assert (
        _centre("posterior", "skin_lateral_forearm_posterior")[0]
        < _centre("posterior", "skin_medial_forearm_posterior")[0]
    )
    # bands are bands, in order from the top
    ys = [_centre("anterior", f"skin_anterior_trunk_t{k}")[1] for k in range(2, 13)]
    assert ys == sorted(ys)
    ys = [_centre("posterior", f"skin_back_t{k}_band")[1] for k in range(1, 13)]
    assert ys == sorted(ys)
    # left palm: thumb on the viewer's left; back of the left hand: on the right
    assert _centre("hand_palmar", "skin_thenar_eminence")[0] < _centre("hand_palmar", "skin_hypothenar_eminence")[0]
    assert (
        _centre("hand_dorsal", "skin_dorsum_of_hand_radial_half")[0]
        > _centre("hand_dorsal", "skin_dorsum_of_hand_ulnar_half")[0]
    )
    # top of the left foot: great toe on the viewer's right; sole: on the left
    assert _centre("foot_dorsal", "skin_dorsum_foot_medial")[0] > _centre("foot_dorsal", "skin_dorsum_foot_lateral")[0]
    assert _centre("foot_plantar", "skin_medial_sole")[0] < _centre("foot_plantar", "skin_lateral_sole")[0]
    # lateral head: the face looks to the left
    assert _centre("head", "skin_of_upper_lip")[0] < _centre("head", "skin_over_mastoid_process")[0]


# ----------------------------------------------------------------------------------------------- rendering
def _shading(svg: str) -> dict[tuple[str, str], set[str]]:
    root = ET.fromstring(svg)
    out: dict[tuple[str, str], set[str]] = {}
    for e in root.iter():
        rid = e.get("data-region")
        if rid and e.tag in (f"{NS}polygon", f"{NS}path"):
            effect = e.get("data-effect")
            assert effect in ("anaesthetic", "hypoaesthetic", "unaffected")
            assert effect in (e.get("class") or "").split()
            assert e.get("fill") == FILL[effect]
            out.setdefault((rid, e.get("data-side") or ""), set()).add(effect)
    return out


@pytest.mark.parametrize(
    ("nerve", "at"),
    [
        ("superficial branch of radial nerve", None),
        ("sural nerve", None),
        ("lateral cutaneous nerve of thigh", "inguinal ligament"),
        ("supraorbital nerve", None),
        ("ulnar nerve", "elbow"),
        ("median nerve", "carpal tunnel"),
    ],
)
def test_render_shades_exactly_the_deficit(nerve, at):
    d = lesion(nerve, at=at)
    assert d.sensory
    svg = render_svg(d)
    shading = _shading(svg)
    expected = {(x.target.id, x.side): x.effect for x in d.sensory}
    for key, effect in expected.items():
        assert shading.get(key) == {effect}, key
    shaded = {key for key, effects in shading.items() if effects != {"unaffected"}}
    assert shaded == set(expected)
    root = ET.fromstring(svg)
    ids = [e.get("id") for e in root.iter() if e.get("id")]
    assert len(ids) == len(set(ids))
    assert nerve in svg and "left" in svg and DISCLAIMER in svg
    assert {"anaesthetic", "hypoaesthetic", "unaffected"} <= {e.get("class") for e in root.iter(f"{NS}rect")}


def test_views_are_the_charts_holding_the_loss():
    views = {
        p.get("data-view") for p in ET.fromstring(render_svg(lesion("sural nerve"))).iter() if p.get("class") == "panel"
    }
    assert views == {"posterior", "foot_dorsal", "foot_plantar"}
    only = ET.fromstring(render_svg(lesion("sural nerve"), views=["head"]))
    assert {p.get("data-view") for p in only.iter() if p.get("class") == "panel"} == {"head"}
    with pytest.raises(ValueError, match="unknown body-map view"):
        render_svg(lesion("sural nerve"), views=["elbow"])


def test_both_sides_are_drawn_when_both_are_cut():
    d = lesion("sural nerve", side="left", also=[Cut("sural nerve", side="right")])
    assert {x.side for x in d.sensory} == {"left", "right"}
    svg = render_svg(d)
    shading = _shading(svg)
    for x in d.sensory:
        assert shading[(x.target.id, x.side)] == {x.effect}
    root = ET.fromstring(svg)
    panels = [(p.get("data-view"), p.get("data-sides")) for p in root.iter() if p.get("class") == "panel"]
    assert ("posterior", "right left") in panels  # one figure, both halves shaded
    assert ("foot_plantar", "right") in panels and ("foot_plantar", "left") in panels
    assert "scale(-1,1)" in svg  # the right side's regions are the left chart's reflected
    assert "RIGHT" in svg and "LEFT" in svg


def test_no_skin_loss_still_renders():
    svg = render_svg(lesion("posterior interosseous nerve"))
    assert "No skin sensation is lost" in svg
    assert not {k for k, v in _shading(svg).items() if v != {"unaffected"}}


def test_png_is_a_real_png(tmp_path):
    path = render_png(lesion("supraorbital nerve"), tmp_path / "supraorbital.png", scale=1.0)
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    assert len(data) > 20_000
