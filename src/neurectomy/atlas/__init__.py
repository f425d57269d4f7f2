"""The curated anatomy: data files, their schema and loader, and the compiled :class:`Atlas`."""

from neurectomy.atlas.graph import Atlas, Nerve, Target
from neurectomy.atlas.load import AtlasError, load_atlas
from neurectomy.datafile import Problem

__all__ = ["Atlas", "AtlasError", "Nerve", "Problem", "Target", "load_atlas"]
