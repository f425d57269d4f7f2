"""Every registry read and write, checked against the acting user's role and institution, every write audited.

Functions take an open :class:`~sqlalchemy.orm.Session` (use :func:`neurectomy.registry.db.write` for writes so that
the whole operation is one retried transaction) and a :class:`~neurectomy.registry.auth.Principal`. Inputs are
validated by pydantic models with the same length limits as the columns; a bad input is an :class:`InvalidInput`
naming the field. A registry session that writes rows without an audit entry cannot commit
(:class:`neurectomy.registry.db.RegistrySession`).

Everything is checked before it is stored, so that every accepted write can be read, exported as FHIR and backed
up: text is Unicode without lone surrogates or control characters (:func:`text_problem`), codes are atlas ids or
known vocabulary, plans have the plan shape. Sign-in is throttled per account and per client address
(:func:`login`), and identified reads and exports are audited with their counts.
"""

from __future__ import annotations

import hashlib
import math
import re
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any, ClassVar, Final, Literal, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from neurectomy.registry.auth import SYSTEM, Forbidden, NotFound, Principal, hash_password, verify_password
from neurectomy.registry.db import UnauditedWrite
from neurectomy.registry.models import (
    CODE_LEN,
    COMPLICATIONS,
    INDICATION_LEN,
    NAME_LEN,
    NOTES_LEN,
    ROLES,
    AuditEntry,
    Case,
    Institution,
    LoginThrottle,
    Outcome,
    Patient,
    ProcedurePerformed,
    StoredPlan,
    User,
    WebSession,
)

__all__ = [
    "CaseIn",
    "Forbidden",
    "InvalidInput",
    "NotFound",
    "OutcomeIn",
    "ProcedureIn",
    "Throttled",
    "UnauditedWrite",
    "add_user",
    "attach_plan",
    "audit",
    "audit_read",
    "authenticate",
    "case_view",
    "check_plan",
    "create_case",
    "deactivate_user",
    "get_case",
    "list_cases",
    "login",
    "read_case",
    "read_cases",
    "record_outcome",
    "record_procedure",
    "revoke_sessions",
    "set_password",
    "text_problem",
]


class InvalidInput(ValueError):
    """An input was rejected; ``problems`` lists ``(field path, message)``."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(f"{path}: {msg}" for path, msg in problems))


#: Control characters (Unicode category Cc) and lone UTF-16 surrogates: never valid in stored text.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_LINE_BREAKS = frozenset("\t\n\r")


def text_problem(value: str, *, multiline: bool = True) -> str | None:
    """Why ``value`` may not be stored as text, or None: a lone surrogate (not Unicode, so not UTF-8: it would
    break every JSON, FHIR and backup writer), a NUL or another control character (tab, CR and LF are allowed
    in multi-line text), or only whitespace."""
    m = _SURROGATE.search(value)
    if m:
        return f"contains a lone UTF-16 surrogate (U+{ord(m.group()):04X}); text must be valid Unicode"
    if "\x00" in value:
        return "contains a NUL character"
    for m in _CONTROL.finditer(value):
        if not (multiline and m.group() in _LINE_BREAKS):
            return f"contains the control character U+{ord(m.group()):04X}"
    if value and not value.strip():
        return "is only whitespace"
    return None


def _unicode(value: Any) -> Any:
    """Runs before pydantic's own string check, so that a lone surrogate gets our message, not a parser's."""
    if isinstance(value, str) and _SURROGATE.search(value):
        raise ValueError(text_problem(value))
    return value


def _clean(value: str) -> str:
    problem = text_problem(value)
    if problem:
        raise ValueError(problem)
    return value


def _label(value: str) -> str:
    """One line of text that names something: no control characters, no leading or trailing whitespace."""
    problem = text_problem(value, multiline=False)
    if problem:
        raise ValueError(problem)
    if value != value.strip():
        raise ValueError("has leading or trailing whitespace")
    return value


def _code(value: str, kind: str, known: Any) -> str:
    """An identifier from a closed vocabulary: exactly one of ``known``, no stray whitespace."""
    _label(value)
    if value not in known:
        from neurectomy.names import suggest

        hint = suggest(value, list(known), limit=3)
        raise ValueError(f"unknown {kind} {value[:80]!r}" + (f" (did you mean {', '.join(hint)}?)" if hint else ""))
    return value


def _nerve_id(value: str) -> str:
    from neurectomy.api import default_atlas

    return _code(value, "nerve id (an atlas nerve)", default_atlas().nerve_index)


def _skin_region(value: str) -> str:
    from neurectomy.api import default_atlas

    atlas = default_atlas()
    return _code(value, "skin region id (an atlas skin region)", skin_regions(atlas))


def _muscle(value: str) -> str:
    from neurectomy.api import default_atlas

    return _code(value, "muscle id (an atlas muscle)", muscles_of(default_atlas()))


def muscles_of(atlas: Any) -> frozenset[str]:
    """The ids of the atlas's muscles (the vocabulary of an outcome's weak or paralysed muscles)."""
    return frozenset(t.id for t in atlas.targets if t.kind == "muscle")


def skin_regions(atlas: Any) -> frozenset[str]:
    """The ids of the atlas's skin regions (the vocabulary of an outcome's numb regions)."""
    return frozenset(t.id for t in atlas.targets if t.kind == "skin")


def _method(value: str) -> str:
    from neurectomy.methods import METHODS

    return _code(value, "method", METHODS)


def _end_treatment(value: str) -> str:
    from neurectomy.methods import END_TREATMENTS

    return _code(value, "end treatment", END_TREATMENTS)


def _measures(value: dict[str, float]) -> dict[str, float]:
    from neurectomy.registry.measures import check_measures

    return check_measures(value)


def _procedure_keys_schema(schema: dict[str, Any]) -> None:
    """The OpenAPI/JSON Schema of a procedure key lists the known keys (the spec said "any string")."""
    from neurectomy.procedures import load_procedures

    keys = sorted(load_procedures())
    for sub in schema.get("anyOf", [schema]):
        if sub.get("type") == "string":
            sub["enum"] = keys


def _known_procedure(key: str | None) -> str | None:
    if key is None:
        return None
    from neurectomy.procedures import load_procedures

    _label(key)
    if key not in load_procedures():
        raise ValueError(f"unknown procedure {key[:80]!r}")
    return key


#: Dates a record may carry (performed, followed up, recorded): anything else is a typo or an attack.
FIRST_DATE: Final = date(1900, 1, 1)
LAST_DATE: Final = date(2200, 12, 31)


def _sane_date(d: date) -> date:
    if not FIRST_DATE <= d <= LAST_DATE:
        raise ValueError(f"outside {FIRST_DATE.year}-{LAST_DATE.year}")
    return d


SaneDate = Annotated[date, AfterValidator(_sane_date)]


def _whole_number(value: Any) -> Any:
    """A float with nothing after the point as the int it is (JSON clients may send 6.0); anything else as given,
    for the strict int check to refuse ("a whole number")."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


