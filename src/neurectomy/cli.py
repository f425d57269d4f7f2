"""The ``neurectomy`` command line (Typer + Rich). An edge: it only parses, calls the API and prints."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table
from rich.tree import Tree

from neurectomy import DISCLAIMER, __version__
from neurectomy.api import default_atlas
from neurectomy.atlas.load import AtlasError, compile_atlas
from neurectomy.datafile import DataFileError
from neurectomy.lesion import Deficit, PositionError
from neurectomy.names import RequestError, UnknownNameError
from neurectomy.requests import DEFAULT_METHOD, DEFAULT_SIDE, LesionRequest, LocaliseRequest, PlanRequest, TargetRequest

app = typer.Typer(
    help=f"Plan and simulate the cutting of peripheral nerves. {DISCLAIMER}",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
atlas_app = typer.Typer(help="Browse and check the anatomy atlas.", no_args_is_help=True)
app.add_typer(atlas_app, name="atlas")
console = Console()
err = Console(stderr=True)

SideOption = Annotated[str, typer.Option("--side", help="left, right or midline")]
PlanSideOption = Annotated[
    str | None, typer.Option("--side", help="left or right; if omitted, the patient's side, else left with a warning")
]
JsonOption = Annotated[bool, typer.Option("--json", help="print one JSON object (DESIGN §5 contract)")]


class UsageError(Exception):
    """A user error: printed in one line, exit status 2."""


def _fail(exc: Exception) -> None:
    raise UsageError(str(exc)) from exc


@app.command("lesion")
def lesion_cmd(
    nerve: Annotated[str, typer.Argument(help="nerve name, synonym or id, e.g. 'sural nerve'")],
    at: Annotated[str | None, typer.Option("--at", help="landmark, or 'distal to the branch to X'")] = None,
    mm: Annotated[float | None, typer.Option("--mm", help="position in mm from the nerve's origin")] = None,
    side: SideOption = DEFAULT_SIDE,
    method: Annotated[str, typer.Option("--method", help="how the nerve is interrupted")] = DEFAULT_METHOD,
    also: Annotated[
        list[str] | None,
        typer.Option(
            "--also",
            # rich markup would swallow the brackets: escape them
            help=r"another cut: \[side:]NERVE\[@LANDMARK|@N mm], e.g. 'right: median nerve@wrist' (repeatable)",
        ),
    ] = None,
    svg: Annotated[str | None, typer.Option("--svg", help="write the body map of the numb skin (SVG)")] = None,
    png: Annotated[str | None, typer.Option("--png", help="write the body map of the numb skin (PNG)")] = None,
    as_json: JsonOption = False,
) -> None:
    """What is lost if NERVE is cut here: numb skin, weak or paralysed muscles, and more."""
    deficit = LesionRequest.build(nerve, at=at, mm=mm, side=side, method=method, also=also).run(default_atlas())
    if svg or png:
        from pathlib import Path

        from neurectomy.bodymap.render import render_png, render_svg

        if svg:
            Path(svg).write_text(render_svg(deficit, default_atlas()), encoding="utf-8")
            err.print(f"wrote {svg}")
        if png:
            err.print(f"wrote {render_png(deficit, png, atlas=default_atlas())}")
    if as_json:
        sys.stdout.write(json.dumps(deficit.to_dict(), ensure_ascii=False) + "\n")
        return
    print_deficit(deficit)


def _sided(side: str, assumed: bool) -> str:
    """A side as printed: '(assumed)' after a lateral side that neither the request nor the record gave."""
    return f"{side} (assumed)" if assumed and side in ("left", "right") else side


def print_deficit(deficit: Deficit, disclaimer: bool = True, assumed: bool = False) -> None:
    for c in deficit.cuts:
        where = c.at or ("origin" if c.mm == 0 else f"{c.mm:g} mm")
        share = f" of {c.fraction:.0%} of its fibres" if c.fraction < 1.0 else ""
        how = c.method.replace("_", " ")
        console.print(f"[bold]Cut:[/bold] {_sided(c.side, assumed)} {c.nerve_name} at {where} ({how}{share})")
    for group, title in (
        ("sensory", "Skin"),
        ("motor", "Muscles"),
        ("autonomic", "Autonomic"),
        ("special", "Special senses"),
        ("articular", "Joints"),
        ("visceral", "Viscera"),
    ):
        items = deficit.group(group)  # type: ignore[arg-type]
        if not items:
            continue
        table = Table(title=title, title_justify="left", show_lines=False)
        table.add_column("target")
        table.add_column("side")
        table.add_column("supply lost", justify="right")
        table.add_column("effect")
        extra = "actions" if group == "motor" else "area cm²" if group == "sensory" else None
        if extra:
            table.add_column(extra)
        for x in items:
            row = [x.target.name, _sided(x.side, assumed), f"{x.supply_lost:.0%}", x.effect]
            if group == "motor":
                row.append(", ".join(x.target.actions))
            elif group == "sensory":
                row.append(f"{x.target.area_cm2:g}" if x.target.area_cm2 else "")
            table.add_row(*row)
        console.print(table)
    print_function(deficit, assumed)
    console.print(deficit.summary, soft_wrap=True)
    if disclaimer:
        console.print(f"[dim]{DISCLAIMER}[/dim]")


def print_function(deficit: Deficit, assumed: bool = False) -> None:
    """Strength lost by joint motion (MyoSuite models), with the functional flags and their sources, and the lost
    muscles the model does not contain; nothing when no limb muscle loses supply."""
    from neurectomy.serialise import function_json, not_modelled_json

    rows, missing = function_json(deficit), not_modelled_json(deficit)
    if rows:
        temporary = any(r["lasting"] != "permanent" for r in rows)
        table = Table(
            title="Strength by joint motion (MyoSuite model; mean over the posture grid)", title_justify="left"
        )
        table.add_column("motion")
        table.add_column("side")
        table.add_column("strength lost", justify="right")
        if temporary:
            table.add_column("lost for good", justify="right")
        table.add_column("remaining", justify="right")
        table.add_column("flags")
        sources: dict[str, int] = {}
        for r in rows:
            marks = []
            for f in r["flags"]:
                n = sources.setdefault(f["source"], len(sources) + 1)
                temp = " (temporary, while the block lasts)" if f["lasting"] == "temporary" else ""
                what = f" ({f['measure']}: {f['remaining']:.0%} left)" if f["measure"] != f["motion"] else ""
                marks.append(f"{f['name']}{temp}{what} [{n}]")
            if r["understated_by"]:
                marks.append("understated: " + ", ".join(r["understated_by"]) + " not in the model")
            cells = [r["motion"], _sided(r["side"], assumed), f"{r['strength_lost']:.0%}"]
            if temporary:
                cells.append(f"{r['permanent_strength_lost']:.0%}")
            table.add_row(*cells, f"{1 - r['strength_lost']:.0%}", "; ".join(marks))
        console.print(table)
        for text, n in sources.items():
            console.print(f"[dim][{n}] {text}[/dim]", soft_wrap=True)
    if missing:
        console.print("Paralysed or weak but not in the strength model (the motions named are understated):")
        for x in missing:
            helps = ", ".join(x["motions"]) or "no joint motion of the model"
            sign = f"; {x['sign']}" if x["sign"] else ""
            console.print(
                f"  {x['muscle']['name']} ({x['side']}, {x['supply_lost']:.0%}): {helps}{sign}", soft_wrap=True
            )
    if rows or missing:
        console.print(
            "[dim]Strength: share of each motion's maximal isometric torque lost in the MyoSuite models, a muscle "
            "with part of its supply lost taken to lose that part of its force (an estimate).[/dim]",
            soft_wrap=True,
        )


def _plan_request(
    procedure: str | None,
    nerve: str | None,
    at: str | None,
    mm: float | None,
    side: str | None,
    method: str | None,
    end: list[str] | None,
    patient_file: str | None,
    years: float | None = None,
    condition: str | None = None,
    also: list[str] | None = None,
) -> PlanRequest:
    return PlanRequest.build(
        procedure,
        condition=condition,
        nerve=nerve,
        at=at,
        mm=mm,
        side=side,
        method=method,
        end_treatments=end,
        also=also,
        patient=patient_file,
        years=years,
    )


ConditionOpt = Annotated[
    str | None,
    typer.Option("--condition", "-c", help="a clinical condition or ICD-10-CM code, e.g. 'meralgia paresthetica'"),
]
ProcedureOpt = Annotated[
    str | None, typer.Option("--procedure", "-p", help="a named procedure, e.g. 'vestibular neurectomy'")
]
NerveOpt = Annotated[str | None, typer.Option("--nerve", "-n", help="cut this nerve instead of a named procedure")]
AtOpt = Annotated[str | None, typer.Option("--at", help="landmark on --nerve")]
MmOpt = Annotated[float | None, typer.Option("--mm", help="position on --nerve in mm")]
MethodOpt = Annotated[
    str | None,
    typer.Option(
        "--method",
        "-m",
        help="surgical_cut, resection, phenol, alcohol, "
        "cryoneurolysis, radiofrequency, decompression, diagnostic_block",
    ),
]
EndOpt = Annotated[
    list[str] | None,
    typer.Option("--end", help="end treatment: cautery, capping, burying_in_muscle, traction, tmr, rpni (repeatable)"),
]
PatientOpt = Annotated[str | None, typer.Option("--patient", help="patient facts (YAML file) for candidacy")]
AlsoOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--also",
        # rich markup would swallow the brackets: escape them
        help=r"another cut beside --nerve: \[side:]NERVE\[@LANDMARK|@N mm] (repeatable; not with a procedure)",
    ),
]


@app.command("plan")
def plan_cmd(
    procedure: ProcedureOpt = None,
    condition: ConditionOpt = None,
    nerve: NerveOpt = None,
    at: AtOpt = None,
    mm: MmOpt = None,
    side: PlanSideOption = None,
    method: MethodOpt = None,
    end: EndOpt = None,
    also: AlsoOpt = None,
    patient: PatientOpt = None,
    as_json: JsonOption = False,
) -> None:
    """A full plan: cuts, expected losses, candidacy, steps, risks, evidence and the course over time.

    With --condition, the condition's usual named procedure is planned and its other named procedures listed."""
    from neurectomy.requests import plan_json

    request = _plan_request(procedure, nerve, at, mm, side, method, end, patient, condition=condition, also=also)
    p = request.run(default_atlas())
    if as_json:
        sys.stdout.write(json.dumps(plan_json(request, p), ensure_ascii=False) + "\n")
        return
    if request.condition is not None:
        _print_condition(plan_json(request, p)["condition"], planned=request.procedure)
    print_plan(p)


