"""Cross-check of the atlas against SCKAN's nerve -> muscle/skin/joint/sweat-gland pathways (issue 4, item 2).

For every row of ``shared/reference/sckan/sckan-pathways.csv`` the most distal nerve of ``via`` (the last name:
SCKAN lists the path proximal first; " OR " separates alternative paths, each checked on its own) is cut at its
origin, and the row's target must be among the losses. Wording the atlas does not know is mapped in
``tests/data/sckan_aliases.yaml`` (explicit, never fuzzy). Every row the atlas does not reproduce is listed in
``tests/data/sckan_disagreements.yaml`` with a verdict and the source that settles it; a listed row that the atlas
now reproduces fails, so the list stays honest. Agreement = reproduced / resolved rows, at least 95 %.
"""

from __future__ import annotations

import csv
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

from neurectomy import UnknownNameError
from neurectomy.atlas import Atlas
from neurectomy.lesion import Cut, lesion

REPO = Path(__file__).resolve().parents[1]
CSV_PATH = (
    Path(os.environ.get("NEURECTOMY_SHARED", REPO.parent / "shared")) / "reference" / "sckan" / "sckan-pathways.csv"
)
DATA = Path(__file__).with_name("data")
ALIASES = yaml.safe_load((DATA / "sckan_aliases.yaml").read_text(encoding="utf-8"))
DISAGREEMENTS = yaml.safe_load((DATA / "sckan_disagreements.yaml").read_text(encoding="utf-8"))
VERDICTS = ("sckan_error", "atlas_simplification", "not_modelled")
# bibliography keys that are not a textbook or paper able to settle an anatomical question
NOT_EVIDENCE = {"sckan", "uberon", "fma", "ta2", "lund_browder"}
AGREEMENT_FLOOR = 0.95
_LABEL = re.compile(r"^.+? to (?P<target>.+?) via (?P<via>.+)$")

pytestmark = pytest.mark.skipif(not CSV_PATH.exists(), reason=f"SCKAN reference data not found at {CSV_PATH}")


@dataclass
class Row:
    id: str
    target: str
    via: str


@dataclass
class Outcome:
    row: Row
    resolved: bool = True
    reproduced: bool = True
    notes: list[str] = field(default_factory=list)

    def describe(self) -> str:
        return f"{self.row.id}: {self.row.target!r} via {self.row.via!r}: " + "; ".join(self.notes)


def read_rows() -> list[Row]:
    rows = []
    with CSV_PATH.open(newline="", encoding="utf-8") as handle:
        for raw in csv.DictReader(handle):
            target, via = " ".join(raw["target"].split()), " ".join(raw["via"].split())
            if not via:  # a row whose label was not split into columns (senmot:143): read the label itself
                match = _LABEL.match(" ".join(raw["label"].split()))
                assert match, f"cannot read SCKAN row {raw['id']}"
                target, via = match["target"], match["via"]
            rows.append(Row(raw["id"], target, via))
    return rows


