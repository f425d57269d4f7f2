"""Monte Carlo cohorts (issue 7): determinism, constant-memory summaries, the published-parameter behaviour, and
a real Dask scheduler with two workers on 127.0.0.1 giving the same answer as a local run; the one random stream
of the compiled kernels; the core's layering (no edge imports, no file output)."""

from __future__ import annotations

import ast
import json
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from neurectomy.regrowth.cohort import (
    default_scenarios,
    simulate_chunk,
    simulate_cohort,
    simulate_patient_loop,
    simulate_summary,
    summarise,
)


@pytest.fixture(scope="module")
def scenarios(atlas):
    return default_scenarios(atlas)


def test_same_seed_same_cohort(scenarios):
    a = simulate_cohort(30_000, scenarios, rng=5, chunk_size=10_000, backend="inline")
    b = simulate_cohort(30_000, scenarios, rng=5, chunk_size=10_000, backend="inline")
    c = simulate_cohort(30_000, scenarios, rng=6, chunk_size=10_000, backend="inline")
    pd.testing.assert_frame_equal(a, b)
    assert not a["age"].equals(c["age"])


def test_cohort_does_not_depend_on_chunking(scenarios):
    """Bug caught: every chunk drew from its own seed (spawned per chunk), so the same request (n, rng) gave another
    cohort when ``chunk_size`` (the CLI's ``--chunk``, the number of Dask tasks) changed. Each patient now has a
    fixed place in the cohort's one stream, so rows are identical whatever the chunking."""
    whole = simulate_cohort(25_000, scenarios, rng=5, chunk_size=25_000, backend="inline")
    for size in (10_000, 7_777, 999):
        pd.testing.assert_frame_equal(
            simulate_cohort(25_000, scenarios, rng=5, chunk_size=size, backend="inline"), whole, obj=f"chunk {size}"
        )
    a = simulate_summary(25_000, scenarios, rng=5, chunk_size=25_000, backend="inline")
    b = simulate_summary(25_000, scenarios, rng=5, chunk_size=7_777, backend="inline")
    pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-12)  # the same sums, added in another order


def test_cohort_takes_rng_like_every_stochastic_function(scenarios):
    """Bug caught: the cohort functions took ``seed=`` (an int, spawned through their own ``SeedSequence``) instead
    of ``rng=`` (None | int | Generator, normalised by ``neurectomy.rng.check_random_state``, DESIGN §9)."""
    g1, g2 = np.random.default_rng(8), np.random.default_rng(8)
    a = simulate_cohort(2_000, scenarios, rng=g1, chunk_size=700, backend="inline")
    pd.testing.assert_frame_equal(a, simulate_cohort(2_000, scenarios, rng=g2, chunk_size=700, backend="inline"))
    assert not a.equals(simulate_cohort(2_000, scenarios, rng=g1, chunk_size=700, backend="inline"))  # it advanced
    pd.testing.assert_frame_equal(
        simulate_cohort(2_000, scenarios, rng=np.int64(3), backend="inline"),
        simulate_cohort(2_000, scenarios, rng=3, backend="inline"),
    )
    assert len(simulate_summary(2_000, scenarios, rng=None, backend="inline")) == len(scenarios)
    with pytest.raises(TypeError, match="rng must be"):
        simulate_cohort(100, scenarios, rng="seed", backend="inline")
    with pytest.raises(TypeError):
        simulate_cohort(100, scenarios, seed=1, backend="inline")  # the old keyword is gone, not silently ignored


MASK64 = (1 << 64) - 1


def _splitmix64(seed: int, n: int) -> list[int]:
    """The reference SplitMix64 (Steele, Lea and Flood 2014; Vigna's splitmix64.c), in plain Python."""
    out, state = [], seed
    for _ in range(n):
        state = (state + 0x9E3779B97F4A7C15) & MASK64
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        out.append(z ^ (z >> 31))
    return out


def test_kernels_draw_from_the_one_splitmix64_stream(scenarios):
    """Bug caught: each compiled kernel carried its own SplitMix64. The shared stream must be SplitMix64 exactly,
    and the cohort kernel must take patient ``i``'s draws from position ``i * STRIDE`` of it (a kernel with a
    generator of its own, or another stride, fails here)."""
    from neurectomy.regrowth import _random
    from neurectomy.regrowth._cohort_kernel import STRIDE
    from neurectomy.regrowth.cohort import AGE_RANGE
    from neurectomy.rng import kernel_seeds

    assert _splitmix64(0, 1) == [0xE220A8397B1DCDAF]  # the published first output for seed 0
    for seed in (0, 12345, 2**64 - 1):
        ref = [(z >> 11) * 2.0**-53 for z in _splitmix64(seed, 40)]
        assert _random.uniforms(seed, 40).tolist() == ref
        assert _random.uniforms(seed, 5, skip=33).tolist() == ref[33:38]
    rows = simulate_chunk(scenarios, 50, 7, first=1000)
    draws = _random.uniforms(kernel_seeds(7, 1)[0], 50 * STRIDE, skip=1000 * STRIDE).reshape(50, STRIDE)
    lo, hi = AGE_RANGE
    assert np.array_equal(rows["scenario"], np.minimum((draws[:, 0] * len(scenarios)).astype(int), len(scenarios) - 1))
    assert np.allclose(rows["age"], lo + (hi - lo) * draws[:, 1], rtol=1e-6)