def _print_condition(c: dict[str, Any], planned: str | None = None) -> None:
    code = f" (ICD-10-CM {c['icd10cm']})" if c["icd10cm"] else ""
    procs = (
        ", ".join(f"{x['name']} (this plan)" if x["id"] == planned else x["name"] for x in c["procedures"])
        or "none in the table"
    )
    console.print(f"Condition: [bold]{c['name']}[/bold]{code}. Named procedures: {procs}.", highlight=False)
    if c["note"]:
        console.print(f"[dim]{c['note']}[/dim]", highlight=False)


def print_risks(risks: list[dict[str, Any]]) -> None:
    """The risks as published: the figure with its n, the measure it is, design flags and the citation."""
    table = Table(title="Risks (as published)", title_justify="left")
    for col in ("risk", "frequency", "measure", "flags", "source"):
        table.add_column(col)
    for r in risks:
        ids = f" [{', '.join(r['evidence'])}]" if r["evidence"] else ""
        table.add_row(r["name"], r["frequency"], r["measure"], "; ".join(r["flags"]), r["source"] + ids)
    console.print(table)
    for r in risks:
        if r["deficit"]:
            console.print(f"{r['name']}: {r['deficit']}", highlight=False)


def print_comparison(c: dict[str, Any]) -> None:
    """Neurectomy against the alternatives, like for like (same outcome, same measure), and what each costs."""
    table = Table(title="Comparison with the alternatives (like for like)", title_justify="left")
    for col in ("outcome", "option", "as published"):
        table.add_column(col)
    for outcome in c["outcomes"]:
        for k, row in enumerate(c["rows"]):
            x = row["outcomes"][outcome]
            shown = f"{x['value']} ({', '.join(x['evidence'])})" if x["value"] is not None else x["text"]
            table.add_row(outcome if k == 0 else "", row["option"], shown, end_section=k == len(c["rows"]) - 1)
    if c["outcomes"]:
        console.print(table)
    console.print(c["note"], highlight=False)
    costs = Table(title="What each option costs the patient", title_justify="left")
    for col in ("option", "numbness", "weakness", "recurrence"):
        costs.add_column(col)
    for row in c["rows"]:
        costs.add_row(row["option"], row["costs"]["numbness"], row["costs"]["weakness"], row["costs"]["recurrence"])
    console.print(costs)


