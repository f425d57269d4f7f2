"""The quiz (issue 14, item 6): classic lesions at their level, distractors from the same limb and nearby levels, the
finding that tells the answer from the choice, and a run with a score kept in the URL."""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

import neurectomy
from neurectomy.lesion import Cut, lesion
from neurectomy.localisation import OBSERVATION, Finding, localise
from neurectomy.web import views
from neurectomy.web.app import create_app
from neurectomy.web.settings import Settings

CATEGORY = {"absent": 0, "reduced": 1, "normal": 2}
# the textbook lesions the brief names: each must be asked (and resolve in the atlas)
BRIEF = {
    "radial-spiral-groove": ("radial_nerve", "spiral groove"),
    "ulnar-cubital-tunnel": ("ulnar_nerve", "cubital tunnel"),
    "ulnar-guyon": ("ulnar_nerve", "Guyon's canal"),
    "median-carpal-tunnel": ("median_nerve", "carpal tunnel"),
    "ain": ("anterior_interosseous_nerve", None),
    "common-fibular-neck": ("common_fibular_nerve", "fibular neck"),
    "tibial-tarsal-tunnel": ("tibial_nerve", "tarsal tunnel"),
    "lfcn-inguinal": ("lateral_cutaneous_nerve_of_thigh", "inguinal ligament"),
    "femoral-inguinal": ("femoral_nerve", "inguinal ligament"),
    "axillary-surgical-neck": ("axillary_nerve", "surgical neck of humerus"),
    "long-thoracic": ("long_thoracic_nerve", "lateral chest wall (mid-axillary line)"),
}


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app(Settings())) as c:
        yield c


def _every_classic(atlas) -> list[views.Question]:
    """One run's questions cover every classic once (a run asks the classics in a shuffled order)."""
    n = len(views._classics(views.quiz_sites(atlas)))
    qs = [views.question(atlas, 7, k) for k in range(n)]
    assert all(q is not None for q in qs)
    assert len({q.answer for q in qs}) == n
    return qs  # type: ignore[return-value]


def test_the_classic_lesions_of_the_brief_are_asked(atlas):
    """Every textbook lesion named in the brief is a question, at its level, and resolves in the atlas: a renamed
    nerve or landmark would silently drop it from the quiz."""
    sites = views.quiz_sites(atlas)
    classics = set(views._classics(sites))
    for key, (nerve, at) in BRIEF.items():
        assert key in classics, key
        assert (sites[key].site.nerve, sites[key].site.at) == (nerve, at)
    assert {s.key for s in views.QUIZ_SITES} == set(sites), "a quiz site no longer resolves in the atlas"


def test_answers_are_classic_lesions_not_digital_branches(atlas):
    """The old quiz asked mostly about tiny digital branches cut at their origin ("dorsal digital nerve of fourth
    toe, lateral side") with distractors from other regions. Now the answer is a named lesion at a level and every
    choice is a site of the same limb or region, none a digital nerve."""
    for q in _every_classic(atlas):
        sites = views.quiz_sites(atlas)
        assert q.site.classic, q.answer
        assert len(q.choices) == 4 and q.answer in dict(q.choices)
        for key, _ in q.choices:
            assert sites[key].site.region == q.site.region, (q.answer, key)
            assert "digital" not in sites[key].site.nerve


def test_a_nearby_level_of_the_same_nerve_is_always_offered(atlas):
    """Distractors must test the level, not only the nerve: where the quiz knows the same nerve at another level
    (radial nerve in the axilla for one in the spiral groove), that level is among the choices."""
    sites = views.quiz_sites(atlas)
    for q in _every_classic(atlas):
        same_nerve = [
            p
            for p in sites.values()
            if p.site.nerve == q.site.nerve and p.site.key != q.answer and views._differs(p, sites[q.answer])
        ]
        if same_nerve:
            assert any(sites[k].site.nerve == q.site.nerve for k, _ in q.choices if k != q.answer), q.answer


def test_the_findings_shown_tell_the_answer_from_every_choice(atlas):
    """A question that its findings cannot answer is unfair: under the localiser's own observation model the
    answer must be strictly the most likely choice, and each distractor must be contradicted by a shown finding."""
    sites = views.quiz_sites(atlas)
    for q in _every_classic(atlas):

        def loglik(key: str, q: views.Question = q) -> float:
            cats = sites[key].categories
            return sum(math.log(OBSERVATION[f.observed][cats.get(f.target, 2)]) for f in q.findings)  # type: ignore[index]

        best = loglik(q.answer)
        assert best == pytest.approx(sum(math.log(OBSERVATION[f.observed][CATEGORY[f.observed]]) for f in q.findings))  # type: ignore[index]
        for key, _ in q.choices:
            if key != q.answer:
                assert loglik(key) < best - 1.0, (q.answer, key)
                assert views._discriminating(atlas, q, sites[key]), (q.answer, key)


def test_the_localiser_reads_each_question_as_its_answer(atlas):
    """The quiz and the localiser must agree: given only a question's findings, the localiser's first site predicts
    every one of them as the answer does (the same lesion, or an equivalent window of it)."""
    for q in _every_classic(atlas):
        findings = [Finding(f.target, f.observed, f.word) for f in q.findings]  # type: ignore[arg-type]
        best = localise(atlas, findings, top=1, next_tests=0).sites[0]
        d = lesion(atlas, *(Cut(c.nerve_id, mm=c.mm, side=c.side) for c in best.cuts))
        predicted = views._categories(atlas, d)
        for f in q.findings:
            assert predicted.get(f.target, 2) == CATEGORY[f.observed], (q.answer, best.level, f.name)


