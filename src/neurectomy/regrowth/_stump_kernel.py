"""The Numba engine of :mod:`neurectomy.regrowth.stump`: the same rules, one compiled loop per replicate.

Why a separate module: importing Numba costs about half a second, so :mod:`~neurectomy.regrowth.stump` imports
this only when the Numba engine runs. Replicates run in parallel on threads (the compiled loop releases the GIL);
each has its own random stream (the kernels' one generator, :mod:`neurectomy.regrowth._random`, seeded from the
caller's ``rng``), so results do not depend on the thread count.
Gaussian draws use inverse transform on tabulated quantiles (one uniform and a look-up), like the turning angles.
"""

from __future__ import annotations

import itertools
import math
import os
from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np
import numpy.typing as npt

from neurectomy.regrowth._random import bits as _bits
from neurectomy.regrowth._random import uniform as _uniform

FloatArray = npt.NDArray[np.float64]

_S26 = np.uint64(26)
_S52 = np.uint64(52)
_MASK26 = np.uint64((1 << 26) - 1)
_TO_UNIT26 = 1.0 / 67108864.0  # 2**-26


@numba.njit(cache=True)
def _replicate(
    seed: np.uint64,
    steps: int,
    n: int,
    tubes_intact: bool,
    max_cones: int,
    latency: float,
    dt: float,
    seal: float,
    f: FloatArray,
    targets: FloatArray,
    normal: FloatArray,
    turn_cos: FloatArray,
    turn_sin: FloatArray,
    branch_cos: FloatArray,
    branch_sin: FloatArray,
    out: FloatArray,
) -> int:
    """One replicate of ``n`` axons; fills ``out`` (4, T) in place and returns the number of cone moves.

    Live cones stay compact in slots ``0..live-1``; a step's branches go to the free tail and are moved down
    after it (so they move from the next step, as in the other engines).
    """
    state = np.empty(1, dtype=np.uint64)
    state[0] = seed
    r = f[0]
    gap = f[1]
    end_x = f[2]
    v_scar = f[3]
    v_tube = f[4]
    tube_sd = f[5]
    heading = f[6]
    pull = f[7]  # gain * range^3 (see step_constants)
    range2 = f[8]
    p_entry = f[9]
    p_branch = f[10]
    p_sprout = f[11]
    r_neuroma2 = f[12]
    align = f[13]
    spread = f[14]  # log-normal sigma of the latency, drawn per axon
    n_tab = turn_cos.size
    n_norm = normal.size
    n_targets = targets.shape[0]
    cap = n * max_cones
    x = np.empty(cap)
    y = np.empty(cap)
    hx = np.empty(cap)
    hy = np.empty(cap)
    ch = np.zeros(cap, dtype=np.bool_)
    ax = np.empty(cap, dtype=np.int64)
    created = np.zeros(n, dtype=np.int64)
    sprouted = np.zeros(n, dtype=np.bool_)
    reached = np.zeros(n, dtype=np.bool_)
    sealed = np.zeros(n, dtype=np.bool_)
    aligned = np.zeros(n, dtype=np.bool_)
    lat = np.full(n, latency)
    for a in range(n):
        u = _uniform(state)
        sealed[a] = u < seal
        aligned[a] = (not sealed[a]) and u < seal + (1.0 - seal) * align
    first = latency
    if spread > 0.0:
        for a in range(n):
            lat[a] = latency * math.exp(spread * normal[int(_uniform(state) * n_norm)])
        first = lat.min() if n > 0 else latency
    branch_pts = 0
    n_sprouts = 0
    n_reached = 0
    live = 0
    moves = 0
    for k in range(1, steps + 1):
        tips = 0
        m = live
        moves += m
        w = 0
        nb = 0
        for i in range(m):
            a = ax[i]
            if ch[i]:
                z = normal[int(_uniform(state) * n_norm)]
                xx = x[i] + v_tube * max(1.0 + tube_sd * z, 0.0)
                if xx >= end_x:
                    if not reached[a]:
                        reached[a] = True
                        n_reached += 1
                    continue
                x[w] = xx
                y[w] = y[i]
                ch[w] = True
                ax[w] = a
                w += 1
                continue
            # one 64-bit draw: 12 bits pick the turning angle, 26 bits each give the capture and branch uniforms
            z = _bits(state)
            j = int(z >> _S52)
            u = float((z >> _S26) & _MASK26) * _TO_UNIT26
            ub = float(z & _MASK26) * _TO_UNIT26
            cs = turn_cos[j]
            sn = turn_sin[j]
            fx = cs * hx[i] - sn * hy[i]
            fy = sn * hx[i] + cs * hy[i]
            xx = x[i]
            yy = y[i]
            if pull > 0.0:
                dx = gap - xx
                dy = -yy
                sd = range2 + dx * dx + dy * dy
                wt = pull / (sd * sd)
                fx += wt * dx
                fy += wt * dy
                n2 = fx * fx + fy * fy
                inv = 1.0 / math.sqrt(n2)
                fx *= inv
                fy *= inv
            xx += v_scar * fx
            yy += v_scar * fy
            if xx < 0.0 and abs(yy) <= r:
                xx = -xx
                fx = -fx
            if u < p_entry and xx >= gap and abs(yy) <= r:
                x[w] = xx
                y[w] = yy
                ch[w] = True
                ax[w] = a
                w += 1
                continue
            captured = False
            for q in range(n_targets):
                ddx = xx - targets[q, 0]
                ddy = yy - targets[q, 1]
                if u < targets[q, 3] and ddx * ddx + ddy * ddy <= targets[q, 2]:
                    captured = True
                    break
            if captured:
                if not reached[a]:
                    reached[a] = True
                    n_reached += 1
                continue
            inside = xx * xx + yy * yy <= r_neuroma2
            tips += inside
            if ub < p_branch and created[a] < max_cones:
                created[a] += 1
                n_sprouts += 1
                jb = int(_uniform(state) * n_tab)
                b = m + nb
                x[b] = xx
                y[b] = yy
                hx[b] = branch_cos[jb] * fx - branch_sin[jb] * fy
                hy[b] = branch_sin[jb] * fx + branch_cos[jb] * fy
                ax[b] = a
                nb += 1
                if inside:
                    branch_pts += 1
                    tips += 1
            x[w] = xx
            y[w] = yy
            hx[w] = fx
            hy[w] = fy
            ch[w] = False
            ax[w] = a
            w += 1
        for q in range(nb):
            x[w + q] = x[m + q]
            y[w + q] = y[m + q]
            hx[w + q] = hx[m + q]
            hy[w + q] = hy[m + q]
            ch[w + q] = False
            ax[w + q] = ax[m + q]
        live = w + nb
        if k * dt >= first:
            for a in range(n):
                if sprouted[a] or sealed[a] or k * dt < lat[a] or _uniform(state) >= p_sprout:
                    continue
                sprouted[a] = True
                created[a] += 1
                n_sprouts += 1
                yy = -r + 2.0 * r * _uniform(state)
                ang = heading * normal[int(_uniform(state) * n_norm)]
                x[live] = 0.0
                y[live] = yy
                hx[live] = math.cos(ang)
                hy[live] = math.sin(ang)
                ch[live] = tubes_intact or aligned[a]
                ax[live] = a
                live += 1
                if not ch[live - 1] and yy * yy <= r_neuroma2:
                    tips += 1
        out[0, k] = n_reached / n
        out[1, k] = (branch_pts + tips) / n
        out[2, k] = n_sprouts
        out[3, k] = live
    return moves