def print_plan(p: Any) -> None:
    d = p.to_dict()
    for warning in d["warnings"]:
        console.print(f"[bold yellow]Warning:[/bold yellow] {warning}", highlight=False)
    proc = d["procedure"]
    if proc:
        console.print(f"[bold]{proc['name']}[/bold] — for {'; '.join(proc['indications'])}")
        console.print(
            f"Anaesthesia: {proc['anaesthesia']}. Imaging: {proc['imaging_guidance']}. "
            f"Approaches: {', '.join(proc['approaches']) or '—'}. Incision: {proc['incision']}"
        )
        for i, step in enumerate(proc["steps"], 1):
            console.print(f"  {i}. {step}")
    m = d["method"]
    console.print(
        f"Method: {m['name']} (Seddon {m['seddon'] or '—'}, Sunderland {m['sunderland'] or '—'}; "
        f"basal lamina tubes {'intact' if m['basal_lamina_tubes_intact'] else 'severed'})"
        + (f"; end: {', '.join(e['name'] for e in m['end_treatments'])}" if m["end_treatments"] else "")
    )
    assumed = any(w.startswith("Side not confirmed") for w in d["warnings"])
    print_deficit(p.deficit, disclaimer=False, assumed=assumed)
    if d["candidacy"]:
        c = d["candidacy"]
        table = Table(title=f"Candidacy: {c['verdict']}", title_justify="left")
        table.add_column("rule")
        table.add_column("verdict")
        table.add_column("reason")
        for r in c["reasons"]:
            table.add_row(r["rule"], r["verdict"], r["text"])
        console.print(table)
        for item in c.get("not_used", []):
            console.print(f"Not used: {item}", highlight=False)
    if d["alternatives"]:
        console.print("Alternatives: " + "; ".join(d["alternatives"]))
    if d["risks"]:
        print_risks(d["risks"])
    print_comparison(d["comparison"])
    tl = p.timeline
    if len(tl.target_ids):
        import numpy as np

        table = Table(title="Course over time (function / expected pain, 1 = as before)", title_justify="left")
        table.add_column("target")
        marks = [d for d in (30, 180, 365, 1825, 3650) if d < tl.days[-1] - 30] + [int(tl.days[-1] + 0.5)]
        for day in marks:
            table.add_column(f"{day} d", justify="right")
        for i in sorted(range(len(tl.target_ids)), key=lambda i: -float(tl.lost[i]))[:10]:
            cells = []
            for day in marks:
                j = int(np.searchsorted(tl.days, day))
                pain = tl.curves.pain[i, j]
                cells.append(f"{tl.curves.function[i, j]:.2f} / {'—' if np.isnan(pain) else format(pain, '.2f')}")
            side = _sided(str(tl.sides[i]), assumed)
            table.add_row(f"{tl.target_names[i]} ({side})" + (" *" if tl.treated[i] else ""), *cells)
        console.print(table)
        course = tl.pain_course()
        if course is not None:
            at = ", ".join(f"{day} d {np.interp(day, tl.days, course):.0%}" for day in marks)
            console.print(f"Expected pain over the painful region, of before: {at} (model; {tl.pain_region}).")
        for caveat in tl.caveats:
            console.print(f"[bold yellow]Caveat:[/bold yellow] {escape(caveat)}.", highlight=False)
        ind = tl.indication
        if ind is not None and ind.measure not in ("pain", "function"):
            at = ", ".join(f"{day} d {np.interp(day, tl.days, ind.values):.0%}" for day in marks)
            console.print(
                f"{ind.measure.capitalize()}, share of patients: {at} (model, fitted to {', '.join(ind.sources)}; "
                "the course table's function is what the remaining and regrown supply gives, not this measure).",
                highlight=False,
            )
        status, risk = tl.neuroma_summary()
        years = tl.days[-1] / 365.25
        if status == "rate":
            console.print(f"Neuroma risk by {years:.1f} years: {risk:.0%} (model, by site; see method sources).")
        else:
            console.print(f"Neuroma risk: {status} (model; {tl.neuroma_reason()}).")
    if d["evidence"]:
        table = Table(title=f"Evidence ({len(d['evidence'])} published figures)", title_justify="left")
        for col in ("id", "outcome", "value", "n", "source"):
            table.add_column(col)
        for e in d["evidence"][:12]:
            # the caveats (a background statement, a row the model does not follow) beside the outcome, where they
            # are not cut off with a long citation; escaped, or Rich reads "[...]" as markup and drops it
            flags = f" [{'; '.join(e['flags'])}]" if e["flags"] else ""
            table.add_row(
                e["id"], escape(e["outcome"] + flags), f"{e['value']} {e['unit']}", e["n"] or "", escape(e["source"])
            )
        console.print(table)
    console.print(f"[dim]{d['notice']}[/dim]")