def test_feedback_names_the_finding_that_separates_the_guess(atlas, client):
    """After a wrong answer the student is told which finding separates the answer from the choice made: radial
    nerve in the spiral groove against the axilla is triceps (or anconeus, its companion), examined normal."""
    seed, index = _find(atlas, "radial-spiral-groove", "radial-axilla")
    q = views.question(atlas, seed, index)
    assert q is not None
    top = views.grade(atlas, q, "radial-axilla")["discriminating"][0]
    assert top["finding"] in ("triceps brachii: normal strength", "anconeus: normal strength")
    assert top["guess_predicts"] == "paralysed" and top["ratio"] == pytest.approx(0.90 / 0.03)
    done = _right_answers(atlas, seed, index)
    text = client.get("/quiz", params={"seed": seed, "done": done, "guess": "radial-axilla"}).text
    shown = html.unescape(re.search(r'<p id="discriminating">(.*?)</p>', text, re.S).group(1))  # type: ignore[union-attr]
    assert top["finding"] in shown and "radial nerve in the axilla" in shown
    assert "Not quite." in text and "Saturday night palsy" in text


def test_a_right_answer_says_what_rules_out_each_other_choice(atlas, client):
    q = views.question(atlas, 3, 0)
    assert q is not None
    fb = views.grade(atlas, q, q.answer)
    assert fb["correct"] and len(fb["ruled_out"]) == 3
    text = client.get("/quiz", params={"seed": 3, "guess": q.answer}).text
    assert "Correct." in text and text.count('class="choice right"') == 1


def test_a_run_is_a_sequence_with_a_score_kept_in_the_url(atlas, client):
    """A student's run: ten questions, the score recomputed from the URL (seed and the choices given), no server
    state and no cookie. Answer right, wrong, right, … and the summary says 5 of 10."""
    seed, done = 42, ""
    for k in range(views.QUIZ_ROUND):
        q = views.question(atlas, seed, k)
        assert q is not None
        keys = [key for key, _ in q.choices]
        guess = q.answer if k % 2 == 0 else next(key for key in keys if key != q.answer)
        r = client.get("/quiz", params={"seed": seed, "done": done, "guess": guess})
        assert r.status_code == 200 and "set-cookie" not in r.headers
        assert f"Question {k + 1} of {views.QUIZ_ROUND}" in r.text
        assert f'<span id="score">{k // 2 + 1}</span> of {k + 1}' in r.text
        nxt = html.unescape(re.search(r'href="(/quiz\?[^"]+)" id="next"', r.text).group(1))  # type: ignore[union-attr]
        assert nxt == f"/quiz?seed={seed}&done={done}{keys.index(guess)}"
        done += str(keys.index(guess))
    r = client.get("/quiz", params={"seed": seed, "done": done})
    assert r.status_code == 200 and 'id="run-summary"' in r.text
    assert "Your run: 5 of 10" in r.text
    assert r.text.count("<td>right</td>") == 5 and r.text.count("<td>wrong</td>") == 5
    asked = [views.question(atlas, seed, k).answer for k in range(views.QUIZ_ROUND)]  # type: ignore[union-attr]
    assert len(set(asked)) == views.QUIZ_ROUND, "a lesion came twice in one run"


@pytest.mark.parametrize(
    "params",
    [
        {"seed": "abc"},
        {"seed": "-5", "done": "12"},
        {"seed": "9" * 40},
        {"seed": "4", "done": "9999"},
        {"seed": "4", "done": "0" * 50},
        {"seed": "4", "done": "0,1"},
        {"seed": "4", "guess": "no-such-site"},
        {"seed": "4", "guess": "radial-axilla", "done": "\u0663"},
    ],
)
def test_hostile_quiz_urls_are_not_errors(client, params):
    """Whatever is in the URL, the quiz answers with a page (a bad run is ignored, an unknown guess is no answer)."""
    r = client.get("/quiz", params=params)
    assert r.status_code == 200
    assert "not a medical device" in r.text.lower()


def test_the_quiz_findings_open_in_the_localiser(atlas, client):
    """After an answer the student can take the case to the localiser (and its best next tests): the link carries the
    question's findings and the localise page ranks the answer's nerve first."""
    q = views.question(atlas, 5, 0)
    assert q is not None
    text = client.get("/quiz", params={"seed": 5, "guess": q.answer}).text
    url = html.unescape(re.search(r'href="(/localise\?[^"]+)"', text).group(1))  # type: ignore[union-attr]
    r = client.get(url)
    assert r.status_code == 200 and "Likely lesion sites" in r.text and "Best next tests" in r.text


# --------------------------------------------------------------------------- helpers
def _find(atlas, answer: str, choice: str) -> tuple[int, int]:
    for seed in range(200):
        for k in range(views.QUIZ_ROUND):
            q = views.question(atlas, seed, k)
            if q is not None and q.answer == answer and choice in dict(q.choices):
                return seed, k
    pytest.fail(f"no run in 200 asks {answer} with {choice} among the choices")


def _right_answers(atlas, seed: int, upto: int) -> str:
    out = ""
    for k in range(upto):
        q = views.question(atlas, seed, k)
        assert q is not None
        out += str([key for key, _ in q.choices].index(q.answer))
    return out


def test_old_seed_urls_still_work(client):
    """``/quiz?seed=N&guess=ID`` (the shape of links already shared) still answers the first question of run N."""
    q = views.question(neurectomy.default_atlas(), 11)
    assert q is not None
    assert "Correct." in client.get("/quiz", params={"seed": 11, "guess": q.answer}).text
