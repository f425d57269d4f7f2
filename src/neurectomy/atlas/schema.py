"""Typed records of the curated atlas, as written in ``atlas/data/*.yaml``.

These pydantic models validate one record at a time (types, ranges, required fields). Checks that need the
whole atlas (unknown parents, cycles, fibre types against targets, …) live in :mod:`neurectomy.atlas.load`.
Only the loader imports this module, so a cold CLI start never pays for pydantic.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Fibre = Literal[
    "somatic_motor",
    "somatic_sensory",
    "sympathetic",
    "parasympathetic",
    "visceral_afferent",
    "special_sensory",
]
Sex = Literal["female", "male"]
ChartView = Literal["anterior", "posterior", "head", "hand_palmar", "hand_dorsal", "foot_plantar", "foot_dorsal"]

DEFAULT_LENGTHS_SOURCE = (
    "estimate: typical adult course lengths; they order branch points along a nerve and are not for measurement"
)
_ID_PATTERN = r"^[a-z][a-z0-9_]*$"


def check_source_text(value: str) -> str:
    """A source is reference keys (``gray42; moore9 — note``) or ``estimate: <reason>``."""
    text = value.strip()
    if not text:
        raise ValueError("source must not be empty")
    if text.lower().startswith("estimate"):
        reason = text.split(":", 1)[1].strip() if ":" in text else ""
        if len(reason) < 8:
            raise ValueError("an estimate must say why: 'estimate: <reason>'")
    return text


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class Landmark(_Record):
    """A named position along a nerve, in mm from the nerve's origin."""

    name: str = Field(min_length=1)
    mm: float = Field(ge=0)
    source: str | None = None


class ParentLink(_Record):
    """A further parent a nerve receives fibres from (plexus merges)."""

    nerve: str
    origin_mm: float = Field(ge=0)


class NerveRecord(_Record):
    """One nerve segment of the tree."""

    id: str = Field(pattern=_ID_PATTERN)
    name: str = Field(min_length=1)
    synonyms: tuple[str, ...] = ()
    xrefs: dict[str, str] = Field(default_factory=dict)
    parent: str | None = None
    origin_mm: float = Field(default=0, ge=0)
    also_from: tuple[ParentLink, ...] = ()
    length_mm: float = Field(gt=0)
    roots: tuple[str, ...] = ()
    fibres: tuple[Fibre, ...] = Field(min_length=1)
    landmarks: tuple[Landmark, ...] = ()
    midline: bool = False
    source: str
    lengths_source: str = DEFAULT_LENGTHS_SOURCE

    _check_source = field_validator("source", "lengths_source")(check_source_text)


class Supply(_Record):
    """The share of a target's innervation carried by one nerve."""

    nerve: str
    share: float = Field(default=1.0, gt=0, le=1)
    at_mm: float | None = Field(default=None, ge=0)
    fibre: Fibre | None = None
    source: str | None = None

    @field_validator("source")
    @classmethod
    def _source(cls, value: str | None) -> str | None:
        return None if value is None else check_source_text(value)


class _Target(_Record):
    id: str = Field(pattern=_ID_PATTERN)
    name: str = Field(min_length=1)
    synonyms: tuple[str, ...] = ()
    xrefs: dict[str, str] = Field(default_factory=dict)
    supply: tuple[Supply, ...] = Field(min_length=1)
    #: present in one sex only (the uterus: female; the ductus deferens: male): a plan for a patient of the other
    #: sex leaves it out, and one whose sex is not known labels it
    sex: Sex | None = None
    source: str

    _check_source = field_validator("source")(check_source_text)


class Muscle(_Target):
    actions: tuple[str, ...] = ()
    roots: tuple[str, ...] = ()


class SkinRegion(_Target):
    area_cm2: float = Field(gt=0)
    area_source: str = "estimate: area not curated"
    chart: ChartView | None = None
    roots: tuple[str, ...] = ()

    _check_area_source = field_validator("area_source")(check_source_text)


class Joint(_Target):
    roots: tuple[str, ...] = ()


class VisceraGland(_Target):
    kind: Literal["gland", "viscus"]
    function: str = Field(min_length=1)
    #: the function as it is in one sex, where ``function`` names a part that only one sex has (the bladder neck
    #: closes during ejaculation in men only); used instead of ``function`` when the patient's sex is known
    function_by_sex: dict[Sex, str] = Field(default_factory=dict)
    roots: tuple[str, ...] = ()

    @field_validator("function_by_sex")
    @classmethod
    def _function_by_sex(cls, value: dict[str, str]) -> dict[str, str]:
        if any(not text.strip() for text in value.values()):
            raise ValueError("a function for one sex must not be empty")
        return value


class SpecialOrgan(_Target):
    function: str = Field(min_length=1)
    roots: tuple[str, ...] = ()


class RegionFile(_Record):
    """One ``atlas/data/<region>.yaml`` file."""

    region: str
    nerves: tuple[NerveRecord, ...] = ()
    muscles: tuple[Muscle, ...] = ()
    skin_regions: tuple[SkinRegion, ...] = ()
    joints: tuple[Joint, ...] = ()
    viscera_glands: tuple[VisceraGland, ...] = ()
    special_organs: tuple[SpecialOrgan, ...] = ()


TARGET_SECTIONS: tuple[str, ...] = ("muscles", "skin_regions", "joints", "viscera_glands", "special_organs")