M = TypeVar("M", bound=BaseModel)
Text = Annotated[str, BeforeValidator(_unicode), AfterValidator(_clean)]
Label = Annotated[str, BeforeValidator(_unicode), AfterValidator(_label)]
Code = Annotated[str, BeforeValidator(_unicode)]
Side = Literal["left", "right", "midline", "bilateral"]
Complication = Literal[
    "neuroma",
    "deafferentation_pain",
    "infection",
    "haematoma",
    "wound_problem",
    "motor_weakness",
    "bothersome_numbness",
    "compensatory_sweating",
    "csf_leak",
    "hearing_loss",
    "other",
]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=False)


class CaseIn(_In):
    """A new case (and its patient, found or created by pseudonym within the institution)."""

    pseudonym: Annotated[Label, Field(min_length=1, max_length=NAME_LEN)]
    birth_year: int | None = Field(default=None, ge=1900, le=2200, strict=True)
    sex: Literal["female", "male", "other", "unknown"] = "unknown"
    indication: Annotated[Text, Field(min_length=1, max_length=INDICATION_LEN)]
    side: Side
    procedure_key: Annotated[
        Code | None,
        Field(max_length=CODE_LEN, json_schema_extra=_procedure_keys_schema),
        AfterValidator(_known_procedure),
    ] = None
    notes: Annotated[Text, Field(max_length=NOTES_LEN)] = ""


class NerveRef(_In):
    """A cut nerve: atlas id and display name."""

    id: Annotated[Code, Field(min_length=1, max_length=CODE_LEN * 2), AfterValidator(_nerve_id)]
    name: Annotated[Label, Field(min_length=1, max_length=NAME_LEN)]


class ProcedureIn(_In):
    """An operation or block that was performed."""

    performed_on: SaneDate
    procedure_key: Annotated[
        Code | None,
        Field(max_length=CODE_LEN, json_schema_extra=_procedure_keys_schema),
        AfterValidator(_known_procedure),
    ] = None
    procedure_name: Annotated[Label, Field(min_length=1, max_length=NAME_LEN)]
    method: Annotated[Code, Field(min_length=1, max_length=CODE_LEN), AfterValidator(_method)]
    side: Side
    nerves: list[NerveRef] = Field(default_factory=list, max_length=100)
    end_treatments: list[Annotated[Code, Field(min_length=1, max_length=CODE_LEN), AfterValidator(_end_treatment)]] = (
        Field(default_factory=list, max_length=20)
    )
    notes: Annotated[Text, Field(max_length=NOTES_LEN)] = ""
    #: the procedure was done on the side opposite the case's recorded side, on purpose (without it such a record
    #: is refused: a wrong-side record must not be stored quietly)
    other_side_confirmed: bool = Field(default=False, strict=True)


class MuscleOutcome(_In):
    """A muscle found weak or paralysed at a follow-up: atlas id, and the MRC grade when it was graded (0 no
    contraction ... 4 movement against some resistance; 5, normal power, is not a weakness). Paralysed is grade 0
    (or ungraded); weak is grade 1-4 (or ungraded)."""

    id: Annotated[Code, Field(min_length=1, max_length=CODE_LEN * 2), AfterValidator(_muscle)]
    effect: Literal["weak", "paralysed"]
    mrc: int | None = Field(default=None, ge=0, le=4, strict=True)

    @model_validator(mode="after")
    def _grade_agrees(self) -> MuscleOutcome:
        if self.mrc is not None and (self.effect == "paralysed") != (self.mrc == 0):
            raise ValueError(
                f"{self.id}: MRC grade {self.mrc} is {'paralysed' if self.mrc == 0 else 'weak'}, not {self.effect}"
            )
        return self


class OutcomeIn(_In):
    """One follow-up visit."""

    #: the field an error of the whole record is about (the days or the time point, :meth:`_days`)
    model_error_field: ClassVar[str] = "days_after"

    recorded_on: SaneDate
    #: days after the procedure; may be left out when a standard time point is given (its nominal days)
    days_after: int | None = Field(default=None, ge=0, le=36_500, strict=True)
    timepoint: Literal["before", "3_weeks", "3_months", "12_months"] | None = None
    measures: Annotated[
        dict[Annotated[str, Field(max_length=CODE_LEN)], float], Field(max_length=10), AfterValidator(_measures)
    ] = Field(default_factory=dict)
    #: the 11-point numeric rating scale: a whole number 0-10 (6.0 is 6; 6.5 is refused: "a whole number")
    pain_nrs: Annotated[int, BeforeValidator(_whole_number)] | None = Field(default=None, ge=0, le=10, strict=True)
    pain_relief: Literal["none", "partial", "complete"] | None = None
    numb_regions: list[Annotated[Code, Field(min_length=1, max_length=CODE_LEN * 2), AfterValidator(_skin_region)]] = (
        Field(default_factory=list, max_length=500)
    )
    #: muscles found weak or paralysed (atlas ids, each at most once)
    muscles: list[MuscleOutcome] = Field(default_factory=list, max_length=300)
    #: the side the numb regions and muscles were found on; left out: the case's side
    side: Side | None = None
    complications: list[Complication] = Field(default_factory=list, max_length=len(COMPLICATIONS))
    recurrence: bool = Field(default=False, strict=True)
    notes: Annotated[Text, Field(max_length=NOTES_LEN)] = ""

    @field_validator("complications")
    @classmethod
    def _unique(cls, v: list[str]) -> list[str]:
        return sorted(set(v))

    @field_validator("muscles")
    @classmethod
    def _one_each(cls, v: list[MuscleOutcome]) -> list[MuscleOutcome]:
        seen = [m.id for m in v]
        twice = sorted({x for x in seen if seen.count(x) > 1})
        if twice:
            raise ValueError(f"a muscle listed twice: {', '.join(twice)}")
        return v

    @model_validator(mode="after")
    def _days(self) -> OutcomeIn:
        if self.days_after is None:
            if self.timepoint is None:
                raise ValueError("give the days after the procedure or a standard time point")
            from neurectomy.registry.measures import TIMEPOINTS

            self.days_after = TIMEPOINTS[self.timepoint][1]
        return self