@app.command("target")
def target_cmd(
    region: Annotated[list[str] | None, typer.Option("--region", "-r", help="painful skin region (repeatable)")] = None,
    function: Annotated[
        list[str] | None,
        typer.Option(
            "--function", "-f", help="function to disable, e.g. 'palmar sweating', 'vertigo', 'L4-L5 facet pain'"
        ),
    ] = None,
    condition: ConditionOpt = None,
    side: Annotated[
        str | None,
        typer.Option("--side", help="left or right; default: the side a region or ICD-10-CM code names, else left"),
    ] = None,
    sex: Annotated[
        str | None,
        typer.Option("--sex", help="female or male: the other sex's targets are neither costed nor listed"),
    ] = None,
    top: Annotated[int, typer.Option("--top", "-k", help="how many ranked alternatives")] = 3,
    spare_motor: Annotated[bool, typer.Option("--spare-motor", help="allow no motor loss")] = False,
    method: Annotated[
        str, typer.Option("--method", "-m", help="how each cut is made (a decompression cannot take anything away)")
    ] = DEFAULT_METHOD,
    coverage: Annotated[float, typer.Option("--coverage", help="share of each target's supply to cut")] = 1.0,
    avoid: Annotated[list[str] | None, typer.Option("--avoid", help="nerve not to touch (repeatable)")] = None,
    weight: Annotated[list[str] | None, typer.Option("--weight", help="override a cost weight, KIND=NUMBER")] = None,
    full_plan: Annotated[bool, typer.Option("--plan", help="turn each answer into a full Plan")] = False,
    as_json: JsonOption = False,
) -> None:
    """Which nerve should be cut? The least-harm cut sets for a region or function, best first."""
    request = TargetRequest.build(
        region,
        function,
        condition=condition,
        side=side,
        sex=sex,
        top=top,
        spare_motor=spare_motor,
        method=method,
        coverage=coverage,
        avoid=avoid,
        weights=weight,
        with_plans=full_plan,
    )
    result, plans = request.run_with_plans(default_atlas())
    if as_json:
        sys.stdout.write(json.dumps(request.json_of(result, plans), ensure_ascii=False) + "\n")
        return
    if request.condition is not None:
        from neurectomy.requests import condition_json

        _print_condition(condition_json(request.condition))
    for note in request.notes:
        console.print(f"[bold]Note:[/bold] {note}", highlight=False)
    console.print("Asked to take away: " + ", ".join(t.name for t in result.required))
    table = Table("rank", "cuts", "named procedure", "collateral (largest first)", "cost")
    for i, p in enumerate(result.plans, 1):
        cuts = "\n".join(
            f"{c.label} "
            + (f"at {c.at}" if c.at else f"at {c.mm:g} mm")
            + f" [{c.window_mm[0]:g}–{c.window_mm[1]:g} mm]"
            for c in p.cuts
        )
        coll = ", ".join(
            f"{x.target.name}{f' ({x.target.sex} only)' if x.target.sex and result.sex is None else ''} "
            f"{x.supply_lost:.0%}"
            for x in p.collateral[:6]
        )
        more = f" … +{len(p.collateral) - 6}" if len(p.collateral) > 6 else ""
        named = "\n".join(
            f"{'part of ' if not m.whole else ''}{m.name} "
            + (
                f"\\[{', '.join(m.evidence[:4])}{'…' if len(m.evidence) > 4 else ''}]"
                if m.evidence
                else "(no evidence row)"
            )
            for m in p.procedures
        )
        named = (named + ("" if p.established else "\n+ cuts no named procedure makes")) if named else "none"
        if p.condition_procedure is not None:
            named += "\n(a named procedure for this condition)"
        for w in p.warnings:
            named += f"\n[bold red]{w}[/bold red]"
        table.add_row(str(i), cuts, named, (coll + more) or "none", f"{p.cost:.2f}")
    console.print(table)
    if plans:
        print_plan(plans[0])
    else:
        console.print(f"[dim]{DISCLAIMER}[/dim]")


@app.command("localise")
def localise_cmd(
    numb: Annotated[list[str] | None, typer.Option("--numb", help="numb (anaesthetic) region")] = None,
    hypo: Annotated[list[str] | None, typer.Option("--hypo", help="region with reduced feeling")] = None,
    weak: Annotated[list[str] | None, typer.Option("--weak", help="weak muscle (MRC 1-4)")] = None,
    paralysed: Annotated[list[str] | None, typer.Option("--paralysed", help="paralysed muscle (MRC 0)")] = None,
    lost: Annotated[list[str] | None, typer.Option("--lost", help="lost function, e.g. 'palmar sweating'")] = None,
    spared: Annotated[
        list[str] | None, typer.Option("--spared", "--normal", help="examined and normal (region or muscle)")
    ] = None,
    mrc: Annotated[list[str] | None, typer.Option("--mrc", help="MUSCLE=GRADE, the MRC grade 0-5")] = None,
    side: SideOption = DEFAULT_SIDE,
    top: Annotated[int, typer.Option("--top", "-k")] = 3,
    closed_world: Annotated[
        bool, typer.Option("--closed-world", help="everything not listed was examined and is normal")
    ] = False,
    next_tests: Annotated[int, typer.Option("--next", help="how many next tests to suggest")] = 3,
    as_json: JsonOption = False,
) -> None:
    """Where is the lesion? Ranked sites with their probability, and the best next test."""
    from neurectomy.serialise import localise_json

    request = LocaliseRequest.build(
        numb=numb,
        hypo=hypo,
        weak=weak,
        paralysed=paralysed,
        lost=lost,
        spared=spared,
        mrc=mrc,
        side=side,
        top=top,
        closed_world=closed_world,
        next_tests=next_tests,
    )
    result = request.run(default_atlas())
    if as_json:
        sys.stdout.write(json.dumps(localise_json(result), ensure_ascii=False) + "\n")
        return
    table = Table(
        "rank",
        "probability",
        "lesion",
        "explains",
        "contradicts",
        title=f"{result.side} side: {result.hypotheses:,} one- and two-lesion hypotheses weighed",
        title_justify="left",
    )
    for i, s in enumerate(result.sites, 1):
        table.add_row(
            str(i),
            f"{s.posterior:.0%}",
            s.level,
            ", ".join(s.explains) or "—",
            ", ".join(s.contradicts) or "—",
        )
    console.print(table)
    if result.next_tests:
        tests = Table(
            "examine",
            "gain (bits)",
            "if abnormal, points to",
            "if normal, points to",
            title="Best next tests",
            title_justify="left",
        )
        for t in result.next_tests:
            tests.add_row(
                f"{t.target_name} ({t.examination})", f"{t.information_gain_bits:.2f}", t.if_abnormal, t.if_normal
            )
        console.print(tests)
    console.print(f"[dim]{DISCLAIMER}[/dim]")


