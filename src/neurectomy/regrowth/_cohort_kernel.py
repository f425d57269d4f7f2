"""The compiled per-patient loop of :mod:`neurectomy.regrowth.cohort` (Numba).

Why a separate module: importing Numba costs about half a second, so the cohort module imports it only when a
cohort runs. One loop serves both outputs: per-patient rows, or per-scenario sufficient statistics in constant
memory. Draws come from the kernels' one generator (:mod:`neurectomy.regrowth._random`, SplitMix64): patient ``i``
of a cohort takes draws ``i * STRIDE`` to ``i * STRIDE + STRIDE - 1`` of the cohort's stream, whichever chunk it is
simulated in, so a cohort is the same however it is cut into chunks (and wherever the chunks run).
"""

from __future__ import annotations

import math

import numba
import numpy as np

from neurectomy.regrowth._random import jump, uniform

# draws reserved per patient (a patient takes at most 12: scenario, age, rate, two for the body size, distance,
# latency node, neuroma and its day, deafferentation and its day, whether a block relieves them at all)
STRIDE = 16
# columns of the scenario table (see cohort._inputs)
N_PARAMETERS = 10
# constants before the latency nodes (see cohort._inputs)
N_CONSTANTS = 10

# columns of a row (see cohort.COLUMNS) and of the statistics (count, then sum and sum of squares of each STAT)
N_COLUMNS = 11
N_STATS = 5


@numba.njit(cache=True, nogil=True)
def simulate(
    n: int,
    seed: np.uint64,
    first: int,
    table: np.ndarray,
    dist_table: np.ndarray,
    widths: np.ndarray,
    constants: np.ndarray,
    rows: np.ndarray,
    stats: np.ndarray,
) -> None:  # pragma: no cover - compiled
    """Simulate patients ``first`` to ``first + n - 1`` of the cohort whose stream is ``seed``.

    ``table[k]`` holds (rate, latency, maturation, ceiling, neuroma, deafferentation, latency spread, regrowth
    pain, pain distance, response) of scenario k (see :func:`neurectomy.regrowth.kinetics.curves`); ``constants`` =
    (age_lo, age_hi, slowing per year over 40, rate_lo, rate_hi, body-size sd, neuroma onset, deafferentation onset,
    horizon 1, horizon 2, then the standard normal latency nodes of :mod:`neurectomy.calibration`). A patient's
    latency is the scenario's median times ``exp(spread * z)`` at one node drawn uniformly, as the kinetics average
    over those nodes. The pain at 1 year is 1 if the block never relieved the patient (a share ``1 - response``) or
    the pain has come back by then (regrowing fibres through surviving tubes, a neuroma or deafferentation pain),
    else 0. ``rows`` (n x 11) is filled if it has n rows; ``stats``
    (k x 11) is accumulated.
    """
    state = np.empty(1, dtype=np.uint64)
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
    n_nodes = constants.shape[0] - N_CONSTANTS
    for i in range(n):
        jump(state, seed, (first + i) * STRIDE)
        a = min(int(uniform(state) * k), k - 1)
        age = age_lo + (age_hi - age_lo) * uniform(state)
        slowing = min(max(1.0 - slow * max(age - 40.0, 0.0), 0.3), 1.0)
        rate = (rate_lo + (rate_hi - rate_lo) * uniform(state)) * slowing if table[a, 0] > 0 else 0.0
        # Box-Muller normal for the body-size factor
        normal = math.sqrt(-2.0 * math.log(1.0 - uniform(state))) * math.cos(2.0 * math.pi * uniform(state))
        size = min(max(1.0 + size_sd * normal, 0.6), 1.4)
        col = min(int(uniform(state) * widths[a]), widths[a] - 1)
        dist = dist_table[a, col] * size
        node = min(int(uniform(state) * n_nodes), n_nodes - 1)
        latency = table[a, 1] * math.exp(table[a, 6] * constants[N_CONSTANTS + node])
        travel = dist / rate if rate > 0 else 0.0
        arrive = latency + travel
        mature = max(table[a, 2], 1e-9)
        ceiling = table[a, 3]
        f1 = ceiling * min(max((h1 - arrive) / mature, 0.0), 1.0)
        f2 = ceiling * min(max((h2 - arrive) / mature, 0.0), 1.0)
        neuroma = uniform(state) < table[a, 4]
        nday = -math.log(1.0 - uniform(state)) * onset_n if neuroma else math.nan
        deaff = uniform(state) < table[a, 5]
        dday = -math.log(1.0 - uniform(state)) * onset_d if deaff else math.nan
        responder = uniform(state) < table[a, 9]
        event = (neuroma and nday <= h1) or (deaff and dday <= h1)
        back = table[a, 7] > 0.0 and ceiling > 0.0 and h1 >= latency + travel * table[a, 8]
        pain = 1.0 if (event or back or not responder) else 0.0
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