def parse(model: type[M], data: Any, prefix: str = "") -> M:
    """``model.model_validate(data)`` with errors as :class:`InvalidInput` (field paths joined by dots)."""
    if isinstance(data, model):
        return data
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        whole = getattr(model, "model_error_field", "") or "(input)"
        raise InvalidInput(
            [(prefix + ".".join(str(p) for p in e["loc"]) or whole, plain_error(e)) for e in exc.errors()]
        ) from None


#: What a field's pattern allows, in words (the pattern itself means nothing to a person).
PATTERN_WORDS: Final = {r"^[A-Za-z0-9_.@-]+$": "letters, digits and . _ @ - only (no spaces)"}


#: What a missing or unknown side says (a case, procedure or outcome has no default side on the forms or the API).
SIDE_CHOICE: Final = "choose left, right, midline or bilateral"


def _n(value: Any) -> str:
    return f"{value:,}" if isinstance(value, int) else f"{value:g}" if isinstance(value, float) else str(value)


def plain_error(e: Any) -> str:
    """A pydantic error as a person reads it ("at most 10", "at most 500 characters (you typed 1,800)"), not as the
    validator words it ("Input should be less than or equal to 10", "Value should have at most 500 items after
    validation, not 1800"); our own validators' messages are kept (without pydantic's "Value error, ")."""
    kind, ctx, value = e.get("type", ""), e.get("ctx") or {}, e.get("input")
    text = isinstance(value, str)
    if kind in ("missing", "literal_error") and tuple(e.get("loc") or ())[-1:] == ("side",):
        return SIDE_CHOICE  # never a default: a side nobody chose is a wrong-side risk
    if kind in ("less_than_equal", "less_than"):
        return f"at most {_n(ctx.get('le', ctx.get('lt')))}" + (" (less than)" if kind == "less_than" else "")
    if kind in ("greater_than_equal", "greater_than"):
        return f"at least {_n(ctx.get('ge', ctx.get('gt')))}" + (" (more than)" if kind == "greater_than" else "")
    if kind in ("too_long", "string_too_long"):
        most = ctx.get("max_length")
        if text:
            return f"at most {_n(most)} characters (you typed {len(value):,})"
        return f"at most {_n(most)} entries (this has {_n(ctx.get('actual_length', '?'))})"
    if kind in ("too_short", "string_too_short"):
        if text or kind == "string_too_short":
            if not value:
                return "required"
            return f"at least {_n(ctx.get('min_length'))} characters (you typed {len(value):,})"
        return "choose at least one" if ctx.get("min_length") == 1 else f"at least {_n(ctx.get('min_length'))}"
    if kind == "string_pattern_mismatch":
        return PATTERN_WORDS.get(str(ctx.get("pattern")), "contains characters that are not allowed")
    if kind == "missing":
        return "required"
    if kind in ("literal_error", "enum"):
        expected = str(ctx.get("expected", "")).replace("'", "")
        return f"choose one of {expected}" if expected else "not one of the choices"
    if kind.startswith("date"):
        return "a date (YYYY-MM-DD)" if value not in (None, "") else "required"
    if kind.startswith("int"):
        return "a whole number"
    if kind.startswith("float") or kind == "finite_number":
        return "a number"
    if kind.startswith("bool"):
        return "yes or no"
    if kind == "extra_forbidden":
        return "not a field of this form"
    return str(e.get("msg", "")).removeprefix("Value error, ")


# --------------------------------------------------------------------------- audit
def audit(
    s: Session,
    who: Principal,
    action: str,
    entity: str,
    entity_id: str | int | None,
    detail: dict[str, Any] | None = None,
) -> None:
    """Append one audit entry (same transaction as the write it describes)."""
    s.add(
        AuditEntry(
            at=datetime.now(UTC),
            user_id=who.user_id,
            username=who.username[:NAME_LEN],
            institution_id=who.institution_id,
            action=action,
            entity=entity,
            entity_id=None if entity_id is None else str(entity_id),
            detail=detail or {},
        )
    )


# --------------------------------------------------------------------------- institutions and users
def get_or_create_institution(s: Session, name: str, who: Principal = SYSTEM) -> Institution:
    """The institution called ``name``, created (and audited) when new."""
    name = parse(_Name, {"name": name}).name
    inst = s.scalar(select(Institution).where(Institution.name == name))
    if inst is None:
        inst = Institution(name=name, created_at=datetime.now(UTC))
        s.add(inst)
        s.flush()
        audit(s, who, "create", "institution", inst.id, {"name": name})
    return inst


class _Name(_In):
    name: Annotated[Label, Field(min_length=1, max_length=NAME_LEN)]


#: The shortest password an account may have.
PASSWORD_MIN: Final = 12
#: A short built-in list of the commonest passwords and their stems (not a breach corpus: the registry works
#: offline). A password is refused when, lower-cased and without leading or trailing digits, spaces and symbols, it
#: is one of these, or is only digits or one repeated character.
COMMON_PASSWORDS: Final = frozenset(
    [
        "password",
        "passw0rd",
        "p@ssword",
        "p@ssw0rd",
        "qwerty",
        "qwertyuiop",
        "qwertz",
        "azerty",
        "asdfgh",
        "asdfghjkl",
        "zxcvbnm",
        "letmein",
        "welcome",
        "iloveyou",
        "admin",
        "administrator",
        "changeme",
        "default",
        "secret",
        "trustno1",
        "monkey",
        "dragon",
        "football",
        "baseball",
        "sunshine",
        "princess",
        "starwars",
        "superman",
        "batman",
        "master",
        "shadow",
        "michael",
        "jennifer",
        "hello",
        "login",
        "abc",
        "abcdef",
        "abcdefgh",
        "abc123",
        "qazwsx",
        "1q2w3e4r",
        "1q2w3e4r5t",
        "1q2w3e4r5t6y",
        "hospital",
        "clinic",
        "doctor",
        "nurse",
        "surgeon",
        "patient",
        "registry",
        "neurectomy",
        "neurosurgery",
        "passwordpassword",
        "qwertyqwerty",
        "summer",
        "winter",
        "spring",
        "autumn",
        "letmeinplease",
    ]
)


