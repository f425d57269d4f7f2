"""One helper to normalise ``rng=`` arguments (None | int | numpy Generator), as scikit-learn does."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np


def check_random_state(rng: Any = None) -> np.random.Generator:
    """A ``numpy.random.Generator`` from ``None`` (fresh entropy), an int seed or a Generator.

    >>> bool(check_random_state(3).integers(10) == check_random_state(3).integers(10))
    True
    """
    import numpy as np

    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or isinstance(rng, int | np.integer):
        return np.random.default_rng(rng)
    raise TypeError(f"rng must be None, an int or a numpy.random.Generator, not {type(rng).__name__}")
