"""Cohorts: 1,000,000 simulated patients (kinetics) vs a per-patient Python loop of the same model.

Run: ``.venv/bin/python benchmarks/bench_cohort.py [--patients 1000000] [--loop-patients 50000]``.

The project runs the patients in chunks of 500,000 (one per worker) on a local Dask cluster of two worker
processes (this machine has two cores), each chunk returning only sufficient statistics, so memory stays bounded
whatever the cohort size; the cluster is started before the timing (its start-up is reported separately). The
baseline is ``simulate_patient_loop`` (the same model written one patient at a time) on a subset, compared per
patient. Peak resident memory of the client process is reported. The last line is one JSON object (DESIGN §9).
"""

from __future__ import annotations

import argparse
import json
import resource
import time

from dask.distributed import Client, LocalCluster

from neurectomy import default_atlas
from neurectomy.regrowth.cohort import default_scenarios, simulate_patient_loop, simulate_summary


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--patients", type=int, default=1_000_000)
    ap.add_argument("--loop-patients", type=int, default=50_000)
    args = ap.parse_args()
    scenarios = default_scenarios(default_atlas())
    t0 = time.perf_counter()
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None)
    client = Client(cluster)
    startup = time.perf_counter() - t0
    try:
        simulate_summary(400_000, scenarios, seed=1, client=client)  # load the compiled loop in both workers
        runs = []
        for rep in range(5):
            t0 = time.perf_counter()
            summary = simulate_summary(args.patients, scenarios, seed=rep, client=client, chunk_size=500_000)
            runs.append(time.perf_counter() - t0)
    finally:
        client.close()
        cluster.close()
    ours = min(runs)
    t0 = time.perf_counter()
    simulate_patient_loop(scenarios, args.loop_patients, seed=0)
    loop = (time.perf_counter() - t0) / args.loop_patients
    per_patient = ours / args.patients
    ratio = loop / per_patient
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(summary[["scenario", "n", "neuroma_rate", "function_1y_mean", "pain_1y_mean"]].round(4).to_string())
    print(
        f"{args.patients:,} patients in {ours:.2f} s ({args.patients / ours:,.0f} patients/s; cluster start-up "
        f"{startup:.1f} s, not timed); per-patient loop {loop * 1e6:.2f} µs/patient; peak client RSS {rss_mb:.0f} MB"
    )
    print(
        json.dumps(
            {
                "benchmark": "cohort_1M",
                "baseline": "per-patient Python loop",
                "ratio": round(ratio, 1),
                "bar": 50,
                "patients": args.patients,
                "seconds": round(ours, 3),
                "patients_per_s": round(args.patients / ours),
                "loop_us_per_patient": round(loop * 1e6, 3),
                "cluster_startup_s": round(startup, 2),
                "peak_rss_mb": round(rss_mb),
                "passed": bool(ratio >= 50),
            }
        )
    )


if __name__ == "__main__":
    main()
