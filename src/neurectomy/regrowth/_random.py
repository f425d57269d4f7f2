"""The one random stream of the compiled kernels (Numba): SplitMix64.

Every compiled kernel (:mod:`~neurectomy.regrowth._cohort_kernel`, :mod:`~neurectomy.regrowth._stump_kernel`) draws
from these functions and from nothing else; its 64-bit seed comes from the caller's ``rng`` through
:func:`neurectomy.rng.kernel_seeds`, so ``rng=`` (None | int | ``numpy.random.Generator``, normalised by
:func:`neurectomy.rng.check_random_state`) is the only way randomness enters.

Why SplitMix64 and not Numba's own ``np.random``: a draw is a few integer operations (Numba's Mersenne Twister
costs several times more per call inside the loops), one 64-bit draw can be split into several narrower uniforms
(the stump kernel packs three), and the stream is counter based: the state after ``k`` draws is
``seed + k * GOLDEN``, so :func:`jump` starts any position of a stream without drawing the ones before it (the
cohort kernel gives patient ``i`` the draws from ``i * stride`` on, so a cohort does not depend on its chunking).

The state is a one-element ``uint64`` array, advanced in place. Editing this file: Numba's on-disk cache of a kernel
does not notice changes in the functions it calls from here, so delete the kernels' ``__pycache__/*.nbi``/``*.nbc``
files as well.
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np
import numpy.typing as npt

GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)
TO_UNIT = 1.0 / 9007199254740992.0  # 2**-53


@numba.njit(inline="always")
def bits(state: npt.NDArray[np.uint64]) -> Any:  # pragma: no cover - compiled
    """The next 64 random bits (a ``uint64``)."""
    z = state[0] + GOLDEN
    state[0] = z
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@numba.njit(inline="always")
def uniform(state: npt.NDArray[np.uint64]) -> float:  # pragma: no cover - compiled
    """The next uniform in [0, 1) (53 bits)."""
    return float(bits(state) >> _S11) * TO_UNIT


@numba.njit(inline="always")
def jump(state: npt.NDArray[np.uint64], seed: Any, k: Any) -> None:  # pragma: no cover - compiled
    """Position ``state`` after the first ``k`` draws of the stream of ``seed`` (``k >= 0``; unsigned arithmetic
    wraps around, as the stream itself does)."""
    state[0] = np.uint64(seed) + np.uint64(k) * GOLDEN


@numba.njit
def _draw(seed: Any, skip: int, n: int) -> npt.NDArray[np.float64]:  # pragma: no cover - compiled
    state = np.empty(1, dtype=np.uint64)
    jump(state, seed, skip)
    out = np.empty(n)
    for i in range(n):
        out[i] = uniform(state)
    return out


def uniforms(seed: int | np.uint64, n: int, *, skip: int = 0) -> npt.NDArray[np.float64]:
    """Draws ``skip`` to ``skip + n - 1`` of the stream of ``seed`` as uniforms (for tests and inspection).

    >>> a = uniforms(7, 5)
    >>> bool((uniforms(7, 2, skip=3) == a[3:]).all()), bool(((0 <= a) & (a < 1)).all())
    (True, True)
    """
    if n < 0 or skip < 0:
        raise ValueError("n and skip must be >= 0")
    return np.asarray(_draw(np.uint64(seed), skip, n))