def _ids(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def resolve_nerves(atlas: Atlas, row: Row, wording: str) -> list[str] | None:
    """Atlas nerve ids (cut together) for SCKAN's nerve wording, or None if the atlas has no such nerve."""
    local = ALIASES["rows"].get(row.id, {}).get("nerves", {})
    if wording in local:
        return _ids(local[wording])
    if wording in ALIASES["nerves"]:
        return _ids(ALIASES["nerves"][wording])
    try:
        return [atlas.nerve(wording).id]
    except UnknownNameError:
        return None


def resolve_targets(atlas: Atlas, row: Row) -> tuple[list[str], bool] | None:
    """(atlas target ids, whether any one of them suffices) for SCKAN's target wording, or None."""
    local = ALIASES["rows"].get(row.id, {}).get("targets", {})
    spec = local.get(row.target, ALIASES["targets"].get(row.target))
    if isinstance(spec, dict):
        return list(spec["any"]), True
    if spec is not None:
        return list(spec), False
    for name in (row.target, re.sub(r"\s*\bmuscle\b", "", row.target).strip()):
        try:
            return [atlas.target(name).id], False
        except UnknownNameError:
            continue
    return None


def check_row(atlas: Atlas, row: Row) -> Outcome:
    outcome = Outcome(row)
    targets = resolve_targets(atlas, row)
    if targets is None:
        outcome.resolved = outcome.reproduced = False
        outcome.notes.append(f"atlas has no target for {row.target!r}")
    for alternative in row.via.split(" OR "):
        distal = alternative.split(" via ")[-1].strip()
        nerves = resolve_nerves(atlas, row, distal)
        if nerves is None:
            outcome.resolved = outcome.reproduced = False
            outcome.notes.append(f"atlas has no nerve for {distal!r}")
            continue
        if targets is None:
            continue
        wanted, any_one = targets
        deficit = lesion(atlas, *(Cut(n) for n in nerves))
        lost = {x.target.id: x.supply_lost for x in deficit.losses}
        hit = [t for t in wanted if lost.get(t, 0.0) > 0.0]
        if not (hit if any_one else len(hit) == len(wanted)):
            outcome.reproduced = False
            missed = sorted(set(wanted) - set(hit))
            outcome.notes.append(f"cutting {', '.join(nerves)} spares {', '.join(missed)}")
    return outcome


@pytest.fixture(scope="module")
def outcomes(atlas: Atlas) -> dict[str, Outcome]:
    # the aliases must name real atlas ids, or a typo there would pass for a disagreement
    for value in [
        *ALIASES["nerves"].values(),
        *(v for r in ALIASES["rows"].values() for v in r.get("nerves", {}).values()),
    ]:
        for nerve_id in _ids(value):
            assert nerve_id in atlas.nerve_index, f"sckan_aliases.yaml names unknown nerve {nerve_id!r}"
    for spec in [
        *ALIASES["targets"].values(),
        *(v for r in ALIASES["rows"].values() for v in r.get("targets", {}).values()),
    ]:
        for target_id in spec["any"] if isinstance(spec, dict) else spec:
            assert target_id in atlas.target_index, f"sckan_aliases.yaml names unknown target {target_id!r}"
    rows = read_rows()
    assert len(rows) == 162, f"expected SCKAN's 162 pathways, read {len(rows)}"
    assert len({r.id for r in rows}) == len(rows), "SCKAN ids must be unique"
    return {row.id: check_row(atlas, row) for row in rows}


def listed() -> dict[str, dict[str, str]]:
    entries = DISAGREEMENTS or []
    by_id = {entry["id"]: entry for entry in entries}
    assert len(by_id) == len(entries), "an id is listed twice in sckan_disagreements.yaml"
    return by_id


def test_disagreement_entries_are_well_formed(atlas: Atlas, outcomes: dict[str, Outcome]) -> None:
    evidence = {key for key, _ in atlas.references} - NOT_EVIDENCE
    for row_id, entry in listed().items():
        assert row_id in outcomes, f"{row_id} is not a SCKAN row"
        assert set(entry) == {"id", "sckan_says", "atlas_says", "verdict", "source"}, f"{row_id}: fields {set(entry)}"
        assert entry["verdict"] in VERDICTS, f"{row_id}: verdict {entry['verdict']!r}"
        for key in ("sckan_says", "atlas_says", "source"):
            assert str(entry[key] or "").strip(), f"{row_id}: empty {key}"
        if entry["verdict"] != "not_modelled":  # an anatomical judgement needs a textbook or paper behind it
            cited = set(re.findall(r"[a-z][a-z0-9_]+", entry["source"])) & evidence
            assert cited, f"{row_id}: source cites no reference key of references.yaml: {entry['source']!r}"


def test_every_row_reproduced_or_listed(outcomes: dict[str, Outcome]) -> None:
    disagreements = listed()
    missing = [o.describe() for o in outcomes.values() if not o.reproduced and o.row.id not in disagreements]
    assert not missing, "rows the atlas does not reproduce, not listed in sckan_disagreements.yaml:\n" + "\n".join(
        missing
    )


def test_listed_rows_still_disagree(outcomes: dict[str, Outcome]) -> None:
    disagreements = listed()
    stale = [row_id for row_id in disagreements if outcomes[row_id].reproduced]
    assert not stale, f"listed as disagreements but the atlas now reproduces them (remove them): {stale}"
    wrong = [
        row_id
        for row_id, entry in disagreements.items()
        if (entry["verdict"] == "not_modelled") == outcomes[row_id].resolved
    ]
    assert not wrong, f"verdict not_modelled must be used exactly for rows the atlas cannot resolve: {wrong}"


def test_agreement(outcomes: dict[str, Outcome]) -> None:
    resolved = [o for o in outcomes.values() if o.resolved]
    reproduced = [o for o in resolved if o.reproduced]
    agreement = len(reproduced) / len(resolved)
    counts = {v: sum(1 for e in listed().values() if e["verdict"] == v) for v in VERDICTS}
    print(
        f"\nSCKAN agreement: {len(reproduced)}/{len(resolved)} resolved rows = {agreement:.1%} "
        f"({len(outcomes)} rows; disagreements listed: {counts})"
    )
    assert agreement >= AGREEMENT_FLOOR, f"SCKAN agreement {agreement:.1%} < {AGREEMENT_FLOOR:.0%}"
