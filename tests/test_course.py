"""A nerve's course (issue 18, item 2): the schematic from the roots to the terminal branches, the cut and the
branches it takes away."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from neurectomy import lesion
from neurectomy.course import LOST, course_items, course_svg

NS = "{http://www.w3.org/2000/svg}"


def _groups(svg: str, cls: str) -> list[ET.Element]:
    return [g for g in ET.fromstring(svg).iter(f"{NS}g") if g.get("class") == cls]


def _targets_through(atlas, nerve_id: str) -> set[str]:
    """Every target whose supply runs through the branch ``nerve_id`` or a branch of it."""
    idx = atlas.nerve_idx(nerve_id)
    ids = {atlas.nerves[i].id for i in atlas.descendants(idx)}
    return {t.id for t in atlas.targets if any(e.nerve in ids for e in t.supply)}


def test_median_cut_at_the_elbow_marks_the_cut_between_the_right_branches(atlas):
    """Bug caught: the cut drawn at the wrong place along the nerve (e.g. at its origin, or in unscaled order), so
    the branches to pronator teres (290 mm) and to the elbow joint (285 mm), which leave above the cubital fossa
    (300 mm), would appear below it."""
    d = lesion("median nerve", at="elbow (cubital fossa)")
    svg = course_svg(atlas, "median nerve", d)
    (cut,) = _groups(svg, "cut")
    assert float(cut.get("data-mm")) == 300
    branches = {g.get("data-nerve"): float(g.get("data-mm")) for g in _groups(svg, "branch")}
    above = {n for n, mm in branches.items() if mm < 300}
    below = {n for n, mm in branches.items() if mm >= 300}
    assert above == {"articular_branch_of_median_nerve_to_elbow", "nerve_to_pronator_teres"}
    assert {
        "nerve_to_flexor_carpi_radialis",
        "anterior_interosseous_nerve",
        "recurrent_branch_of_median_nerve",
    } <= below
    # drawn in order: the cut's line lies between the last branch above and the first below it on the trunk
    ys = {}
    for g in _groups(svg, "branch"):
        pts = g.find(f"{NS}polyline").get("points").split()
        ys[g.get("data-nerve")] = float(pts[0].split(",")[1])
    line = cut.findall(f"{NS}line")[-1]
    cut_y = (float(line.get("y1")) + float(line.get("y2"))) / 2
    assert max(ys[n] for n in above) < cut_y < min(ys[n] for n in below)


def test_the_branches_highlighted_are_exactly_those_the_lesion_loses(atlas):
    """Bug caught: the drawing and the lesion model disagreeing (a branch highlighted whose muscles the lesion
    keeps, or one left plain whose targets it takes). Checked against neurectomy.lesion, not against the course's
    own rule: every highlighted branch's targets are all lost, and no plain branch's targets are lost."""
    d = lesion("median nerve", at="elbow (cubital fossa)")
    lost_targets = {x.target.id for x in d.losses}
    svg = course_svg(atlas, "median nerve", d)
    states = {g.get("data-nerve"): g.get("data-state") for g in _groups(svg, "branch")}
    assert set(states.values()) <= {"lost", "spared"}
    assert sum(1 for n in states if _targets_through(atlas, n)) >= 5
    for nerve_id, state in states.items():
        through = _targets_through(atlas, nerve_id)  # (an articular twig may carry no target of its own)
        if state == "lost":
            assert through <= lost_targets, nerve_id
        else:
            assert not (through & lost_targets), nerve_id
    assert {n for n, s in states.items() if s == "spared"} == {
        "articular_branch_of_median_nerve_to_elbow",
        "nerve_to_pronator_teres",
    }
    # the highlight is a pattern and a dash as well as a colour
    for g in _groups(svg, "branch"):
        if g.get("data-state") == "lost":
            line = g.find(f"{NS}polyline")
            assert line.get("stroke") == LOST and line.get("stroke-dasharray")
            assert g.find(f"{NS}rect").get("fill") == "url(#course-lost)"


def test_course_runs_from_the_roots_through_the_plexus(atlas):
    """Bug caught: a course that starts at the nerve's own origin and hides where its fibres come from."""
    svg = course_svg(atlas, "median nerve")
    roots = _groups(svg, "roots")[0]
    assert "C6, C7, C8, T1" in "".join(roots.itertext())
    chain = [g.get("data-nerve") for g in _groups(svg, "ancestor")]
    assert chain[-1] == "lateral_cord_of_brachial_plexus" and chain[0] == "spinal_nerve_c5"
    assert "medial cord of brachial plexus" in svg  # the plexus merge is named
    landmarks = [float(g.get("data-mm")) for g in _groups(svg, "landmark")]
    assert landmarks == sorted(landmarks) and 575 in landmarks
    assert not _groups(svg, "cut")  # no deficit, no cut


def test_an_upstream_cut_takes_the_whole_nerve(atlas):
    """Bug caught: a cut on the parent above the branch point drawn as leaving the nerve intact."""
    d = lesion("lateral cord of brachial plexus")
    items = course_items(atlas, "median nerve", d)
    assert {i.state for i in items if i.kind == "branch"} == {"lost"}