model_app = typer.Typer(help="Check the models against the evidence they print.", no_args_is_help=True)
app.add_typer(model_app, name="model")


@model_app.command("check")
def model_check_cmd(
    as_json: JsonOption = False,
    out: Annotated[
        str | None, typer.Option("--out", help="write the chart of model against evidence (.png or .html)")
    ] = None,
) -> None:
    """For every evidence row the models use: the observed value and its interval, the model's value, agreement."""
    import math

    from neurectomy.modelcheck import check

    result = check(default_atlas())
    report = result.to_dict()
    if as_json:
        sys.stdout.write(json.dumps(report, ensure_ascii=False) + "\n")
    else:
        table = Table(title="Model check", title_justify="left")
        for col in ("evidence", "fit", "quantity", "observed", "interval", "model", "status"):
            table.add_column(col)
        marks = {"agrees": "agrees", "disagrees": "[bold red]disagrees[/bold red]", "not comparable": "not comparable"}
        for r in result.rows:
            lo, hi = ("…" if math.isinf(v) else f"{v:.3g}" for v in r.interval)
            table.add_row(
                r.evidence,
                "fitted" if r.fitted else "held out",
                r.quantity,
                r.observed_text(),
                f"{lo}–{hi}",
                f"{r.model:.3g}",
                marks[r.status] + (" (unexplained)" if r.unexplained else ""),
            )
        console.print(table)
        console.print(f"Model check: {result.summary()}.", highlight=False)
        reasons = [r for r in result.rows if r.status != "agrees"]
        for r in reasons:
            console.print(f"  {r.evidence} {r.status}: {r.disagreement or r.comparable or 'no reason stated'}")
        console.print(
            "[dim]Fitted rows agree by construction (the fit reproduces its inputs); held-out rows are the test. "
            f"{len(report['not_compared'])} printed rows not compared (reasons in --json).[/dim]"
        )
    if out:
        from neurectomy.charts import model_check_spec
        from neurectomy.plots import write_chart

        try:
            err.print(f"wrote {write_chart(model_check_spec(report), out)}")
        except OSError as exc:
            raise UsageError(f"cannot write {out}: {exc.strerror or exc}") from None
    if result.unexplained:
        raise typer.Exit(1)


simulate_app = typer.Typer(help="Simulate what happens after the cut.", no_args_is_help=False)
app.add_typer(simulate_app, name="simulate")


@simulate_app.callback(invoke_without_command=True)
def simulate_plan(
    ctx: typer.Context,
    procedure: Annotated[str | None, typer.Option("--plan", "--procedure", "-p", help="named procedure")] = None,
    nerve: NerveOpt = None,
    at: AtOpt = None,
    mm: MmOpt = None,
    side: PlanSideOption = None,
    method: MethodOpt = None,
    end: EndOpt = None,
    years: Annotated[float, typer.Option("--years", help="how far to simulate")] = 5.0,
    out: Annotated[str | None, typer.Option("--out", help="write the timeline chart (.html, .png or .svg)")] = None,
    as_json: JsonOption = False,
) -> None:
    """The course over time of a plan: function, pain, neuroma risk (``simulate --plan NAME --years N``)."""
    if ctx.invoked_subcommand is not None:
        return
    if procedure is None and nerve is None:
        console.print(ctx.get_help())
        return
    p = _plan_request(procedure, nerve, at, mm, side, method, end, None, years).run(default_atlas())
    if as_json:
        sys.stdout.write(json.dumps(p.timeline.to_dict(), ensure_ascii=False) + "\n")
    else:
        print_plan(p)
    if out:
        from neurectomy.charts import timeline_spec
        from neurectomy.plots import write_chart

        title = p.procedure.name if p.procedure else f"{p.method.name} of the {p.deficit.cuts[0].nerve_name}"
        path = write_chart(timeline_spec(p.timeline, title), out)
        err.print(f"wrote {path}")


@app.command("report")
def report_cmd(
    procedure: ProcedureOpt = None,
    nerve: NerveOpt = None,
    at: AtOpt = None,
    mm: MmOpt = None,
    side: PlanSideOption = None,
    method: MethodOpt = None,
    end: EndOpt = None,
    patient: PatientOpt = None,
    pdf: Annotated[str | None, typer.Option("--pdf", help="write the report as PDF")] = None,
    html: Annotated[str | None, typer.Option("--html", help="write the report as HTML")] = None,
    registry: Annotated[
        bool,
        typer.Option(
            "--registry",
            help="add the outcomes recorded in the registry "
            "(NEURECTOMY_DATABASE_URL or the default database) for this procedure",
        ),
    ] = False,
) -> None:
    """A printable report of a plan (HTML and/or PDF) for the consent conversation."""
    from neurectomy import report

    if not pdf and not html:
        raise UsageError("give --pdf FILE and/or --html FILE")
    p = _plan_request(procedure, nerve, at, mm, side, method, end, patient).run(default_atlas())
    rows: list[Any] = []
    if registry:
        if p.procedure is None:
            raise UsageError("--registry needs --procedure: outcomes are recorded per procedure")
        from sqlalchemy.exc import OperationalError, ProgrammingError

        from neurectomy.registry.compare import compare_for_procedure
        from neurectomy.registry.db import make_engine

        try:
            rows = compare_for_procedure(make_engine(), p.procedure.id)
        except (OperationalError, ProgrammingError):
            raise UsageError("the registry database is not set up: run `neurectomy registry init`") from None
    if html:
        err.print(f"wrote {report.write_html(p, html, registry=rows)}")
    if pdf:
        err.print(f"wrote {report.write_pdf(p, pdf, registry=rows)}")