def _password_problem(value: str) -> str | None:
    stem = value.lower().strip(" 0123456789!@#$%^&*()_-+=.,;:?/\\|'\"`~[]{}<>")
    if not stem or stem in COMMON_PASSWORDS or len(set(value)) == 1:
        return "is a common password (on the registry's built-in list of common passwords); choose a longer phrase"
    return None


def _strong(value: str) -> str:
    problem = _password_problem(value)
    if problem:
        raise ValueError(problem)
    return value


class UserIn(_In):
    """A new user (or a new password: at least 12 characters, not a common password)."""

    username: Annotated[Text, Field(min_length=1, max_length=NAME_LEN, pattern=r"^[A-Za-z0-9_.@-]+$")]
    password: Annotated[Text, Field(min_length=PASSWORD_MIN, max_length=1024), AfterValidator(_strong)]
    role: Literal["admin", "clinician", "researcher", "viewer"]
    institution: Annotated[Label, Field(min_length=1, max_length=NAME_LEN)]


def add_user(s: Session, who: Principal, username: str, password: str, role: str, institution: str) -> User:
    """Create a user; only an admin (of that institution) or the command line may."""
    who.require("manage_users")
    data = parse(UserIn, {"username": username, "password": password, "role": role, "institution": institution})
    assert data.role in ROLES
    if s.scalar(select(User).where(User.username == data.username)) is not None:
        raise InvalidInput([("username", f"user {data.username!r} already exists")])
    inst = get_or_create_institution(s, data.institution, who)
    if who.institution_id is not None and inst.id != who.institution_id:
        raise Forbidden("an admin may only add users to their own institution")
    user = User(
        username=data.username,
        password_hash=hash_password(data.password),
        role=data.role,
        institution_id=inst.id,
        active=True,
        created_at=datetime.now(UTC),
    )
    s.add(user)
    s.flush()
    audit(s, who, "create", "user", user.id, {"username": user.username, "role": user.role, "institution": inst.name})
    return user


def principal_of(user: User) -> Principal:
    """The :class:`Principal` acting as ``user``."""
    return Principal(user.id, user.username, user.role, user.institution_id)  # type: ignore[arg-type]


def authenticate(s: Session, username: str, password: str) -> Principal | None:
    """The principal for a correct username and password of an active user, else None (same cost either way)."""
    usable = len(username) <= NAME_LEN and text_problem(username, multiline=False) is None
    user = s.scalar(select(User).where(User.username == username)) if usable else None
    ok = verify_password(user.password_hash if user else None, password)
    if user is None or not ok or not user.active:
        return None
    return principal_of(user)


# --------------------------------------------------------------------------- web sessions
SESSION_HOURS = 8
#: A session unused for this long is over (idle timeout); ``last_seen_at`` is written at most once a minute.
IDLE_MINUTES = 30
TOUCH_SECONDS = 60


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def purge_sessions(s: Session, now: datetime | None = None) -> int:
    """Delete every session that has expired or been idle too long; returns how many."""
    from sqlalchemy import delete, or_

    now = now or datetime.now(UTC)
    idle = now - timedelta(minutes=IDLE_MINUTES)
    q = delete(WebSession).where(
        or_(
            WebSession.expires_at < now,
            func.coalesce(WebSession.last_seen_at, WebSession.created_at) < idle,
        )
    )
    return int(s.execute(q.execution_options(synchronize_session=False)).rowcount or 0)  # type: ignore[attr-defined]


def open_session(s: Session, who: Principal) -> tuple[str, str]:
    """Start a login session: returns ``(token, csrf_token)``; only the token's hash is stored. Expired and idle
    sessions (everyone's) are purged on the way."""
    import secrets

    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    assert who.user_id is not None
    purge_sessions(s, now)
    s.add(
        WebSession(
            token_hash=_token_hash(token),
            csrf_token=csrf,
            user_id=who.user_id,
            created_at=now,
            expires_at=now + timedelta(hours=SESSION_HOURS),
            last_seen_at=now,
        )
    )
    audit(s, who, "login", "user", who.user_id)
    return token, csrf


def session_lookup(s: Session, token: str | None) -> tuple[Principal, str, bool] | None:
    """The principal and CSRF token of a live session token, and whether its ``last_seen_at`` is due to be
    refreshed (:func:`touch_session`); None when unknown, expired, idle too long, or the user is deactivated."""
    if not token or len(token) > 200 or text_problem(token, multiline=False):
        return None
    ws = s.scalar(select(WebSession).where(WebSession.token_hash == _token_hash(token)))
    if ws is None or not ws.user.active:
        return None
    now = datetime.now(UTC)
    seen = ws.last_seen_at or ws.created_at
    if ws.expires_at < now or seen < now - timedelta(minutes=IDLE_MINUTES):
        return None
    return principal_of(ws.user), ws.csrf_token, seen < now - timedelta(seconds=TOUCH_SECONDS)


def session_principal(s: Session, token: str | None) -> tuple[Principal, str] | None:
    """The principal and CSRF token of a live session token, or None."""
    found = session_lookup(s, token)
    return None if found is None else (found[0], found[1])


def touch_session(s: Session, token: str) -> None:
    """Record that the session was used now (its idle timeout starts again)."""
    ws = s.scalar(select(WebSession).where(WebSession.token_hash == _token_hash(token)))
    if ws is not None:
        ws.last_seen_at = datetime.now(UTC)


def close_session(s: Session, token: str) -> None:
    """Log out: forget the session."""
    ws = s.scalar(select(WebSession).where(WebSession.token_hash == _token_hash(token)))
    if ws is not None:
        audit(s, principal_of(ws.user), "logout", "user", ws.user_id)
        s.delete(ws)


