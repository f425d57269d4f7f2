"""SQLAlchemy 2 typed ORM models of the registry.

Every table has an integer primary key and, where records travel between registries (FHIR, backups), a stable
``uid`` (UUID text). Times are stored as UTC. Text columns have explicit lengths; :mod:`.service` validates inputs
against the same limits so that an oversized value is a clear error on SQLite and PostgreSQL alike.
The audit log is append-only: the ORM refuses to update or delete its rows, and the migration adds database
triggers that refuse the same at the SQL level.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any, ClassVar, Final

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

ROLES: Final[tuple[str, ...]] = ("admin", "clinician", "researcher", "viewer")
SIDES: Final[tuple[str, ...]] = ("left", "right", "midline", "bilateral")
CASE_STATUSES: Final[tuple[str, ...]] = ("planned", "operated", "follow_up", "closed")
PAIN_RELIEF: Final[tuple[str, ...]] = ("none", "partial", "complete")
SEXES: Final[tuple[str, ...]] = ("female", "male", "other", "unknown")
COMPLICATIONS: Final[tuple[str, ...]] = (
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
)

#: Column lengths (characters); :mod:`.service` checks the same limits before anything reaches the database.
NAME_LEN: Final = 200
CODE_LEN: Final = 64
INDICATION_LEN: Final = 500
NOTES_LEN: Final = 10_000

NAMING: Final[dict[str, str]] = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    """Now, in UTC, to the microsecond."""
    return datetime.now(UTC)


def new_uid() -> str:
    """A fresh random UUID as text."""
    return str(uuid.uuid4())


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored as naive UTC and read back as an aware UTC datetime (same on SQLite and PostgreSQL)."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else value.replace(tzinfo=UTC)


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class Base(DeclarativeBase):
    """Declarative base with a constraint naming convention (stable names for migrations)."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map: ClassVar[dict[Any, Any]] = {datetime: UTCDateTime(), dict[str, Any]: JSON(), list[Any]: JSON()}