@app.command("serve")
def serve_cmd(
    host: Annotated[str, typer.Option("--host", help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="port to listen on")] = 8000,
    workers: Annotated[int, typer.Option("--workers", min=1, help="worker processes (share the database)")] = 1,
    scheduler: Annotated[
        str | None, typer.Option("--scheduler", help="Dask scheduler address for simulation jobs (default: local)")
    ] = None,
) -> None:
    """Start the web app (pages and the JSON API with OpenAPI at /docs)."""
    from neurectomy.web.server import serve

    serve(host=host, port=port, workers=workers, scheduler=scheduler)


def _add_registry() -> None:
    try:
        from neurectomy.registry.cli import registry_app
    except ImportError:  # the registry is optional until installed
        return
    app.add_typer(registry_app, name="registry")


_add_registry()


@simulate_app.command("stump")
def simulate_stump_cmd(
    method: Annotated[str, typer.Option("--method", "-m", help="how the nerve was interrupted")] = "surgical_cut",
    end: EndOpt = None,
    axons: Annotated[int, typer.Option("--axons", help="axons at the stump")] = 1000,
    days: Annotated[float, typer.Option("--days", help="how long to simulate")] = 180.0,
    replicates: Annotated[int, typer.Option("--replicates", help="independent runs (mean shown)")] = 1,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    out: Annotated[str | None, typer.Option("--out", help="write the curves (.html, .png, .svg or .json)")] = None,
    as_json: JsonOption = False,
) -> None:
    """Growth cones at the cut end: how many reach targets, and how big a neuroma grows."""
    from neurectomy.regrowth.stump import simulate_many, simulate_stump

    try:
        if replicates > 1:
            result = simulate_many(method, end or (), n_axons=axons, days=days, replicates=replicates, rng=seed)
        else:
            result = simulate_stump(method, end or (), n_axons=axons, days=days, rng=seed)
    except (UnknownNameError, ValueError) as exc:
        _fail(exc)
        return
    data = result.to_dict()
    if as_json:
        sys.stdout.write(json.dumps(data) + "\n")
    else:
        import numpy as np

        reached = np.asarray(data["reached"], dtype=float)
        neuroma = np.asarray(data["neuroma_index"], dtype=float)
        reached = reached.mean(axis=0) if reached.ndim > 1 else reached
        neuroma = neuroma.mean(axis=0) if neuroma.ndim > 1 else neuroma
        table = Table(
            title=f"Stump after {method.replace('_', ' ')}" + (f" + {', '.join(end)}" if end else ""),
            title_justify="left",
        )
        # TMR and RPNI give the cones a new target (the transferred motor nerve, the graft): what they reach is not
        # the original targets, which the kinetics count as reconnected (none after TMR or RPNI)
        captured = bool({"tmr", "rpni"} & set(end or ()))
        reach = "axons captured by the TMR nerve / RPNI graft" if captured else "axons reaching their own targets"
        risk = np.asarray(data["kinetics_neuroma_risk"], dtype=float)
        for col in ("day", reach, "neuroma index", "neuroma risk"):
            table.add_column(col, justify="right")
        day_list = list(data["days"])
        for d in (30, 60, 90, 180, 365, 730):
            if d <= day_list[-1]:
                j = min(range(len(day_list)), key=lambda i: abs(day_list[i] - d))
                table.add_row(f"{day_list[j]:g}", f"{reached[j]:.0%}", f"{neuroma[j]:.2f}", f"{risk[j]:.1%}")
        console.print(table)
        console.print(
            "Neuroma index: free cone tips plus branch points near the cut end, per axon, on that day (a count of "
            "disorganised axonal material, not a probability and not cumulative). After about a year it falls in "
            "this model because branching stops at 16 cones per axon while free tips wander out of the 3 mm zone: "
            "that is not a falling risk. Neuroma risk: the kinetics' neuroma risk (cumulative), for the same method "
            "and end treatment at a peripheral site; it never falls."
            + (" Captured axons end in the new muscle target, not in the original skin or muscle." if captured else ""),
            highlight=False,
        )
        for line in data["end_treatment_evidence"]:
            console.print(f"End treatment: {line}.", highlight=False)
        console.print(
            f"[dim]{data['agent_steps']:,} agent-steps. Parameters and their sources: "
            f"neurectomy.regrowth.stump. {DISCLAIMER}[/dim]"
        )
    if out:
        from pathlib import Path

        if out.endswith(".json"):
            Path(out).write_text(json.dumps(data), encoding="utf-8")
        else:
            from neurectomy.plots import bands, stump_spec, write_chart

            write_chart(
                stump_spec(
                    data["days"],
                    bands(data["reached"]),
                    bands(data["neuroma_index"]),
                    method,
                    end or (),
                    f"{replicates} replicate(s) of {axons} axons.",
                ),
                out,
            )
        err.print(f"wrote {out}")