# --------------------------------------------------------------------------- sign-in with throttling
#: Failed sign-ins allowed before the back-off starts: per account, and per client address (higher, since a
#: clinic's users may share one address behind a proxy).
ACCOUNT_FREE_FAILURES = 5
CLIENT_FREE_FAILURES = 20
#: The back-off after the free failures: 1 s, doubling with each further failure, at most 15 minutes.
BACKOFF_FIRST_S = 1.0
BACKOFF_MAX_S = 15 * 60.0
#: Failures are forgotten this long after the last one (and on a successful sign-in, for the account).
FAILURE_MEMORY = timedelta(hours=24)


class Throttled(Exception):
    """Too many failed sign-ins for this account or client: try again in ``retry_after`` seconds."""

    def __init__(self, retry_after: int, which: str) -> None:
        self.retry_after = retry_after
        self.which = which
        super().__init__(f"too many failed sign-ins for this {which}; try again in {retry_after} s")


def backoff_s(failures: int, free: int) -> float:
    """Seconds a key is blocked after its ``failures``-th failure (0 while within the ``free`` ones)."""
    if failures <= free:
        return 0.0
    return float(min(BACKOFF_MAX_S, BACKOFF_FIRST_S * 2.0 ** min(failures - free - 1, 30)))


def _throttle_keys(username: str, client: str | None) -> list[tuple[str, int, str]]:
    name = username if len(username) <= NAME_LEN and text_problem(username, multiline=False) is None else "?"
    keys = [(f"user:{name}", ACCOUNT_FREE_FAILURES, "account")]
    if client:
        keys.append((f"client:{client[:200]}", CLIENT_FREE_FAILURES, "client"))
    return keys


def _throttle_row(s: Session, key: str, now: datetime) -> LoginThrottle:
    """The throttle row of ``key``, created when new (a concurrent creator is tolerated, as for patients)."""
    from sqlalchemy.exc import IntegrityError

    row = s.scalar(select(LoginThrottle).where(LoginThrottle.key == key))
    if row is not None:
        return row
    row = LoginThrottle(key=key, failures=0, last_failure_at=now, blocked_until=None)
    try:
        with s.begin_nested():
            s.add(row)
            s.flush()
    except IntegrityError:
        found = s.scalar(select(LoginThrottle).where(LoginThrottle.key == key))
        if found is None:
            raise
        return found
    return row


def reserve_attempt(s: Session, username: str, client: str | None) -> None:
    """Before a password is checked: refuse (:class:`Throttled`) while the account or the client is blocked;
    otherwise count the attempt as a failure in advance (a sign-in that succeeds takes it back), so parallel
    guesses cannot slip past the limit while their passwords are being checked."""
    now = datetime.now(UTC)
    rows = [(_throttle_row(s, key, now), free, which) for key, free, which in _throttle_keys(username, client)]
    for row, _free, which in rows:
        if row.blocked_until is not None and row.blocked_until > now:
            raise Throttled(max(1, math.ceil((row.blocked_until - now).total_seconds())), which)
    for row, free, _which in rows:
        if row.last_failure_at < now - FAILURE_MEMORY:
            row.failures = 0
        row.failures += 1
        row.last_failure_at = now
        wait = backoff_s(row.failures, free)
        row.blocked_until = now + timedelta(seconds=wait) if wait else None


def finish_attempt(s: Session, username: str, client: str | None, who: Principal | None) -> tuple[str, str] | None:
    """After the password check: on success the account's failures are forgotten and a session opened (returns
    token and CSRF token); on failure the attempt stays counted and is audited (with the account's institution
    when the account exists, so its admin sees it)."""
    keys = _throttle_keys(username, client)
    if who is not None:
        from sqlalchemy import delete

        s.execute(delete(LoginThrottle).where(LoginThrottle.key == keys[0][0]))
        s.execute(delete(LoginThrottle).where(LoginThrottle.last_failure_at < datetime.now(UTC) - FAILURE_MEMORY))
        return open_session(s, who)
    user = s.scalar(select(User).where(User.username == username)) if keys[0][0] != "user:?" else None
    row = s.scalar(select(LoginThrottle).where(LoginThrottle.key == keys[0][0]))
    s.add(
        AuditEntry(
            at=datetime.now(UTC),
            user_id=user.id if user else None,
            username=keys[0][0].removeprefix("user:")[:NAME_LEN],
            institution_id=user.institution_id if user else None,
            action="login_failed",
            entity="user",
            entity_id=str(user.id) if user else None,
            detail={
                "client": (client or "")[:200],
                "failures": row.failures if row else None,
                "known_user": user is not None,
                "active": user.active if user else None,
            },
        )
    )
    return None


def login(engine: Any, username: str, password: str, client: str | None) -> tuple[str, str, Principal] | None:
    """Sign in with throttling: (token, CSRF token, principal), or None for wrong credentials (audited);
    :class:`Throttled` while the account or client is blocked. The password is checked between two short
    transactions, never inside one."""
    from neurectomy.registry.db import read_session, write

    write(engine, lambda s: reserve_attempt(s, username, client))
    with read_session(engine) as s:
        who = authenticate(s, username, password)
    got = write(engine, lambda s: finish_attempt(s, username, client, who))
    return None if got is None or who is None else (got[0], got[1], who)


# --------------------------------------------------------------------------- managing accounts
def _user(s: Session, who: Principal, username: str) -> User:
    who.require("manage_users")
    user = s.scalar(select(User).where(User.username == username)) if len(username) <= NAME_LEN else None
    if user is None or (who.institution_id is not None and user.institution_id != who.institution_id):
        raise NotFound(f"no user {username[:80]!r}")
    return user


def _end_sessions(s: Session, user_id: int) -> int:
    from sqlalchemy import delete

    q = delete(WebSession).where(WebSession.user_id == user_id).execution_options(synchronize_session=False)
    return int(s.execute(q).rowcount or 0)  # type: ignore[attr-defined]