class Institution(Base):
    """A clinic or hospital; every user and every case belongs to exactly one."""

    __tablename__ = "institutions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_LEN), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class User(Base):
    """A person who signs in; ``role`` decides what they may do, ``institution_id`` which cases they see."""

    __tablename__ = "users"
    __table_args__ = (CheckConstraint(_in("role", ROLES), name="role"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(NAME_LEN), unique=True)
    password_hash: Mapped[str] = mapped_column(String(NAME_LEN))
    role: Mapped[str] = mapped_column(String(CODE_LEN))
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    institution: Mapped[Institution] = relationship(lazy="joined")


class Patient(Base):
    """A pseudonymous patient: a pseudonym chosen by the clinic, no name, no address, birth year at most."""

    __tablename__ = "patients"
    __table_args__ = (
        UniqueConstraint("institution_id", "pseudonym", name="institution_pseudonym"),
        CheckConstraint(_in("sex", SEXES), name="sex"),
        CheckConstraint("birth_year IS NULL OR (birth_year >= 1900 AND birth_year <= 2200)", name="birth_year"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = mapped_column(String(CODE_LEN), unique=True, default=new_uid)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    pseudonym: Mapped[str] = mapped_column(String(NAME_LEN))
    birth_year: Mapped[int | None] = mapped_column(Integer)
    sex: Mapped[str] = mapped_column(String(CODE_LEN), default="unknown")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    cases: Mapped[list[Case]] = relationship(back_populates="patient", order_by="Case.id")


class Case(Base):
    """One patient's problem and its treatment: indication, side, the planned/performed procedures, outcomes."""

    __tablename__ = "cases"
    __table_args__ = (
        CheckConstraint(_in("side", SIDES), name="side"),
        CheckConstraint(_in("status", CASE_STATUSES), name="status"),
        Index("ix_cases_institution_procedure", "institution_id", "procedure_key"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = mapped_column(String(CODE_LEN), unique=True, default=new_uid)
    institution_id: Mapped[int] = mapped_column(ForeignKey("institutions.id"), index=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patients.id"), index=True)
    indication: Mapped[str] = mapped_column(String(INDICATION_LEN))
    side: Mapped[str] = mapped_column(String(CODE_LEN))
    procedure_key: Mapped[str | None] = mapped_column(String(CODE_LEN))
    status: Mapped[str] = mapped_column(String(CODE_LEN), default="planned")
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    patient: Mapped[Patient] = relationship(back_populates="cases", lazy="joined")
    plans: Mapped[list[StoredPlan]] = relationship(back_populates="case", order_by="StoredPlan.id")
    procedures: Mapped[list[ProcedurePerformed]] = relationship(back_populates="case", order_by="ProcedurePerformed.id")
    outcomes: Mapped[list[Outcome]] = relationship(back_populates="case", order_by="Outcome.id")


class StoredPlan(Base):
    """A :class:`neurectomy.planning.Plan` as stored JSON (``Plan.to_dict()``) plus queryable columns."""

    __tablename__ = "plans"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = mapped_column(String(CODE_LEN), unique=True, default=new_uid)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    procedure_key: Mapped[str | None] = mapped_column(String(CODE_LEN), index=True)
    method: Mapped[str] = mapped_column(String(CODE_LEN))
    side: Mapped[str] = mapped_column(String(CODE_LEN))
    nerves: Mapped[str] = mapped_column(String(NOTES_LEN), default="")  # space-separated nerve ids
    verdict: Mapped[str | None] = mapped_column(String(CODE_LEN))
    plan: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    case: Mapped[Case] = relationship(back_populates="plans")


class ProcedurePerformed(Base):
    """An operation or block that was done: when, which nerves were cut, how."""

    __tablename__ = "procedures_performed"
    __table_args__ = (CheckConstraint(_in("side", SIDES), name="side"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = mapped_column(String(CODE_LEN), unique=True, default=new_uid)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    performed_on: Mapped[date] = mapped_column(Date)
    procedure_key: Mapped[str | None] = mapped_column(String(CODE_LEN), index=True)
    procedure_name: Mapped[str] = mapped_column(String(NAME_LEN))
    method: Mapped[str] = mapped_column(String(CODE_LEN))
    side: Mapped[str] = mapped_column(String(CODE_LEN))
    nerves: Mapped[list[Any]] = mapped_column(JSON)  # [{"id", "name"}]
    end_treatments: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)  # keys of methods.END_TREATMENTS
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    case: Mapped[Case] = relationship(back_populates="procedures")


class Outcome(Base):
    """One follow-up: pain score, relief, numb regions, complications, recurrence."""

    __tablename__ = "outcomes"
    __table_args__ = (
        CheckConstraint("pain_nrs IS NULL OR (pain_nrs >= 0 AND pain_nrs <= 10)", name="pain_nrs"),
        CheckConstraint(f"pain_relief IS NULL OR {_in('pain_relief', PAIN_RELIEF)}", name="pain_relief"),
        CheckConstraint("days_after >= 0", name="days_after"),
    )
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    uid: Mapped[str] = mapped_column(String(CODE_LEN), unique=True, default=new_uid)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    recorded_on: Mapped[date] = mapped_column(Date)
    days_after: Mapped[int] = mapped_column(Integer)
    pain_nrs: Mapped[float | None] = mapped_column(Float)
    pain_relief: Mapped[str | None] = mapped_column(String(CODE_LEN))
    numb_regions: Mapped[list[Any]] = mapped_column(JSON)  # skin-region ids
    muscles: Mapped[list[Any] | None] = mapped_column(JSON, nullable=True)  # [{"id", "effect", "mrc"}]
    #: the side the numb regions and muscles were found on (None: a row written before it was recorded: the case's)
    side: Mapped[str | None] = mapped_column(String(CODE_LEN), nullable=True)
    complications: Mapped[list[Any]] = mapped_column(JSON)  # codes from COMPLICATIONS
    recurrence: Mapped[bool] = mapped_column(Boolean, default=False)
    timepoint: Mapped[str | None] = mapped_column(String(CODE_LEN), nullable=True)  # measures.TIMEPOINTS
    measures: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)  # instrument key -> score
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    case: Mapped[Case] = relationship(back_populates="outcomes")


class AuditEntry(Base):
    """One write: who (user id and name), when, what (action, table, record, details). Never updated or deleted."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(Integer)  # no FK: the log outlives users
    username: Mapped[str] = mapped_column(String(NAME_LEN))
    institution_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(CODE_LEN))
    entity: Mapped[str] = mapped_column(String(CODE_LEN))
    entity_id: Mapped[str | None] = mapped_column(String(CODE_LEN))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class WebSession(Base):
    """A signed-in browser or API client: the SHA-256 of its token, its CSRF token, its expiry and when it was
    last used (idle timeout)."""

    __tablename__ = "web_sessions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(CODE_LEN), unique=True)
    csrf_token: Mapped[str] = mapped_column(String(CODE_LEN))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(index=True)
    last_seen_at: Mapped[datetime | None] = mapped_column()
    user: Mapped[User] = relationship(lazy="joined")


class LoginThrottle(Base):
    """Failed sign-ins of one account (``user:NAME``) or one client address (``client:ADDRESS``) and until when
    further attempts are refused (exponential back-off). Each failed sign-in is also an audit entry."""

    __tablename__ = "login_throttle"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(300), unique=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime] = mapped_column()
    blocked_until: Mapped[datetime | None] = mapped_column()


class RateLimitCounter(Base):
    """A rate-limit window of one client and endpoint group (``limits`` fixed window, see :mod:`.ratelimit`):
    shared by every worker process. Not audited and not backed up."""

    __tablename__ = "rate_limit"
    key: Mapped[str] = mapped_column(String(300), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)
    expires_at: Mapped[float] = mapped_column(Float, index=True)


class SimulationJob(Base):
    """A simulation job of the web app (``POST /api/simulate/jobs``): its request, state and result, so that any
    worker process reports any job and a job outlives the worker that queued it. ``status``: queued, running,
    done, failed, cancelled, evicted (its result dropped to keep the table bounded). Not audited, not backed up."""

    __tablename__ = "simulation_jobs"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    owner: Mapped[str] = mapped_column(String(300), index=True)
    status: Mapped[str] = mapped_column(String(20), index=True)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    request: Mapped[dict[str, Any]] = mapped_column(JSON)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    cancel: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[float] = mapped_column(Float, index=True)
    updated_at: Mapped[float] = mapped_column(Float)


#: Tables in dependency order (parents first), as backups write and restore them.
TABLES: Final[tuple[type[Base], ...]] = (
    Institution,
    User,
    Patient,
    Case,
    StoredPlan,
    ProcedurePerformed,
    Outcome,
    AuditEntry,
    WebSession,
)