@simulate_app.command("cohort")
def simulate_cohort_cmd(
    n: Annotated[int, typer.Option("--n", help="number of simulated patients")] = 100_000,
    nerve: Annotated[str, typer.Option("--nerve", help="the nerve cut in every arm")] = "sural nerve",
    at: AtOpt = None,
    seed: Annotated[int, typer.Option("--seed")] = 0,
    chunk: Annotated[int, typer.Option("--chunk", help="patients per task")] = 100_000,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler", help="Dask scheduler address; default: a local cluster (or in-process for one chunk)"
        ),
    ] = None,
    inline: Annotated[bool, typer.Option("--inline", help="run in this process, no Dask")] = False,
    out: Annotated[
        str | None,
        typer.Option("--out", help="directory for patients.parquet, summary.csv and the chart (HTML and PNG)"),
    ] = None,
    fixed: Annotated[
        bool,
        typer.Option("--fixed", help="fixed fitted parameters (teaching): intervals are then Monte Carlo noise only"),
    ] = False,
    draws: Annotated[int, typer.Option("--draws", help="parameter draws for the model uncertainty")] = 40,
    as_json: JsonOption = False,
) -> None:
    """A Monte Carlo cohort: the same cut made six ways (cut, + cautery, + TMR, phenol, cryo, RF). The parameters
    are drawn from their uncertainty, so the intervals are model uncertainty; --fixed keeps them at the fit."""
    from rich.progress import Progress

    from neurectomy.regrowth.cohort import (
        MC_INTERVAL,
        check_draws,
        default_scenarios,
        mark_statuses,
        simulate_cohort,
        simulate_uncertain_cohort,
        summarise,
    )

    try:
        scenarios = default_scenarios(default_atlas(), nerve, at)
        if n < 1:
            raise ValueError(f"--n must be at least 1, not {n}")
        if not fixed:
            check_draws(n, len(scenarios), draws)
    except (UnknownNameError, PositionError, ValueError) as exc:
        _fail(exc)
        return
    with Progress(console=err, transient=True) as bar:
        task = bar.add_task(f"simulating {n:,} patients", total=None)

        def tick(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        options: dict[str, Any] = {
            "rng": seed,
            "chunk_size": chunk,
            "scheduler": scheduler,
            "backend": "inline" if inline else "auto",
            "progress": tick,
        }
        if fixed:
            frame = simulate_cohort(n, scenarios, **options)
            summary = mark_statuses(summarise(frame), scenarios)
            summary["interval"] = MC_INTERVAL
        else:
            frame, summary = simulate_uncertain_cohort(n, scenarios, draws=draws, **options)
    if as_json:
        arms = json.loads(summary.to_json(orient="records"))
        sys.stdout.write(
            json.dumps(
                {
                    "nerve": scenarios[0].nerve,
                    "n": n,
                    "draws": None if fixed else draws,
                    "interval": str(summary["interval"].iloc[0]),
                    "arms": arms,
                },
                ensure_ascii=False,
            )
            + "\n"
        )
    else:
        table = Table(title=f"{n:,} simulated patients, cut: {scenarios[0].nerve}", title_justify="left")
        for col in ("arm", "n", "painful neuroma", "reconnected at 1 y", "reconnected at 5 y", "pain at 1 y"):
            table.add_column(col, justify="right")
        for r in summary.to_dict("records"):
            neuroma = (
                f"{r['neuroma_rate']:.1%} ({r['neuroma_lo']:.1%}–{r['neuroma_hi']:.1%})"
                if r["neuroma_status"] == "rate"
                else r["neuroma_status"]
            )
            pain = (
                f"{r['pain_1y_mean']:.2f} ({r['pain_1y_lo']:.2f}–{r['pain_1y_hi']:.2f})"
                if r["pain_status"] == "modelled"
                else "not applicable"
            )
            table.add_row(
                str(r["scenario"]),
                f"{r['n']:,}",
                neuroma,
                f"{r['function_1y_mean']:.2f}",
                f"{r['function_5y_mean']:.2f}",
                pain,
            )
        console.print(table)
        console.print(f"Intervals: {summary['interval'].iloc[0]}.")
        console.print(
            "Reconnected: the share of the cut fibres that regrow to their own targets (through surviving tubes "
            "after a block; a misdirected few through the cut end after a cut, none where the end is sealed). Feeling "
            "that returns at the border from neighbouring intact nerves (collateral sprouting) is not counted here; "
            "`simulate` and `plan` show it."
        )
        console.print(
            f"[dim]Model parameters and sources: neurectomy.calibration, neurectomy.methods. {DISCLAIMER}[/dim]"
        )
    if out:
        from neurectomy.plots import write_cohort_outputs

        for path in write_cohort_outputs(frame, summary, out):
            err.print(f"wrote {path}")


@simulate_app.command("sweep")
def simulate_sweep_cmd(
    param: Annotated[
        list[str],
        typer.Option(
            "--param",
            help="NAME=V1,V2,… (repeatable). Kinetics: latency_days, "
            "maturation_days, ceiling, neuroma, deafferentation; with --stump: "
            "gap_mm, distance_mm, end_treatments (e.g. cautery,tmr,none)",
        ),
    ],
    stump: Annotated[bool, typer.Option("--stump", help="sweep the growth-cone model instead of the kinetics")] = False,
    n: Annotated[int, typer.Option("--n", help="patients over the whole sweep (kinetics)")] = 200_000,
    method: Annotated[str, typer.Option("--method", "-m")] = "surgical_cut",
    nerve: Annotated[str, typer.Option("--nerve")] = "sural nerve",
    seed: Annotated[int, typer.Option("--seed")] = 0,
    scheduler: Annotated[str | None, typer.Option("--scheduler", help="Dask scheduler address")] = None,
    out: Annotated[str | None, typer.Option("--out", help="write the table as CSV")] = None,
    as_json: JsonOption = False,
) -> None:
    """A parameter sweep: one summary row per combination of the given values."""
    from neurectomy.regrowth.cohort import Scenario, default_scenarios, sweep_kinetics, sweep_stump

    grid: dict[str, list[Any]] = {}
    for item in param:
        name, _, values = item.partition("=")
        parts = [v.strip() for v in values.split(",") if v.strip()]
        if not name or not parts:
            raise UsageError(f"--param takes NAME=V1,V2,…, not {item!r}")
        if name.strip() == "end_treatments":
            grid["end_treatments"] = [() if v == "none" else tuple(v.split("+")) for v in parts]
        else:
            try:
                grid[name.strip()] = [float(v) for v in parts]
            except ValueError:
                raise UsageError(f"values of {name} must be numbers: {values!r}") from None
    try:
        if stump:
            table = sweep_stump(method, grid, rng=seed)
        else:
            base = (
                next(s for s in default_scenarios(default_atlas(), nerve) if s.method == method)
                if method in ("surgical_cut", "phenol", "cryoneurolysis", "radiofrequency")
                else None
            )
            if base is None:
                base = Scenario(
                    method, nerve, method, distances_mm=default_scenarios(default_atlas(), nerve)[0].distances_mm
                )
            table = sweep_kinetics(base, grid, n, rng=seed, scheduler=scheduler)
    except (KeyError, UnknownNameError, ValueError) as exc:
        _fail(exc)
        return
    if as_json:
        sys.stdout.write(table.to_json(orient="records") + "\n")
    else:
        shown = [
            c
            for c in (
                *grid,
                "n",
                "neuroma_rate",
                "function_1y_mean",
                "function_5y_mean",
                "pain_1y_mean",
                "reached",
                "neuroma_index",
                "sprouts",
            )
            if c in table.columns
        ]
        view = Table(
            *shown, title="Sweep" + (" (stump model)" if stump else f" ({method}, {nerve})"), title_justify="left"
        )
        for row in table[shown].itertuples(index=False):
            view.add_row(*(f"{v:.3g}" if isinstance(v, float) else str(v) for v in row))
        console.print(view)
        console.print(f"[dim]{DISCLAIMER}[/dim]")
    if out:
        table.to_csv(out, index=False)
        err.print(f"wrote {out}")


@atlas_app.command("search")
def atlas_search(
    text: Annotated[str, typer.Argument(help="words to look for")],
    limit: Annotated[int, typer.Option("--limit", "-n")] = 10,
    as_json: JsonOption = False,
) -> None:
    """Find nerves, landmarks, conditions and targets by name, synonym, eponym or id (typos forgiven)."""
    from neurectomy.serialise import search_json

    hits = search_json(default_atlas(), text, limit)
    if as_json:
        print(json.dumps(hits, ensure_ascii=False))
        return
    if not hits:
        console.print(f"Nothing found for {text!r}.", highlight=False)
        return
    table = Table("kind", "id", "name")
    for hit in hits:
        table.add_row(hit["kind"], hit["id"], hit["name"])
    console.print(table)


@atlas_app.command("show")
def atlas_show(
    nerve: Annotated[str, typer.Argument(help="nerve name, synonym or id")],
    as_json: JsonOption = False,
) -> None:
    """A nerve: its course, branches, landmarks, fibres, targets and sources."""
    from neurectomy.serialise import nerve_json

    atlas = default_atlas()
    idx = atlas.nerve_idx(nerve)
    n = atlas.nerves[idx]
    targets = [atlas.targets[t] for t in atlas.targets_of(idx)]
    if as_json:
        print(json.dumps(nerve_json(atlas, idx), ensure_ascii=False))
        return
    console.print(f"[bold]{n.name}[/bold] ({n.id})" + (f" — also: {', '.join(n.synonyms)}" if n.synonyms else ""))
    console.print(
        f"parent: {n.parent or '—'} at {n.origin_mm:g} mm; length {n.length_mm:g} mm; "
        f"roots: {', '.join(n.roots) or '—'}; fibres: {', '.join(n.fibres)}"
    )
    if n.also_from:
        console.print("also receives from: " + ", ".join(f"{p} at {mm:g} mm" for p, mm in n.also_from))
    if n.landmarks:
        console.print("landmarks: " + ", ".join(f"{name} ({mm:g} mm)" for name, mm in n.landmarks))
    console.print(f"source: {n.source}")
    tree = Tree(n.name)
    _add_branches(atlas, idx, tree, depth=0)
    console.print(tree)
    console.print(
        f"supplies {len(targets)} target(s): "
        + ", ".join(t.name for t in targets[:40])
        + (" …" if len(targets) > 40 else "")
    )


def _add_branches(atlas: Any, idx: int, tree: Tree, depth: int) -> None:
    for child in atlas.children[idx]:
        c = atlas.nerves[child]
        sub = tree.add(f"{c.name} [dim](at {c.origin_mm:g} mm)[/dim]")
        if depth < 4:
            _add_branches(atlas, child, sub, depth + 1)


@atlas_app.command("stats")
def atlas_stats(as_json: JsonOption = False) -> None:
    """How much anatomy the atlas holds."""
    from neurectomy.bodymap import atlas_stats as chart_stats

    counts = chart_stats(default_atlas())
    if as_json:
        print(json.dumps(counts))
        return
    table = Table("what", "count")
    for k, v in counts.items():
        table.add_row(k.replace("_", " "), str(v))
    console.print(table)


@atlas_app.command("validate")
def atlas_validate(
    data_dir: Annotated[str | None, typer.Argument(help="a data directory (default: the packaged atlas)")] = None,
) -> None:
    """Check every data file and cross-reference; problems name file, line, record and field."""
    from pathlib import Path

    try:
        atlas = compile_atlas(Path(data_dir) if data_dir else None)
    except AtlasError as exc:
        for p in exc.problems:
            err.print(str(p), markup=False, highlight=False)
        err.print(f"[red]{len(exc.problems)} problem(s)[/red]")
        raise typer.Exit(1) from None
    for w in atlas.warnings:
        console.print(f"[yellow]warning:[/yellow] {w}", markup=True, highlight=False)
    console.print("[green]atlas valid[/green]: " + ", ".join(f"{k}={v}" for k, v in atlas.counts().items()))


@app.command("demo")
def demo() -> None:
    """A short tour: what is lost when the lateral femoral cutaneous nerve is cut (meralgia paresthetica)."""
    console.print(f"[bold]neurectomy {__version__}[/bold] — {DISCLAIMER}\n")
    for spec in ("lateral cutaneous nerve of thigh", "posterior interosseous nerve"):
        try:
            deficit = LesionRequest.build(spec).run(default_atlas())
        except UnknownNameError:
            continue
        print_deficit(deficit)
        console.print()


@app.callback(invoke_without_command=True)
def _version(
    version: Annotated[bool, typer.Option("--version", help="print the version")] = False,
) -> None:
    if version:
        console.print(__version__)
        raise typer.Exit()


def run(argv: Sequence[str]) -> int:
    """Run the app; user errors become one red line and exit status 2."""
    try:
        code = app(args=list(argv), prog_name="neurectomy", standalone_mode=False)
    except AtlasError as exc:
        err.print(str(exc), markup=False)
        return 1
    except (UsageError, UnknownNameError, RequestError, DataFileError) as exc:
        err.print("[red]error:[/red] ", end="", highlight=False)
        err.print(str(exc), highlight=False, markup=False, soft_wrap=True)
        return 2
    except SystemExit as exc:
        return int(exc.code or 0)
    except Exception as exc:
        # click's own usage errors
        name = type(exc).__name__
        if name in ("UsageError", "BadParameter", "NoSuchOption", "MissingParameter", "BadOptionUsage"):
            show = getattr(exc, "show", None)
            if callable(show):
                show()
            return 2
        if name == "Abort":
            return 1
        raise
    return code if isinstance(code, int) else 0