def list_users(s: Session, who: Principal) -> list[dict[str, Any]]:
    """The accounts an admin manages (their institution's; every account for the command line), each with its
    number of open sessions."""
    who.require("manage_users")
    q = select(User).order_by(User.username)
    if who.institution_id is not None:
        q = q.where(User.institution_id == who.institution_id)
    open_ = dict(s.execute(select(WebSession.user_id, func.count()).group_by(WebSession.user_id)).tuples().all())
    return [
        {
            "username": u.username,
            "role": u.role,
            "active": u.active,
            "institution": u.institution.name,
            "created_at": u.created_at,
            "sessions": int(open_.get(u.id, 0)),
        }
        for u in s.scalars(q)
    ]


def revoke_sessions(s: Session, who: Principal, username: str) -> int:
    """Sign the user out everywhere; returns how many sessions ended."""
    user = _user(s, who, username)
    n = _end_sessions(s, user.id)
    audit(s, who, "revoke_sessions", "user", user.id, {"username": user.username, "sessions": n})
    return n


def deactivate_user(s: Session, who: Principal, username: str) -> int:
    """The user can no longer sign in, and every session of theirs ends (returns how many). Their records and
    audit entries stay."""
    user = _user(s, who, username)
    user.active = False
    n = _end_sessions(s, user.id)
    audit(s, who, "deactivate", "user", user.id, {"username": user.username, "sessions": n})
    return n


def set_password(s: Session, who: Principal, username: str, password: str) -> int:
    """A new password (12-1024 characters, not a common one); every session of the user ends (returns how many)
    and their failed sign-ins are forgotten."""
    from sqlalchemy import delete

    user = _user(s, who, username)
    data = parse(UserIn, {"username": user.username, "password": password, "role": user.role, "institution": "-"})
    user.password_hash = hash_password(data.password)
    n = _end_sessions(s, user.id)
    s.execute(delete(LoginThrottle).where(LoginThrottle.key == f"user:{user.username}"))
    audit(s, who, "set_password", "user", user.id, {"username": user.username, "sessions": n})
    return n


# --------------------------------------------------------------------------- cases
def _scoped(who: Principal) -> Any:
    return Case.institution_id == who.institution_id if who.institution_id is not None else True


def create_case(s: Session, who: Principal, data: CaseIn | dict[str, Any], institution_id: int | None = None) -> Case:
    """A new case for the patient with this pseudonym (created if new) in the user's institution."""
    who.require("write")
    d = parse(CaseIn, data)
    inst_id = who.institution_id if who.institution_id is not None else institution_id
    if inst_id is None:
        raise InvalidInput([("institution", "the command line must name an institution")])
    now = datetime.now(UTC)
    patient = _patient(s, who, inst_id, d, now)
    case = Case(
        institution_id=inst_id,
        patient=patient,
        indication=d.indication,
        side=d.side,
        procedure_key=d.procedure_key,
        status="planned",
        notes=d.notes,
        created_at=now,
        created_by=who.user_id,
    )
    s.add(case)
    s.flush()
    audit(s, who, "create", "case", case.uid, {"procedure_key": d.procedure_key})
    return case


def _patient(s: Session, who: Principal, inst_id: int, d: CaseIn, now: datetime) -> Patient:
    """The institution's patient with this pseudonym, created when new. Concurrent requests for the same new
    pseudonym (PostgreSQL, READ COMMITTED) race on the unique constraint: the loser's insert is undone by its
    savepoint and it takes the row the winner committed, instead of failing the whole request with a conflict."""
    from sqlalchemy.exc import IntegrityError

    def find() -> Patient | None:
        q = select(Patient).where(Patient.institution_id == inst_id, Patient.pseudonym == d.pseudonym)
        return s.scalar(q)

    patient = find()
    if patient is not None:
        return patient
    patient = Patient(institution_id=inst_id, pseudonym=d.pseudonym, birth_year=d.birth_year, sex=d.sex, created_at=now)
    try:
        with s.begin_nested():
            s.add(patient)
            s.flush()
    except IntegrityError:
        found = find()
        if found is None:
            raise
        return found
    audit(s, who, "create", "patient", patient.uid)
    return patient


def get_case(s: Session, who: Principal, case_id: int) -> Case:
    """The case, if the user may read it; :class:`NotFound` otherwise (also across institutions)."""
    who.require("read")
    if not 0 < case_id < 2**63:
        raise NotFound(f"no case {case_id}")
    case = s.scalar(
        select(Case)
        .where(Case.id == case_id, _scoped(who))
        .options(selectinload(Case.plans), selectinload(Case.procedures), selectinload(Case.outcomes))
    )
    if case is None:
        raise NotFound(f"no case {case_id}")
    return case


def list_cases(
    s: Session, who: Principal, *, procedure_key: str | None = None, limit: int = 100, offset: int = 0
) -> list[Case]:
    """The user's institution's cases, newest first."""
    who.require("read")
    q = select(Case).where(_scoped(who))
    if procedure_key is not None:
        q = q.where(Case.procedure_key == procedure_key)
    q = q.order_by(Case.id.desc()).limit(max(1, min(limit, 1000))).offset(max(0, offset))
    return list(s.scalars(q))


def count_cases(s: Session, who: Principal) -> int:
    """How many cases the user can see."""
    who.require("read")
    return int(s.scalar(select(func.count()).select_from(Case).where(_scoped(who))) or 0)


def set_status(s: Session, who: Principal, case_id: int, status: str) -> Case:
    """Move a case to ``planned``, ``operated``, ``follow_up`` or ``closed``."""
    who.require("write")
    if status not in ("planned", "operated", "follow_up", "closed"):
        raise InvalidInput([("status", f"unknown status {status[:40]!r}")])
    case = get_case(s, who, case_id)
    old, case.status = case.status, status
    audit(s, who, "update", "case", case.uid, {"status": [old, status]})
    return case


def check_plan(plan: Any) -> None:
    """A stored plan has the shape every plan is serialised to (:mod:`neurectomy.serialise`); anything else (an
    imported ``{"cuts": "x"}``) is refused with the path of each bad element, before it can break a case page or
    an export."""
    from pydantic import TypeAdapter, ValidationError

    from neurectomy.serialise import response_model

    try:
        TypeAdapter(response_model("plan")).validate_python(plan, strict=False)
    except ValidationError as exc:
        problems = [
            ("plan." + ".".join(str(x) for x in e["loc"]) if e["loc"] else "plan", e["msg"]) for e in exc.errors()[:10]
        ]
        raise InvalidInput(problems) from None
    problem = json_problem(plan)
    if problem:
        raise InvalidInput([("plan" + (f".{problem[0]}" if problem[0] else ""), problem[1])])