SRC = Path(__file__).resolve().parents[1] / "src" / "neurectomy"


def test_one_copy_of_the_generator_in_the_package():
    """Bug caught: SplitMix64 was written out twice (``_cohort_kernel`` and ``_stump_kernel``), free to drift apart.
    Its constants may appear in ``regrowth/_random.py`` only."""
    constants = re.compile(r"0x_?9e37_?79b9_?7f4a_?7c15|0x_?bf58_?476d_?1ce4_?e5b9|0x_?94d0_?49bb_?1331_?11eb", re.I)
    holders = sorted(
        str(p.relative_to(SRC)) for p in SRC.rglob("*.py") if constants.search(p.read_text(encoding="utf-8"))
    )
    assert holders == ["regrowth/_random.py"]


EDGES = ("cli", "web", "registry", "report", "bodymap", "plots", "api")
WRITES = {"to_parquet", "to_csv", "write_text", "write_bytes", "mkdir", "savefig", "write_chart"}


def test_regrowth_core_imports_no_edge_and_writes_no_files():
    """Bug caught: ``regrowth/cohort.py`` imported ``neurectomy.plots`` and wrote Parquet, CSV and charts itself
    (``write_outputs``). The core computes; file output lives at an edge (``neurectomy.plots.write_cohort_outputs``).
    Imports inside functions count too."""
    problems = []
    for path in sorted((SRC / "regrowth").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            for name in names:
                if any(name == f"neurectomy.{e}" or name.startswith(f"neurectomy.{e}.") for e in EDGES):
                    problems.append(f"{path.name}:{node.lineno} imports {name}")
            if isinstance(node, ast.Call):
                f = node.func
                called = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
                if called in WRITES or called == "open":
                    problems.append(f"{path.name}:{node.lineno} calls {called}")
    assert problems == []


def test_constant_memory_summary_equals_the_rows(scenarios):
    rows = summarise(simulate_cohort(50_000, scenarios, rng=2, chunk_size=20_000, backend="inline"))
    stats = simulate_summary(50_000, scenarios, rng=2, chunk_size=20_000, backend="inline")
    for col in ("n", "neuroma_rate", "function_1y_mean", "function_5y_mean", "pain_1y_mean", "neuroma_lo"):
        assert np.allclose(rows[col].to_numpy(float), stats[col].to_numpy(float), atol=1e-5), col


def test_arms_reproduce_the_kinetics_they_are_given(scenarios):
    """Each arm of a cohort reproduces its method's kinetics (``Scenario.parameters()``, whatever their values: they
    belong to ``neurectomy.methods`` and ``regrowth.kinetics`` and change with the evidence): neuroma and
    deafferentation rates within 4 standard errors of their probabilities, function at 5 years at the ceiling
    (every patient has recovered by then, as the slowest regrowth shows) and never above it.

    Bug caught: a kernel that reads the wrong column of the scenario table, or mixes up arms (the TMR arm's neuroma
    risk differs from its deafferentation risk and from the plain cut's, the blocks have ceiling 1 and cuts 0.1);
    also replaces a test that hard-coded the model values of the day (cut neuroma 0.225, cautery below cut) and so
    failed whenever the evidence-fitted kinetics moved.
    """
    from neurectomy.calibration import Z_NODES
    from neurectomy.regrowth.cohort import AGE_RANGE, AGE_SLOWING, HORIZONS_DAYS, RATE_RANGE

    s = simulate_summary(120_000, scenarios, rng=1, backend="inline").set_index("scenario")
    slowest = RATE_RANGE.value * max(1.0 - AGE_SLOWING.value * (AGE_RANGE[1] - 40), 0.3)
    for arm in scenarios:
        p, row = arm.parameters(), s.loc[arm.name]
        for col in ("neuroma", "deafferentation"):
            se = np.sqrt(max(p[col] * (1 - p[col]), 1e-12) / row["n"])
            assert abs(row[f"{col}_rate"] - p[col]) <= 4 * se + 1e-12, (arm.name, col, row[f"{col}_rate"], p[col])
        assert row["function_5y_mean"] <= p["ceiling"] + 1e-6, arm.name
        slowest_latency = p["latency_days"] * np.exp(p["latency_spread"] * max(Z_NODES))  # the last latency node
        last = slowest_latency + 1.4 * max(arm.distances_mm) / slowest + p["maturation_days"]
        if last <= HORIZONS_DAYS[1]:  # every patient is at the ceiling at 5 years
            assert row["function_5y_mean"] == pytest.approx(p["ceiling"], abs=1e-6), arm.name
        else:  # the slowest patients (E073: RF relief lasts 15 months, some far longer) are still recovering
            assert row["function_5y_mean"] >= 0.9 * p["ceiling"], arm.name
    assert s.loc["cut + TMR", "neuroma_rate"] < s.loc["cut", "neuroma_rate"]  # TMR's relative risk is below 1


def test_loop_baseline_is_the_same_model(scenarios):
    loop = pd.DataFrame(simulate_patient_loop(scenarios, 20_000, rng=3))
    vec = pd.DataFrame(simulate_chunk(scenarios, 20_000, 3))
    for col in ("neuroma", "function_1y", "function_5y", "pain_1y", "distance_mm"):
        a, b = loop[col].astype(float).mean(), vec[col].astype(float).mean()
        assert abs(a - b) < 0.05 * max(abs(a), 1e-3) + 0.01, col


def test_outputs_are_written(tmp_path, scenarios):
    from neurectomy.plots import write_cohort_outputs

    frame = simulate_cohort(5_000, scenarios, rng=0, backend="inline")
    paths = write_cohort_outputs(frame, summarise(frame), tmp_path)
    assert {p.name for p in paths} == {"patients.parquet", "summary.csv", "summary.html", "summary.png"}
    assert pd.read_parquet(paths[0]).shape[0] == 5_000
    assert paths[3].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "cdn.jsdelivr" not in paths[2].read_text()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_real_dask_cluster_gives_the_local_result(tmp_path):
    dask = Path(sys.executable).with_name("dask")
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    procs = [
        subprocess.Popen(
            [str(dask), "scheduler", "--host", "127.0.0.1", "--port", str(port), "--no-dashboard"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    ]
    try:
        time.sleep(1.5)
        for i in range(2):
            procs.append(
                subprocess.Popen(
                    [
                        str(dask),
                        "worker",
                        address,
                        "--nthreads",
                        "1",
                        "--no-dashboard",
                        "--name",
                        f"w{i}",
                        "--local-directory",
                        str(tmp_path / f"w{i}"),
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )
        from dask.distributed import Client

        with Client(address, timeout=30) as client:
            client.wait_for_workers(2, timeout=60)
            assert len(client.scheduler_info()["workers"]) == 2
        args = [sys.executable, "-m", "neurectomy", "simulate", "cohort", "--n", "200000", "--seed", "9", "--json"]
        remote = subprocess.run(
            [*args, "--chunk", "50000", "--scheduler", address], capture_output=True, text=True, timeout=180
        )
        assert remote.returncode == 0, remote.stderr
        # one chunk in this process: the answer may depend on neither the chunking nor where the chunks ran
        local = subprocess.run([*args, "--chunk", "200000", "--inline"], capture_output=True, text=True, timeout=180)
        assert local.returncode == 0, local.stderr
        assert json.loads(remote.stdout) == json.loads(local.stdout)
    finally:
        for p in reversed(procs):
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=20)
            except subprocess.TimeoutExpired:
                p.kill()


def test_kinetics_sweep_moves_the_outcomes_it_should(scenarios):
    from neurectomy.regrowth.cohort import sweep_kinetics

    table = sweep_kinetics(
        scenarios[0], {"neuroma": [0.1, 0.4], "ceiling": [0.0, 0.3]}, 80_000, rng=4, backend="inline"
    )
    assert len(table) == 4 and set(table.columns) >= {"neuroma", "ceiling", "neuroma_rate", "function_5y_mean"}
    for row in table.itertuples():
        assert row.neuroma_lo <= row.neuroma <= row.neuroma_hi
        assert row.function_5y_mean == pytest.approx(row.ceiling, abs=1e-6)
    with pytest.raises(KeyError, match="cannot sweep"):
        sweep_kinetics(scenarios[0], {"colour": [1.0]}, 1000)


def test_stump_sweep_orders_end_treatments():
    from neurectomy.regrowth.cohort import sweep_stump

    table = sweep_stump(
        "surgical_cut", {"end_treatments": [(), ("capping",), ("tmr",)]}, n_axons=150, days=90, replicates=2, rng=1
    ).set_index("end_treatments")
    neuroma = table["neuroma_index"]
    # capping has no proven effect on neuroma (E134): as after a plain cut; TMR lowers it (relative risk 0.284, E068)
    assert abs(neuroma["capping"] / neuroma["none"] - 1) < 0.25
    assert neuroma["tmr"] < 0.6 * min(neuroma["none"], neuroma["capping"])
    # capping stops regrowth through the cut end (the cap's mechanism, like TMR's and RPNI's): none reach the distal
    # targets. The old expectation (it regrows as a plain cut, from E058) was wrong: the feeling E058 saw return is
    # largely collateral sprouting of neighbouring nerves (Inbal 1987; Brain 1996), not regrowth through the end
    assert table.loc["tmr", "reached"] > 0.4
    assert table.loc["capping", "reached"] == 0 and table.loc["none", "reached"] > 0
