"""The localise page (issue 14, item 6): textbook cases from the web, multi-cut sites open as one lesion, a clear
message (never an HTTP 500) for contradictory input, the body map's three marks and muscles chosen from a list
grouped by limb."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

import neurectomy
from neurectomy.lesion import Cut, lesion
from neurectomy.web.app import create_app
from neurectomy.web.settings import Settings
from tests.test_localise import TEXTBOOK

NOTICE = "not a medical device"
# carpal tunnel and Guyon's canal together: the best hypothesis is two lesions
DOUBLE_CRUSH: list[tuple[str, str]] = [
    *(
        ("paralysed", m)
        for m in (
            "abductor pollicis brevis",
            "opponens pollicis",
            "first dorsal interosseous of hand",
            "abductor digiti minimi of hand",
            "adductor pollicis",
        )
    ),
    ("numb", "skin of palmar surface of index finger, radial side"),
    ("numb", "skin of palmar surface of little finger, ulnar side"),
    *(
        ("spared", m)
        for m in (
            "flexor pollicis longus",
            "flexor carpi ulnaris",
            "flexor digitorum profundus",
            "pronator teres",
            "skin of dorsum of hand, ulnar half",
            "skin of thenar eminence (lateral palm)",
        )
    ),
]


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app(Settings()), raise_server_exceptions=False) as c:
        yield c


def _error(text: str) -> str:
    found = re.search(r'<div class="error" role="alert"[^>]*>(.*?)</div>', text, re.S)
    assert found, "no error message on the page"
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", found.group(1)))).strip()


def _cards(text: str) -> list[str]:
    return [
        re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", c)))
        for c in re.findall(r'<li class="plan-card">(.*?)</li>\s*(?=<li class="plan-card">|</ol>)', text, re.S)
    ]


@pytest.mark.parametrize("case", list(TEXTBOOK), ids=list(TEXTBOOK))
def test_textbook_cases_rank_the_expected_site_first_on_the_page(client, case):
    """The acceptance cases of issue 14 from the web page, as a student types them."""
    findings, nerve, level = TEXTBOOK[case]
    params = [(k, v) for k, vs in findings.items() for v in vs]
    r = client.get("/localise", params=params)
    assert r.status_code == 200, r.text[-500:]
    first = _cards(r.text)[0]
    name = neurectomy.default_atlas().nerve(nerve).name
    assert re.match(rf"\s*1\s+{re.escape(name)} (distal|at or near)", first), first
    assert level in first


@pytest.mark.parametrize(
    ("params", "field", "words"),
    [
        ({"numb": "skin of lateral thigh", "spared": "skin of lateral thigh"}, "spared", "both numb and normal"),
        ({"weak": "biceps brachii", "paralysed": "biceps brachii"}, "weak", "both paralysed and weak"),
        ({"paralysed": "biceps brachii", "mrc": "biceps brachii=4"}, "mrc", "both paralysed and MRC 4"),
        ({"numb": "skin of lateral thigh", "hypo": "skin of lateral thigh"}, "hypo", "both numb and reduced"),
        ({"mrc": "biceps brachii=7"}, "mrc", "0 to 5"),
        ({"mrc": "biceps brachii"}, "mrc", "MUSCLE=GRADE"),
        ({"spared": "biceps brachii"}, "numb", "at least one abnormal finding"),
        ({"numb": "skin of lateral thigh", "side": "middle"}, "side", "left, right"),
    ],
)
def test_contradictory_or_incomplete_input_is_a_clear_message_not_a_500(client, params, field, words):
    """The page answered HTTP 500 when one region was both numb and known normal. Now every contradiction (and an
    MRC grade out of range, or only normal findings) is a 422 with a message naming the field and the problem, and
    the form keeps what was typed."""
    r = client.get("/localise", params=params)
    assert r.status_code == 422, r.text[-500:]
    assert f'data-field="{field}"' in r.text
    assert words in _error(r.text)
    assert NOTICE in r.text.lower()
    for value in params.values():
        if value not in ("middle",):
            assert html.escape(value, quote=False) in r.text


def test_a_two_lesion_site_opens_as_one_lesion_on_the_cut_page(client):
    """ "See this lesion" opened only the first of several cuts. For a double crush at the wrist (carpal tunnel and
    Guyon's canal) the best site is two lesions; its link must open the Cut page with both, and that page must show
    the deficit of both cuts together."""
    atlas = neurectomy.default_atlas()
    best = neurectomy.localise(
        paralysed=[v for k, v in DOUBLE_CRUSH if k == "paralysed"],
        numb=[v for k, v in DOUBLE_CRUSH if k == "numb"],
        spared=[v for k, v in DOUBLE_CRUSH if k == "spared"],
    ).sites[0]
    assert sorted(c.nerve_id for c in best.cuts) == ["median_nerve", "ulnar_nerve"]
    page = client.get("/localise", params=DOUBLE_CRUSH).text
    link = html.unescape(re.findall(r'href="(/cut\?[^"]+)"', page)[0])
    assert "also=" in link
    r = client.get(link)
    assert r.status_code == 200
    summary = html.unescape(re.search(r'<p class="summary"[^>]*>(.*?)</p>', r.text, re.S).group(1))  # type: ignore[union-attr]
    assert "median nerve" in summary and "ulnar nerve" in summary
    both = lesion(atlas, *(Cut(c.nerve_id, mm=c.mm, side=c.side) for c in best.cuts))
    for x in both.motor:
        if x.effect == "paralysed":
            assert x.target.name in r.text
    assert "abductor pollicis brevis" in r.text and "abductor digiti minimi of hand" in r.text


def test_muscles_are_chosen_from_a_list_grouped_by_limb(client):
    """A flat list of 270 muscles was all there was; the list is now grouped by limb or region, every muscle once."""
    atlas = neurectomy.default_atlas()
    text = client.get("/localise").text
    select = re.search(r'<select name="muscle" id="muscle">(.*?)</select>', text, re.S)
    assert select
    groups = dict(re.findall(r'<optgroup label="([^"]+)">(.*?)</optgroup>', select.group(1), re.S))
    assert {"Upper limb", "Lower limb", "Head"} <= set(groups)
    assert "<option>biceps brachii</option>" in groups["Upper limb"]
    assert "<option>tibialis anterior</option>" in groups["Lower limb"]
    assert "<option>biceps brachii</option>" not in groups["Lower limb"]
    names = [html.unescape(n) for n in re.findall(r"<option>([^<]+)</option>", select.group(1))]
    assert sorted(names) == sorted(t.name for t in atlas.targets if t.kind == "muscle")


def test_adding_a_muscle_without_script_moves_it_to_its_mark(client):
    """Without JavaScript the muscle chosen from the list is sent with the form: it joins the list it is marked as
    and leaves the others (one mark per finding, so no contradiction error), and the localisation runs."""
    r = client.get(
        "/localise",
        params={
            "numb": "skin of lateral thigh",
            "weak": "rectus femoris\nsartorius",
            "muscle": "rectus femoris",
            "muscle_as": "spared",
        },
    )
    assert r.status_code == 200, _error(r.text)
    spared = re.search(r'<textarea name="spared" id="spared"[^>]*>(.*?)</textarea>', r.text, re.S).group(1)  # type: ignore[union-attr]
    weak = re.search(r'<textarea name="weak" id="weak"[^>]*>(.*?)</textarea>', r.text, re.S).group(1)  # type: ignore[union-attr]
    assert spared.strip() == "rectus femoris" and weak.strip() == "sartorius"
    assert "Likely lesion sites" in r.text


def test_the_body_map_marks_regions_numb_reduced_or_normal(client):
    """The body-map picker writes a clicked region into the field of the chosen mark; the page offers the three marks
    and clickable regions, and the script that moves a region between the marks is served locally."""
    text = client.get("/localise").text
    modes = re.findall(r'<input type="radio" name="_mode" value="(\w+)"', text)
    assert modes == ["numb", "hypo", "spared"]
    for box in modes:
        assert f'id="{box}"' in text
    assert 'data-region="skin_lateral_thigh"' in text
    script = client.get("/static/app.js").text
    assert "input[name=_mode]:checked" in script and '"numb", "hypo", "spared"' in script
    assert "#muscle-pick" in script


def test_closed_world_is_a_choice_on_the_page(client):
    """``closed_world`` was read from the URL but never offered; the checkbox keeps its state."""
    params = {"numb": "skin of lateral thigh", "closed_world": "1"}
    text = client.get("/localise", params=params).text
    assert re.search(r'name="closed_world" value="1" checked', text)
    assert "Likely lesion sites" in text
    assert not re.search(r'name="closed_world" value="1" checked', client.get("/localise").text)