def json_problem(value: Any, path: str = "", depth: int = 0) -> tuple[str, str] | None:
    """The first element of a JSON value that could not be stored and written back out everywhere, as (dotted path,
    why), or None: text with a lone surrogate or control character (keys included), a number that is not finite
    or does not fit in 64 bits, nesting deeper than 64 levels."""
    if depth > 64:
        return path, "nested more than 64 levels deep"
    if isinstance(value, str):
        problem = text_problem(value)
        return None if problem is None or problem == "is only whitespace" else (path, problem)
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return None if -(2**63) <= value < 2**63 else (path, "a number too large to store")
    if isinstance(value, float):
        return None if math.isfinite(value) else (path, "a number that is not finite")
    if isinstance(value, dict):
        for k, v in value.items():
            if not isinstance(k, str):
                return path, "an object key that is not text"
            sub = f"{path}.{k}" if path else k
            problem = text_problem(k)
            if problem and problem != "is only whitespace":
                return sub, f"key {problem}"
            found = json_problem(v, sub, depth + 1)
            if found:
                return found
        return None
    if isinstance(value, list | tuple):
        for i, v in enumerate(value):
            found = json_problem(v, f"{path}.{i}" if path else str(i), depth + 1)
            if found:
                return found
        return None
    return path, f"not JSON ({type(value).__name__})"


def attach_plan(s: Session, who: Principal, case_id: int, plan: dict[str, Any]) -> StoredPlan:
    """Store ``Plan.to_dict()`` with the case (plus the columns it is searched by)."""
    who.require("write")
    case = get_case(s, who, case_id)
    import json

    if len(json.dumps(plan)) > 5_000_000:
        raise InvalidInput([("plan", "larger than 5 MB")])
    check_plan(plan)
    cuts = plan.get("cuts") or []
    proc = plan.get("procedure") or {}
    cand = plan.get("candidacy") or {}
    sp = StoredPlan(
        case_id=case.id,
        procedure_key=(proc.get("id") if isinstance(proc, dict) else None),
        method=str((plan.get("method") or {}).get("key", ""))[:CODE_LEN],
        side=str(cuts[0].get("side", case.side) if cuts else case.side)[:CODE_LEN],
        nerves=" ".join(str(c.get("nerve", {}).get("id", "")) for c in cuts)[:NOTES_LEN],
        verdict=(cand.get("verdict") if isinstance(cand, dict) else None),
        plan=plan,
        created_at=datetime.now(UTC),
        created_by=who.user_id,
    )
    s.add(sp)
    s.flush()
    audit(s, who, "create", "plan", sp.uid, {"case": case.uid})
    return sp


def plan_case(s: Session, who: Principal, case_id: int) -> StoredPlan:
    """Compute the plan of the case's procedure on its side (core :func:`neurectomy.plan`) and store it."""
    who.require("write")
    case = get_case(s, who, case_id)
    if case.procedure_key is None:
        raise InvalidInput([("procedure_key", "the case names no procedure to plan")])
    import neurectomy

    side: Literal["left", "right"] = "right" if case.side == "right" else "left"
    return attach_plan(s, who, case_id, neurectomy.plan(case.procedure_key, side=side).to_dict())


def record_procedure(
    s: Session, who: Principal, case_id: int, data: ProcedureIn | dict[str, Any]
) -> ProcedurePerformed:
    """Record an operation or block on the case."""
    who.require("write")
    d = parse(ProcedureIn, data)
    case = get_case(s, who, case_id)
    check_recorded_cuts(d, case.side)
    pp = ProcedurePerformed(
        case_id=case.id,
        performed_on=d.performed_on,
        procedure_key=d.procedure_key,
        procedure_name=d.procedure_name,
        method=d.method,
        side=d.side,
        nerves=[n.model_dump() for n in d.nerves],
        end_treatments=list(d.end_treatments),
        notes=d.notes,
        created_at=datetime.now(UTC),
        created_by=who.user_id,
    )
    s.add(pp)
    if case.status == "planned":
        case.status = "operated"
    s.flush()
    detail: dict[str, Any] = {"case": case.uid}
    if d.other_side_confirmed and _opposite(case.side, d.side):
        detail["other_side_confirmed"] = f"{d.side} (the case: {case.side})"
    audit(s, who, "create", "procedure", pp.uid, detail)
    return pp


def nrs_value(value: float | None) -> float | int | None:
    """A stored pain NRS as the whole number it is (2.0 is 2); a fractional value stored before whole numbers were
    required is shown as recorded, never rounded."""
    return int(value) if value is not None and float(value).is_integer() else value


def _opposite(case_side: str | None, side: str) -> bool:
    return {case_side, side} == {"left", "right"}


def check_recorded_cuts(d: ProcedureIn, case_side: str | None) -> None:
    """A recorded procedure is one the core could plan: each nerve cut is located on the atlas on the recorded side
    (:meth:`neurectomy.requests.LesionRequest.resolve`: a paired nerve is never midline), a named procedure is done
    by its own method (:meth:`neurectomy.requests.PlanRequest.build`) and cuts only its own nerves, resolved on that
    side the same way. A side opposite the case's (left vs right) needs ``other_side_confirmed``. Anything else is
    an :class:`InvalidInput` naming the field (side, method, nerves, procedure_key)."""
    from neurectomy.api import default_atlas
    from neurectomy.names import RequestError, UnknownNameError
    from neurectomy.procedures import load_procedures
    from neurectomy.requests import LesionRequest, PlanRequest

    if _opposite(case_side, d.side) and not d.other_side_confirmed:
        raise InvalidInput(
            [
                (
                    "side",
                    f"the case is recorded as {case_side} but this procedure as {d.side}: correct the side, or "
                    f"confirm that the {d.side} side was operated on purpose",
                )
            ]
        )
    atlas = default_atlas()
    proc = load_procedures().get(d.procedure_key) if d.procedure_key else None
    sides: tuple[Any, ...] = ("left", "right") if d.side == "bilateral" else (d.side,)
    field = "nerves"
    try:
        for side in sides:
            if proc is not None:
                field = "method"
                PlanRequest.build(proc.id, side=side, method=d.method)
                field = "side"
                own = LesionRequest(proc.resolve_cuts(side)).resolve(atlas)
                own_ids = {c.nerve_id for c in own}
                for n in d.nerves:
                    if n.id not in own_ids:
                        names = ", ".join(dict.fromkeys(c.nerve_name for c in own))
                        raise InvalidInput(
                            [
                                (
                                    "nerves",
                                    f"the {proc.name} cuts the {names}, not the {n.name}: leave the nerves empty to "
                                    f"record its own cuts, or choose another operation to record the {n.name}",
                                )
                            ]
                        )
            for n in d.nerves:
                field = "nerves"
                LesionRequest.build(n.id, side=side, method=d.method).resolve(atlas)
    except RequestError as exc:
        where = exc.field if exc.field in ("side", "method") else field
        raise InvalidInput([(where, exc.message)]) from None
    except UnknownNameError as exc:
        raise InvalidInput([(field, str(exc))]) from None


