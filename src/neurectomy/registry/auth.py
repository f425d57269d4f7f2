"""Users, roles and what each role may do; argon2 password hashing.

| role | sees | may write | FHIR export/import | manage users |
|---|---|---|---|---|
| admin | own institution, identified | yes | yes | yes (own institution) |
| clinician | own institution, identified | yes | yes | no |
| researcher | own institution, pseudonymised further (no pseudonym, birth decade, no notes) | no | no | no |
| viewer | own institution, identified | no | no | no |

No role sees another institution's records: a case of another institution is "not found", never "forbidden",
so its existence does not leak.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final, Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

Role = Literal["admin", "clinician", "researcher", "viewer"]
Permission = Literal["read", "read_identified", "write", "export", "import", "manage_users", "audit"]

PERMISSIONS: Final[dict[str, frozenset[str]]] = {
    "admin": frozenset({"read", "read_identified", "write", "export", "import", "manage_users", "audit"}),
    "clinician": frozenset({"read", "read_identified", "write", "export", "import"}),
    "researcher": frozenset({"read"}),
    "viewer": frozenset({"read", "read_identified"}),
}
MIN_PASSWORD: Final = 8
MAX_PASSWORD: Final = 1024
_hasher = PasswordHasher()  # argon2id with the library's recommended parameters
_dummy: list[str] = []


class Forbidden(PermissionError):
    """The signed-in user's role does not allow this."""


class NotFound(LookupError):
    """No such record visible to this user (also for other institutions' records)."""


@dataclass(frozen=True, slots=True)
class Principal:
    """Who is acting: the user and the institution whose records they may touch."""

    user_id: int | None
    username: str
    role: Role
    institution_id: int | None

    def can(self, permission: Permission) -> bool:
        """Whether this role has ``permission``."""
        return permission in PERMISSIONS[self.role]

    def require(self, permission: Permission) -> None:
        """Raise :class:`Forbidden` unless this role has ``permission``."""
        if not self.can(permission):
            raise Forbidden(f"role {self.role!r} may not {permission.replace('_', ' ')}")


#: The local operator at the command line (``neurectomy registry ...``): full rights, no institution scope.
SYSTEM: Final = Principal(None, "system (command line)", "admin", None)


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` (which must be 8–1024 characters)."""
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise ValueError(f"a password has {MIN_PASSWORD} to {MAX_PASSWORD} characters")
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches; a missing user costs the same time as a wrong password."""
    if len(password) > MAX_PASSWORD:
        return False
    try:
        password.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: no stored password can match it; spend the same time
        password_hash, password = None, "not a valid password"
    try:
        if password_hash is None:
            if not _dummy:
                _dummy.append(_hasher.hash("not a real password; used to equalise timing"))
            _hasher.verify(_dummy[0], password)
            return False
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
