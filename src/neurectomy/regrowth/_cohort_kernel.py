"""The compiled per-patient loop of :mod:`neurectomy.regrowth.cohort` (Numba).

Why a separate module: importing Numba costs about half a second, so the cohort module imports it only when a
cohort runs. One loop serves both outputs: per-patient rows, or per-scenario sufficient statistics in constant
memory. The random stream is SplitMix64 (a few integer operations per draw; NumPy's generators cost several times
more per call inside the loop), seeded per chunk, so a chunk's result depends only on its seed.
"""

from __future__ import annotations

import math

import numba
import numpy as np

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_SCALE = 1.0 / 9007199254740992.0  # 2**-53


@numba.njit(cache=True, inline="always")
def _next(state: np.ndarray) -> float:  # pragma: no cover - compiled
    """One uniform draw in [0, 1) from SplitMix64; ``state`` is a one-element uint64 array."""
    state[0] += _GOLDEN
    z = state[0]
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    z = z ^ (z >> np.uint64(31))
    return float(z >> np.uint64(11)) * _SCALE


# columns of a row (see cohort.COLUMNS) and of the statistics (count, then sum and sum of squares of each STAT)
N_COLUMNS = 11
N_STATS = 5


@numba.njit(cache=True, nogil=True)
def simulate(
    n: int,
    seed: np.uint64,
    table: np.ndarray,
    dist_table: np.ndarray,
    widths: np.ndarray,
    constants: np.ndarray,
    rows: np.ndarray,
    stats: np.ndarray,
) -> None:  # pragma: no cover - compiled
    """Simulate ``n`` patients. ``table[k]`` holds (rate, latency, maturation, ceiling, neuroma, deafferentation) of
    scenario k; ``constants`` = (age_lo, age_hi, slowing per year over 40, rate_lo, rate_hi, body-size sd,
    neuroma onset, deafferentation onset, horizon 1, horizon 2). ``rows`` (n x 11) is filled if it has n rows;
    ``stats`` (k x 11) is accumulated."""
    state = np.empty(1, dtype=np.uint64)
    state[0] = np.uint64(seed)
    k = table.shape[0]
    keep = rows.shape[0] == n
    age_lo, age_hi, slow, rate_lo, rate_hi, size_sd, onset_n, onset_d, h1, h2 = (
        constants[0],
        constants[1],
        constants[2],
        constants[3],
        constants[4],
        constants[5],
        constants[6],
        constants[7],
        constants[8],
        constants[9],
    )
    for i in range(n):
        a = min(int(_next(state) * k), k - 1)
        age = age_lo + (age_hi - age_lo) * _next(state)
        slowing = min(max(1.0 - slow * max(age - 40.0, 0.0), 0.3), 1.0)
        rate = (rate_lo + (rate_hi - rate_lo) * _next(state)) * slowing if table[a, 0] > 0 else 0.0
        # Box-Muller normal for the body-size factor
        normal = math.sqrt(-2.0 * math.log(1.0 - _next(state))) * math.cos(2.0 * math.pi * _next(state))
        size = min(max(1.0 + size_sd * normal, 0.6), 1.4)
        col = min(int(_next(state) * widths[a]), widths[a] - 1)
        dist = dist_table[a, col] * size
        arrive = table[a, 1] + (dist / rate if rate > 0 else 0.0)
        mature = max(table[a, 2], 1e-9)
        ceiling = table[a, 3]
        f1 = ceiling * min(max((h1 - arrive) / mature, 0.0), 1.0)
        f2 = ceiling * min(max((h2 - arrive) / mature, 0.0), 1.0)
        neuroma = _next(state) < table[a, 4]
        nday = -math.log(1.0 - _next(state)) * onset_n if neuroma else math.nan
        deaff = _next(state) < table[a, 5]
        dday = -math.log(1.0 - _next(state)) * onset_d if deaff else math.nan
        event = (neuroma and nday <= h1) or (deaff and dday <= h1)
        pain = max(f1, 1.0 if event else 0.0)
        if keep:
            rows[i, 0] = a
            rows[i, 1] = age
            rows[i, 2] = rate
            rows[i, 3] = dist
            rows[i, 4] = f1
            rows[i, 5] = f2
            rows[i, 6] = arrive + mature if ceiling >= 1.0 else math.nan
            rows[i, 7] = 1.0 if neuroma else 0.0
            rows[i, 8] = nday
            rows[i, 9] = 1.0 if deaff else 0.0
            rows[i, 10] = pain
        values = (1.0 if neuroma else 0.0, 1.0 if deaff else 0.0, f1, f2, pain)
        stats[a, 0] += 1.0
        for j in range(N_STATS):
            stats[a, 1 + 2 * j] += values[j]
            stats[a, 2 + 2 * j] += values[j] * values[j]