def test_decompression_marks_the_site_but_loses_nothing(atlas):
    """Bug caught: a decompression (which cuts no fibres) drawn as a cut that takes the distal branches."""
    d = lesion("median nerve", at="carpal tunnel", method="decompression")
    svg = course_svg(atlas, "median nerve", d)
    assert "nothing cut" in " ".join(_groups(svg, "cut")[0].itertext())  # the label's lines, joined by spaces
    assert {g.get("data-state") for g in _groups(svg, "branch")} == {"spared"}


@pytest.mark.parametrize("nerve", ["median nerve", "sciatic nerve", "facial nerve", "intercostal nerve T11"])
def test_no_label_overlaps_another_and_none_leaves_the_picture(atlas, nerve):
    """Bug caught: branch labels printed over each other where several branches leave close together (the median
    nerve near the elbow), or running off the right edge."""
    from neurectomy.svgtext import text_width

    try:
        atlas.nerve(nerve)
    except Exception:
        pytest.skip(f"{nerve} not in the atlas")
    root = ET.fromstring(course_svg(atlas, nerve))
    width = float(root.get("width"))
    boxes = []
    for t in root.iter(f"{NS}text"):
        size = float(t.get("font-size", root.get("font-size", "12")))
        w = text_width(t.text or "", size, t.get("font-weight") == "bold")
        x, y = float(t.get("x")), float(t.get("y"))
        left = {"end": x - w, "middle": x - w / 2}.get(t.get("text-anchor", "start"), x)
        assert left >= -0.5 and left + w <= width + 0.5, t.text
        boxes.append((left, y - size * 0.8, left + w, y + size * 0.2, t.text))
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            overlap = min(a[2], b[2]) - max(a[0], b[0]) > 0.5 and min(a[3], b[3]) - max(a[1], b[1]) > 0.5
            assert not overlap, (a[4], b[4])


def test_course_is_on_the_atlas_page_and_the_cut_page():
    """Bug caught: the course drawn but not shown where users look for it."""
    from fastapi.testclient import TestClient

    from neurectomy.web.app import create_app

    client = TestClient(create_app())
    page = client.get("/atlas/nerves/median_nerve").text
    assert "/api/atlas/nerves/median_nerve/course.svg" in page
    svg = client.get("/api/atlas/nerves/median_nerve/course.svg")
    assert svg.status_code == 200 and svg.headers["content-type"].startswith("image/svg+xml")
    cut = client.get("/cut", params={"nerve": "median nerve", "at": "elbow (cubital fossa)"}).text
    assert "/api/lesion/course.svg?" in cut
    course = client.get("/api/lesion/course.svg", params={"nerve": "median nerve", "at": "elbow (cubital fossa)"})
    assert course.status_code == 200 and 'class="cut" data-mm="300"' in course.text


def _texts(svg: str) -> list[str]:
    import html
    import re

    return [html.unescape(t) for t in re.findall(r">([^<]+)</text>", svg)]


def test_the_sacral_rami_join_in_the_sacral_plexus_and_the_roots_agree(atlas):
    """Review 18d: the common fibular nerve's course had no sacral plexus step (S1-S3 simply "joined" the "sciatic
    nerve (L4, L5, S1, S2, S3)") and its header said "Roots: L4, L5, S1, S2" while S3 was listed among the joins.
    The atlas has no sacral plexus node, so the join says where it is, derived from the segments (Gray's: the
    sacral plexus is the lumbosacral trunk and the anterior rami of S1-S3(S4)); and an ancestor shows only the
    segments whose fibres reach the drawn nerve, saying the rest go to other branches."""
    import re

    from neurectomy.course import course_svg

    lines = _texts(course_svg(atlas, "common fibular nerve"))
    text = " ".join(lines)
    assert "joined in the sacral plexus by the anterior ramus of spinal nerve S1" in text
    header = next(t for t in lines if t.startswith("Roots: "))
    roots = set(header.removeprefix("Roots: ").split(", "))
    named = set(re.findall(r"\b([CTLS]\d)\b", text.split(header, 1)[1].split("(its ")[0]))
    assert named <= roots, named - roots  # every segment on the way (but the note on the rest) reaches the nerve
    assert "sciatic nerve (L4, L5, S1, S2)" in lines
    assert "(its S3 fibres go to other branches)" in lines
    # the sciatic nerve itself carries S3, and its own drawing says so
    sciatic = " ".join(_texts(course_svg(atlas, "sciatic nerve")))
    assert "Roots: L4, L5, S1, S2, S3" in sciatic and "spinal nerve S3" in sciatic
    assert "joined in the sacral plexus" in sciatic
    # the lumbosacral trunk forms above the pelvis: L4 joins L5 in no plexus; the femoral nerve in the lumbar one
    assert "joined by the anterior ramus of spinal nerve L4" in " ".join(_texts(course_svg(atlas, "lumbosacral trunk")))
    assert "joined in the lumbar plexus by" in " ".join(_texts(course_svg(atlas, "femoral nerve")))
