"""neurectomy: plan and simulate the cutting of peripheral nerves.

Decision support and education, not a medical device.

>>> import neurectomy
>>> deficit = neurectomy.lesion("posterior interosseous nerve")
>>> "extensor indicis" in [loss.target.name for loss in deficit.motor]
True
>>> deficit.sensory
()
"""

from neurectomy.api import default_atlas, lesion, localise, parse_cut, plan, target
from neurectomy.atlas import Atlas, AtlasError, load_atlas
from neurectomy.lesion import Cut, Deficit, Loss, lesion_batch
from neurectomy.names import UnknownNameError

__version__ = "0.1.0"
DISCLAIMER = "Decision support and education only; not a medical device. Verify against the patient and the literature."

__all__ = [
    "DISCLAIMER",
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
    "localise",
    "parse_cut",
    "plan",
    "target",
]
