"""neurectomy: plan and simulate the cutting of peripheral nerves.

Decision support and education, not a medical device.

>>> import neurectomy
>>> deficit = neurectomy.lesion("posterior interosseous nerve")
>>> "extensor indicis" in [loss.target.name for loss in deficit.motor]
True
>>> deficit.sensory
()
"""

from typing import TYPE_CHECKING

from neurectomy.api import default_atlas, lesion, localise, parse_cut, plan, target
from neurectomy.atlas import Atlas, AtlasError, load_atlas
from neurectomy.lesion import Cut, Deficit, Loss, lesion_batch
from neurectomy.names import AmbiguousNameError, UnknownNameError

if TYPE_CHECKING:
    from neurectomy import conditions

__version__ = "0.1.0"


def resolve_condition(text: str) -> "conditions.Condition":
    """The clinical condition called ``text`` (name, synonym or ICD-10-CM code); see :mod:`neurectomy.conditions`.

    >>> resolve_condition("Arnold's neuralgia").procedures
    ('occipital_nerve_decompression', 'greater_occipital_neurectomy')
    """
    from neurectomy import conditions

    return conditions.resolve_condition(text)


def load_conditions() -> "dict[str, conditions.Condition]":
    """Every clinical condition by id (``conditions_data.yaml``, validated)."""
    from neurectomy import conditions

    return conditions.load()


DISCLAIMER = "Decision support and education only; not a medical device. Verify against the patient and the literature."

__all__ = [
    "DISCLAIMER",
    "AmbiguousNameError",
    "Atlas",
    "AtlasError",
    "Cut",
    "Deficit",
    "Loss",
    "UnknownNameError",
    "__version__",
    "default_atlas",
    "lesion",
    "lesion_batch",
    "load_atlas",
    "load_conditions",
    "localise",
    "parse_cut",
    "plan",
    "resolve_condition",
    "target",
]