@numba.njit(cache=True, nogil=True)
def run_chunk(
    seeds: npt.NDArray[np.uint64],
    steps: int,
    n: int,
    tubes_intact: bool,
    max_cones: int,
    latency: float,
    dt: float,
    seal: float,
    f: FloatArray,
    targets: FloatArray,
    normal: FloatArray,
    turn_cos: FloatArray,
    turn_sin: FloatArray,
    branch_cos: FloatArray,
    branch_sin: FloatArray,
    out: FloatArray,
) -> int:
    """Replicates one after another (``out`` is (4, len(seeds), T)); releases the GIL, so callers run chunks of
    replicates on threads. Returns the total number of cone moves."""
    moves = 0
    for q in range(seeds.size):
        moves += _replicate(
            seeds[q],
            steps,
            n,
            tubes_intact,
            max_cones,
            latency,
            dt,
            seal,
            f,
            targets,
            normal,
            turn_cos,
            turn_sin,
            branch_cos,
            branch_sin,
            out[:, q, :],
        )
    return moves


def run(
    seeds: npt.NDArray[np.uint64],
    steps: int,
    n: int,
    tubes_intact: bool,
    max_cones: int,
    latency: float,
    dt: float,
    seal: float,
    f: FloatArray,
    targets: FloatArray,
    normal: FloatArray,
    turn_cos: FloatArray,
    turn_sin: FloatArray,
    branch_cos: FloatArray,
    branch_sin: FloatArray,
    out: FloatArray,
    threads: int | None = None,
) -> int:
    """All replicates, split into contiguous chunks run on ``threads`` threads (default: the usable CPUs);
    ``out`` is (4, replicates, T). Returns the total number of cone moves."""
    if turn_cos.size != 4096 or branch_cos.size != 4096:
        raise ValueError("the turning tables must have 4096 entries (12-bit index)")
    reps = seeds.size
    if threads is None:
        threads = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    k = max(1, min(reps, threads))
    bounds = np.linspace(0, reps, k + 1).astype(np.int64)
    args = (
        steps,
        n,
        tubes_intact,
        max_cones,
        latency,
        dt,
        seal,
        f,
        targets,
        normal,
        turn_cos,
        turn_sin,
        branch_cos,
        branch_sin,
    )
    if k == 1:
        return int(run_chunk(seeds, *args, out))
    parts = [(int(lo), int(hi)) for lo, hi in itertools.pairwise(bounds) if hi > lo]
    with ThreadPoolExecutor(max_workers=len(parts)) as pool:
        futures = [pool.submit(run_chunk, seeds[lo:hi], *args, out[:, lo:hi, :]) for lo, hi in parts]
        return sum(int(fu.result()) for fu in futures)
