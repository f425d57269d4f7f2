"""Randomness in one place: every stochastic function takes ``rng=`` (None | int | ``numpy.random.Generator``),
normalised here as scikit-learn's ``check_random_state`` does.

NumPy code draws from the normalised Generator; compiled kernels draw from the one SplitMix64 stream of
:mod:`neurectomy.regrowth._random`, seeded by :func:`kernel_seeds` from that Generator. No other generator is used.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt


def check_random_state(rng: Any = None) -> np.random.Generator:
    """A ``numpy.random.Generator`` from ``None`` (fresh entropy), an int seed or a Generator (returned as is, so
    its state advances).

    >>> bool(check_random_state(3).integers(10) == check_random_state(3).integers(10))
    True
    """
    import numpy as np

    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or isinstance(rng, int | np.integer):
        return np.random.default_rng(rng)
    raise TypeError(f"rng must be None, an int or a numpy.random.Generator, not {type(rng).__name__}")


def kernel_seeds(rng: Any, size: int) -> npt.NDArray[np.uint64]:
    """``size`` independent 64-bit seeds for compiled kernels, drawn from ``check_random_state(rng)``.

    >>> bool((kernel_seeds(5, 3) == kernel_seeds(5, 3)).all()), kernel_seeds(None, 2).dtype.name
    (True, 'uint64')
    """
    import numpy as np

    gen = check_random_state(rng)
    return gen.integers(0, np.iinfo(np.uint64).max, size=size, dtype=np.uint64, endpoint=True)
