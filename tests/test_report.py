"""The printable report: HTML content, a valid multi-page A4 PDF, and the CLI writing both."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from markupsafe import escape

import neurectomy
from neurectomy import report
from neurectomy.candidacy import Patient


def _e(text: str) -> str:
    """Text as the template escapes it."""
    return str(escape(text))


PATIENT = Patient(
    indication="Menière's disease with intractable vertigo",
    goal="disable_function",
    age=54,
    failed_treatments=("betahistine", "intratympanic steroid"),
)


@pytest.fixture(scope="module")
def vestibular():
    return neurectomy.plan("vestibular_neurectomy", patient=PATIENT)


@pytest.fixture(scope="module")
def page(vestibular) -> str:
    return report.render_html(vestibular, patient=PATIENT)


@pytest.fixture(scope="module")
def pdf(vestibular, tmp_path_factory) -> Path:
    return report.write_pdf(vestibular, tmp_path_factory.mktemp("report") / "vestibular.pdf", patient=PATIENT)


def test_html_has_disclaimer_date_version_and_verdict(page: str, vestibular) -> None:
    assert _e(neurectomy.DISCLAIMER) in page
    assert "not a medical device" in page.lower()
    assert vestibular.created in page
    assert f"neurectomy {neurectomy.__version__}" in page
    assert vestibular.candidacy is not None
    assert f">{vestibular.candidacy.verdict}<" in page
    for reason in vestibular.candidacy.reasons:
        assert _e(reason.text) in page
        assert _e(reason.source) in page


def test_html_has_each_risk_and_citation(page: str, vestibular) -> None:
    assert vestibular.risks and vestibular.evidence
    for risk in vestibular.risks:
        assert _e(risk["name"]) in page
        assert _e(risk["source"]) in page
    for row in vestibular.evidence:
        assert _e(row["source"]) in page
        for flag in row["flags"]:
            assert _e(flag) in page


def test_html_has_cut_method_patient_and_timeline(page: str, vestibular) -> None:
    assert "vestibular nerve" in page
    assert "neurotmesis" in page and "Sunderland grade 5" in page
    assert "betahistine, intratympanic steroid" in page
    assert "data:image/svg+xml;base64," in page  # the timeline, embedded
    for step in vestibular.procedure.steps:
        assert _e(step) in page


def test_html_is_self_contained(page: str) -> None:
    assert "http://" not in page.split("<body")[0] and "https://" not in page.split("<body")[0]
    assert "<link" not in page and "<script" not in page and "@import" not in page


def test_body_map_for_skin_loss() -> None:
    page = report.render_html(neurectomy.plan(nerve="sural nerve", method="phenol"))
    assert 'alt="Body map' in page
    assert "No patient facts were given" in page
    assert "Seddon: axonotmesis" in page


def test_pdf_is_valid_a4_with_disclaimer_on_every_page(pdf: Path) -> None:
    from pypdf import PdfReader

    assert pdf.read_bytes()[:5] == b"%PDF-"
    reader = PdfReader(pdf)
    assert len(reader.pages) >= 2
    for number, p in enumerate(reader.pages, 1):
        width, height = float(p.mediabox.width), float(p.mediabox.height)
        assert abs(width - 595.3) < 1 and abs(height - 841.9) < 1  # A4 in points
        text = " ".join(p.extract_text().split())
        assert "Not a medical device" in text
        assert f"page {number} of {len(reader.pages)}" in text


def test_cli_writes_pdf_and_html(tmp_path: Path) -> None:
    out_pdf, out_html = tmp_path / "lfcn.pdf", tmp_path / "lfcn.html"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "neurectomy",
            "report",
            "--procedure",
            "lfcn neurectomy",
            "--pdf",
            str(out_pdf),
            "--html",
            str(out_html),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert out_pdf.read_bytes()[:5] == b"%PDF-"
    text = out_html.read_text(encoding="utf-8")
    assert "Lateral femoral cutaneous neurectomy" in text
    assert "not a medical device" in text.lower()


def test_report_shows_the_registry_outcomes_beside_the_evidence(tmp_path):
    import subprocess
    import sys

    from neurectomy import plan as make_plan
    from neurectomy.registry.compare import compare_for_procedure
    from neurectomy.report import render_html

    from . import test_registry_support as sup

    engines = sup.engine_for("sqlite", tmp_path)
    engine = next(engines)
    try:
        sup.populate(engine, sup.users(engine)["clinician"], 4, plan=False)
        rows = compare_for_procedure(engine, "lfcn_neurectomy", min_days=90)
        complete = next(r for r in rows if r.measure == "complete_relief")
        assert (complete.k, complete.n) == (2, 4)
        html = render_html(make_plan("lfcn_neurectomy"), registry=rows)
        assert "recorded outcomes beside the published figures" in html and "2 of 4" in html and "E001" in html
        out = tmp_path / "r.html"
        env = {**__import__("os").environ, "NEURECTOMY_DATABASE_URL": str(engine.url)}
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "neurectomy",
                "report",
                "--procedure",
                "lfcn neurectomy",
                "--html",
                str(out),
                "--registry",
            ],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr
        assert "of 4" in out.read_text()
        empty = {**env, "NEURECTOMY_DATABASE_URL": f"sqlite:///{tmp_path / 'none.db'}"}
        bad = subprocess.run(
            [
                sys.executable,
                "-m",
                "neurectomy",
                "report",
                "--procedure",
                "lfcn neurectomy",
                "--html",
                str(out),
                "--registry",
            ],
            capture_output=True,
            text=True,
            env=empty,
            check=False,
        )
        assert bad.returncode == 2 and "registry init" in bad.stderr
    finally:
        next(engines, None)