def record_outcome(s: Session, who: Principal, case_id: int, data: OutcomeIn | dict[str, Any]) -> Outcome:
    """Record a follow-up on the case."""
    who.require("write")
    d = parse(OutcomeIn, data)
    case = get_case(s, who, case_id)
    out = Outcome(
        case_id=case.id,
        recorded_on=d.recorded_on,
        days_after=d.days_after,
        pain_nrs=d.pain_nrs,
        pain_relief=d.pain_relief,
        numb_regions=list(d.numb_regions),
        muscles=[m.model_dump() for m in d.muscles] or None,
        side=d.side or case.side,
        complications=list(d.complications),
        recurrence=d.recurrence,
        timepoint=d.timepoint,
        measures=dict(d.measures) or None,
        notes=d.notes,
        created_at=datetime.now(UTC),
        created_by=who.user_id,
    )
    s.add(out)
    if case.status in ("planned", "operated"):
        case.status = "follow_up"
    s.flush()
    audit(s, who, "create", "outcome", out.uid, {"case": case.uid, "days_after": d.days_after})
    return out


def _research_code(uid: str) -> str:
    return "R-" + hashlib.sha256(("neurectomy-research:" + uid).encode()).hexdigest()[:10]


def case_view(case: Case, who: Principal, *, full: bool = False) -> dict[str, Any]:
    """The case as JSON-ready data, pseudonymised further for roles without ``read_identified``."""
    identified = who.can("read_identified")
    p = case.patient
    out: dict[str, Any] = {
        "id": case.id,
        "uid": case.uid,
        "status": case.status,
        "indication": case.indication,
        "side": case.side,
        "procedure_key": case.procedure_key,
        "created_at": case.created_at.isoformat(),
        "patient": {
            "pseudonym": p.pseudonym if identified else _research_code(p.uid),
            "birth_year": p.birth_year if identified or p.birth_year is None else p.birth_year // 10 * 10,
            "sex": p.sex,
        },
        "notes": case.notes if identified else "",
    }
    if full:
        out["plans"] = [
            {
                "id": sp.id,
                "uid": sp.uid,
                "procedure_key": sp.procedure_key,
                "method": sp.method,
                "side": sp.side,
                "nerves": sp.nerves.split(),
                "verdict": sp.verdict,
                "created_at": sp.created_at.isoformat(),
            }
            for sp in case.plans
        ]
        out["procedures"] = [
            {
                "id": pp.id,
                "uid": pp.uid,
                "performed_on": pp.performed_on.isoformat(),
                "procedure_key": pp.procedure_key,
                "procedure_name": pp.procedure_name,
                "method": pp.method,
                "side": pp.side,
                "nerves": pp.nerves,
                "end_treatments": pp.end_treatments or [],
                "notes": pp.notes if identified else "",
            }
            for pp in case.procedures
        ]
        out["outcomes"] = [
            {
                "id": o.id,
                "uid": o.uid,
                "recorded_on": o.recorded_on.isoformat(),
                "days_after": o.days_after,
                "pain_nrs": nrs_value(o.pain_nrs),
                "pain_relief": o.pain_relief,
                "numb_regions": o.numb_regions,
                "muscles": o.muscles or [],
                "side": o.side or case.side,
                "complications": o.complications,
                "recurrence": o.recurrence,
                "timepoint": o.timepoint,
                "measures": o.measures or {},
                "notes": o.notes if identified else "",
            }
            for o in case.outcomes
        ]
    return out


def audit_read(s: Session, who: Principal, entity: str, entity_id: str | None, records: int) -> None:
    """Record that ``who`` read ``records`` identified records (a case, a case list); roles that only see
    pseudonymised data further (researchers) are not logged."""
    if who.can("read_identified") and records:
        audit(s, who, "read", entity, entity_id, {"records": records})


def read_case(s: Session, who: Principal, case_id: int) -> dict[str, Any]:
    """The full view of one case (:func:`case_view`), the read audited."""
    case = get_case(s, who, case_id)
    audit_read(s, who, "case", case.uid, 1)
    return case_view(case, who, full=True)


def read_cases(
    s: Session, who: Principal, *, procedure_key: str | None = None, limit: int = 100, offset: int = 0
) -> list[dict[str, Any]]:
    """The views of the user's cases (:func:`list_cases`), the read audited with the count."""
    cases = list_cases(s, who, procedure_key=procedure_key, limit=limit, offset=offset)
    audit_read(s, who, "case", None, len(cases))
    return [case_view(c, who) for c in cases]


def fresh_case_view(s: Session, who: Principal, case_id: int) -> dict[str, Any]:
    """The full view of a case just written in this transaction (reloaded, so it shows the new rows)."""
    s.flush()
    s.expire_all()
    return case_view(get_case(s, who, case_id), who, full=True)


def audit_entries(s: Session, who: Principal, limit: int = 200) -> list[AuditEntry]:
    """The newest audit entries of the user's institution (admins only)."""
    who.require("audit")
    q = select(AuditEntry)
    if who.institution_id is not None:
        q = q.where(AuditEntry.institution_id == who.institution_id)
    return list(s.scalars(q.order_by(AuditEntry.id.desc()).limit(limit)))
