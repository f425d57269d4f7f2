"""Monte Carlo cohorts (issue 7): determinism, constant-memory summaries, the published-parameter behaviour, and
a real Dask scheduler with two workers on 127.0.0.1 giving the same answer as a local run."""

from __future__ import annotations

import json
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
    a = simulate_cohort(30_000, scenarios, seed=5, chunk_size=10_000, backend="inline")
    b = simulate_cohort(30_000, scenarios, seed=5, chunk_size=10_000, backend="inline")
    c = simulate_cohort(30_000, scenarios, seed=6, chunk_size=10_000, backend="inline")
    pd.testing.assert_frame_equal(a, b)
    assert not a["age"].equals(c["age"])


def test_constant_memory_summary_equals_the_rows(scenarios):
    rows = summarise(simulate_cohort(50_000, scenarios, seed=2, chunk_size=20_000, backend="inline"))
    stats = simulate_summary(50_000, scenarios, seed=2, chunk_size=20_000, backend="inline")
    for col in ("n", "neuroma_rate", "function_1y_mean", "function_5y_mean", "pain_1y_mean", "neuroma_lo"):
        assert np.allclose(rows[col].to_numpy(float), stats[col].to_numpy(float), atol=1e-5), col


def test_arms_behave_as_the_methods_say(scenarios):
    s = simulate_summary(120_000, scenarios, seed=1, backend="inline").set_index("scenario")
    assert s.loc["cut", "neuroma_lo"] <= 0.225 <= s.loc["cut", "neuroma_hi"]  # E132 midpoint, the model's input
    assert s.loc["cut", "neuroma_rate"] > s.loc["cut + cautery", "neuroma_rate"] > s.loc["cut + TMR", "neuroma_rate"]
    for arm in ("phenol", "cryoneurolysis", "radiofrequency"):
        assert s.loc[arm, "neuroma_rate"] == 0.0
        assert s.loc[arm, "function_5y_mean"] > 0.99  # the tubes channel regrowth: function returns
    assert s.loc["cut", "function_5y_mean"] < 0.15


def test_loop_baseline_is_the_same_model(scenarios):
    loop = pd.DataFrame(simulate_patient_loop(scenarios, 20_000, seed=3))
    vec = pd.DataFrame(simulate_chunk(scenarios, 20_000, 3))
    for col in ("neuroma", "function_1y", "function_5y", "pain_1y", "distance_mm"):
        a, b = loop[col].astype(float).mean(), vec[col].astype(float).mean()
        assert abs(a - b) < 0.05 * max(abs(a), 1e-3) + 0.01, col


def test_outputs_are_written(tmp_path, scenarios):
    from neurectomy.regrowth.cohort import write_outputs

    frame = simulate_cohort(5_000, scenarios, seed=0, backend="inline")
    paths = write_outputs(frame, summarise(frame), tmp_path)
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
        args = [
            sys.executable,
            "-m",
            "neurectomy",
            "simulate",
            "cohort",
            "--n",
            "200000",
            "--chunk",
            "50000",
            "--seed",
            "9",
            "--json",
        ]
        remote = subprocess.run([*args, "--scheduler", address], capture_output=True, text=True, timeout=180)
        assert remote.returncode == 0, remote.stderr
        local = subprocess.run([*args, "--inline"], capture_output=True, text=True, timeout=180)
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
        scenarios[0], {"neuroma": [0.1, 0.4], "ceiling": [0.0, 0.3]}, 80_000, seed=4, backend="inline"
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
        "surgical_cut", {"end_treatments": [(), ("capping",), ("tmr",)]}, n_axons=150, days=90, replicates=2, seed=1
    ).set_index("end_treatments")
    neuroma = table["neuroma_index"]
    assert neuroma["none"] > neuroma["capping"] > neuroma["tmr"]
    assert table.loc["tmr", "reached"] > 0.9
