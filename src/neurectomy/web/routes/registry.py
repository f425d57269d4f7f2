"""The registry in the web app: sign-in, case list, case page (plan, outcomes, recorded vs predicted recovery),
record an outcome, outcomes vs the evidence, FHIR import/export; and the same as a JSON API under
``/api/registry`` (bearer token from ``POST /api/registry/session``).

Sessions are server-side (only a SHA-256 of the token is stored); the browser holds the token in an HttpOnly,
SameSite=Strict cookie. Every form that changes something carries a CSRF token tied to the session (the login
form a double-submit cookie). Cookie-authenticated API writes need the ``X-CSRF-Token`` header; bearer-token
clients do not (no ambient credentials). The database is ``app.state.registry_url`` when set, else
:func:`neurectomy.registry.db.default_url` (created on first use).
"""

from __future__ import annotations

import hmac
import json
import re
import secrets
import threading
from collections.abc import Callable, Coroutine
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, Depends, File, Form, HTTPException, Path, Query, Request, UploadFile
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field

from neurectomy.names import RequestError
from neurectomy.registry.auth import Forbidden, NotFound, Principal
from neurectomy.registry.service import CaseIn, InvalidInput, OutcomeIn, ProcedureIn


class _RegistryRoute(APIRoute):
    """Request validation errors answered as 422 even when the refused input is not Unicode: FastAPI echoes the
    input in its 422, and a lone surrogate there made the refusal itself fail with a 500."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        original = super().get_route_handler()

        async def handler(request: Request) -> Response:
            try:
                return await original(request)
            except RequestValidationError as exc:
                from neurectomy.registry.service import plain_error

                errors = jsonable_encoder(exc.errors())
                if request.url.path.startswith("/api/"):
                    # the API's messages are the forms' ("at most 500 characters (you typed 1,800)"), not pydantic's
                    plain = [{**e, "msg": plain_error(e)} if isinstance(e, dict) else e for e in errors]
                    return RegistryJSON({"detail": plain}, status_code=422)
                from neurectomy.web.errors import error_page

                problems = [(field_label(e.get("loc", ())), plain_error(e)) for e in errors]
                return error_page(request, 422, "Some values could not be used.", problems=problems)

        return handler


router = APIRouter(tags=["registry"], route_class=_RegistryRoute)
COOKIE = "neurectomy_registry"
LOGIN_COOKIE = "neurectomy_registry_login"
_lock = threading.Lock()
T = TypeVar("T")


# --------------------------------------------------------------------------- plumbing
def get_engine(request: Request) -> Any:
    """The registry engine of this app (initialised on first use)."""
    state = request.app.state
    engine = getattr(state, "registry_engine", None)
    if engine is None:
        with _lock:
            engine = getattr(state, "registry_engine", None)
            if engine is None:
                from neurectomy.registry.db import default_url, init_db, make_engine

                engine = make_engine(getattr(state, "registry_url", None) or default_url())
                init_db(engine)
                state.registry_engine = engine
    return engine


def _token(request: Request) -> tuple[str | None, bool]:
    """The session token and whether it came from the cookie (True) or an Authorization header (False)."""
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip() or None, False
    return request.cookies.get(COOKIE), True


def _session(request: Request) -> tuple[Principal, str, bool] | None:
    token, from_cookie = _token(request)
    if not token or len(token) > 200:
        return None
    from neurectomy.registry.db import read_session, write
    from neurectomy.registry.service import session_lookup, touch_session

    engine = get_engine(request)
    with read_session(engine) as s:
        found = session_lookup(s, token)
    if found is None:
        return None
    if found[2]:  # used again after a while: the idle timeout starts over (one write a minute at most)
        write(engine, lambda s: touch_session(s, token))
    return found[0], found[1], from_cookie


def api_user(request: Request) -> Principal:
    """The signed-in user of an API call (401 otherwise); cookie-authenticated writes must send X-CSRF-Token."""
    found = _session(request)
    if found is None:
        raise HTTPException(401, "sign in first: POST /api/registry/session", headers={"WWW-Authenticate": "Bearer"})
    who, csrf, from_cookie = found
    if from_cookie and request.method not in ("GET", "HEAD", "OPTIONS"):
        sent = request.headers.get("x-csrf-token", "")
        if not hmac.compare_digest(sent.encode(), csrf.encode()):
            raise HTTPException(403, "missing or wrong X-CSRF-Token")
    return who


ApiUser = Annotated[Principal, Depends(api_user)]
CaseId = Annotated[int, Path(ge=1, le=2**31 - 1, description="the case number")]


def _unavailable(exc: Exception) -> HTTPException:
    """A database that cannot take the write (disk full, out of space, read-only, gone): 503 with what happened;
    the transaction was rolled back, so nothing was written."""
    text = str(getattr(exc, "orig", exc)).lower()
    code = getattr(getattr(exc, "orig", None), "sqlstate", None) or ""
    if "full" in text or "space" in text or code in ("53100", "53200"):
        why = "the registry's disk is full"
    elif "readonly" in text or "read-only" in text or code == "25006":
        why = "the registry database is read-only"
    else:
        why = "the registry database is unavailable"
    return HTTPException(
        503, f"{why}: nothing was written; try again later or tell the administrator", headers={"Retry-After": "60"}
    )


def _run(fn: Callable[[], T]) -> T:
    """Registry errors as HTTP answers."""
    from sqlalchemy.exc import IntegrityError, OperationalError

    from neurectomy.registry.fhir import FhirImportError

    try:
        return fn()
    except Forbidden as exc:
        raise HTTPException(403, str(exc)) from None
    except NotFound as exc:
        raise HTTPException(404, str(exc)) from None
    except InvalidInput as exc:
        raise HTTPException(
            422, [{"loc": ["body", *p.split(".")], "msg": m, "type": "value_error"} for p, m in exc.problems]
        ) from None
    except FhirImportError as exc:
        raise HTTPException(422, [{"loc": ["body", exc.path], "msg": exc.message, "type": "fhir"}]) from None
    except IntegrityError:
        raise HTTPException(409, "conflicts with a stored record (e.g. a duplicate)") from None
    except OperationalError as exc:
        raise _unavailable(exc) from None


class RegistryJSON(JSONResponse):
    """JSON as UTF-8; a legacy stored value that is not Unicode (a lone surrogate, stored before inputs were
    checked) is sent as a JSON escape instead of failing the whole answer."""

    def render(self, content: Any) -> bytes:
        try:
            return json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode("utf-8")
        except UnicodeEncodeError:
            return json.dumps(content, ensure_ascii=True, allow_nan=False, separators=(",", ":")).encode("ascii")


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> JSONResponse:
    """The answer rendered now: called inside the write transaction, a value that cannot be sent fails the
    transaction (nothing committed) instead of answering 500 after the commit."""
    return RegistryJSON(data, status_code=status, headers=headers)


def displayable(value: Any) -> Any:
    """``value`` with every lone surrogate (legacy rows only) shown as U+FFFD, so a page can always be rendered."""
    if isinstance(value, str):
        return _SURROGATES.sub("\ufffd", value)
    if isinstance(value, dict):
        return {k: displayable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [displayable(v) for v in value]
    return value


_SURROGATES = re.compile("[\ud800-\udfff]")


def _read(request: Request, fn: Callable[[Any], T]) -> T:
    from neurectomy.registry.db import read_session

    def go() -> T:
        with read_session(get_engine(request)) as s:
            return fn(s)

    return _run(go)


def _write(request: Request, fn: Callable[[Any], T]) -> T:
    from neurectomy.registry.db import write

    return _run(lambda: write(get_engine(request), fn))


# --------------------------------------------------------------------------- JSON API
class Login(BaseModel):
    """Credentials."""

    username: str = Field(max_length=200)
    password: str = Field(max_length=1024)


class SessionOut(BaseModel):
    """A new session: send ``Authorization: Bearer <token>``."""

    token: str
    csrf_token: str
    username: str
    role: str
    institution_id: int | None


def _login(request: Request, username: str, password: str) -> tuple[str, str, Principal] | None:
    """Sign in (throttled per account and per client address, failures audited); 429 with Retry-After while
    blocked."""
    from neurectomy.registry.service import Throttled, login

    try:
        return _run(
            lambda: login(get_engine(request), username, password, request.client.host if request.client else None)
        )
    except Throttled as exc:
        raise HTTPException(
            429,
            f"too many failed sign-ins for this {exc.which}; try again in {exc.retry_after} s",
            headers={"Retry-After": str(exc.retry_after)},
        ) from None


@router.post(
    "/api/registry/session",
    response_model=SessionOut,
    responses={
        401: {"description": "wrong credentials"},
        429: {"description": "too many failed sign-ins for this account or client; see Retry-After"},
    },
)
def api_login(request: Request, body: Login) -> SessionOut:
    """Sign in; the token lasts 8 hours, and ends after 30 minutes unused. Failed sign-ins are audited; after 5
    for one account (20 for one client address) each further attempt waits 1 s, 2 s, 4 s, ... up to 15 min."""
    got = _login(request, body.username, body.password)
    if got is None:
        raise HTTPException(401, "wrong username or password")
    token, csrf, who = got
    return SessionOut(
        token=token, csrf_token=csrf, username=who.username, role=who.role, institution_id=who.institution_id
    )


@router.delete("/api/registry/session", status_code=204, responses={401: {"description": "not signed in"}})
def api_logout(request: Request, who: ApiUser) -> Response:
    """Sign out (the token stops working)."""
    from neurectomy.registry.service import close_session

    token, _ = _token(request)
    _write(request, lambda s: close_session(s, token or ""))
    return Response(status_code=204)


_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "not signed in"},
    403: {"description": "the role may not"},
    404: {"description": "no such case here"},
    409: {"description": "conflict"},
    503: {"description": "the database cannot take the write (e.g. disk full); nothing was written"},
}


@router.get("/api/registry/cases", response_model=list[dict[str, Any]], responses=_ERRORS)
def api_cases(
    request: Request,
    who: ApiUser,
    procedure_key: Annotated[str | None, Query(max_length=64)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10**9)] = 0,
) -> Response:
    """The institution's cases, newest first (the read is audited with the count)."""
    from neurectomy.registry.service import read_cases

    return _write(request, lambda s: _json(read_cases(s, who, procedure_key=procedure_key, limit=limit, offset=offset)))


@router.post("/api/registry/cases", status_code=201, response_model=dict[str, Any], responses=_ERRORS)
def api_create_case(request: Request, who: ApiUser, body: CaseIn) -> Response:
    """A new case (and patient, by pseudonym)."""
    from neurectomy.registry.service import case_view, create_case

    return _write(request, lambda s: _json(case_view(create_case(s, who, body), who), 201))


@router.get("/api/registry/cases/{case_id}", response_model=dict[str, Any], responses=_ERRORS)
def api_case(request: Request, who: ApiUser, case_id: CaseId) -> Response:
    """One case with its plans, procedures and outcomes (the read is audited)."""
    from neurectomy.registry.service import read_case

    return _write(request, lambda s: _json(read_case(s, who, case_id)))


def _then_case(who: Principal, case_id: int, change: Callable[[Any], Any]) -> Callable[[Any], Response]:
    """Make the change and answer the case as it now is, both in the one transaction."""
    from neurectomy.registry.service import fresh_case_view

    def go(s: Any) -> Response:
        change(s)
        return _json(fresh_case_view(s, who, case_id), 201)

    return go


@router.post(
    "/api/registry/cases/{case_id}/outcomes", status_code=201, response_model=dict[str, Any], responses=_ERRORS
)
def api_outcome(request: Request, who: ApiUser, case_id: CaseId, body: OutcomeIn) -> Response:
    """Record a follow-up."""
    from neurectomy.registry.service import record_outcome

    return _write(request, _then_case(who, case_id, lambda s: record_outcome(s, who, case_id, body)))


@router.post(
    "/api/registry/cases/{case_id}/procedures", status_code=201, response_model=dict[str, Any], responses=_ERRORS
)
def api_procedure(request: Request, who: ApiUser, case_id: CaseId, body: ProcedureIn) -> Response:
    """Record a procedure performed."""
    from neurectomy.registry.service import record_procedure

    return _write(request, _then_case(who, case_id, lambda s: record_procedure(s, who, case_id, body)))


@router.post("/api/registry/cases/{case_id}/plan", status_code=201, response_model=dict[str, Any], responses=_ERRORS)
def api_plan(request: Request, who: ApiUser, case_id: CaseId) -> Response:
    """Compute and store the plan of the case's procedure (``neurectomy.plan``)."""
    from neurectomy.registry.service import plan_case

    return _write(request, _then_case(who, case_id, lambda s: plan_case(s, who, case_id)))


SKIPPED_HEADER = "X-Neurectomy-Skipped"


def _skipped_headers(skipped: Any) -> dict[str, str]:
    """Cases left out of an export, named in a header (ASCII: case numbers and uids, never free text)."""
    if not skipped:
        return {}
    return {
        SKIPPED_HEADER: f"{len(skipped)} case(s) could not be exported: "
        + ", ".join(f"{x.case_id} ({x.case_uid})" for x in skipped[:50])
        + "; run `neurectomy registry check`"
    }


@router.get(
    "/api/registry/fhir",
    response_model=dict[str, Any],
    responses={
        **_ERRORS,
        200: {"description": f"the Bundle; cases that cannot be exported are left out and named in {SKIPPED_HEADER}"},
    },
)
def api_fhir_export(request: Request, who: ApiUser) -> Response:
    """The institution's cases as a FHIR R4 Bundle (the export is audited with its counts)."""
    from neurectomy.registry.fhir import export

    def go(s: Any) -> Response:
        got = export(s, who)
        return _json(got.bundle, headers=_skipped_headers(got.skipped))

    return _write(request, go)


async def _raw_body(request: Request) -> bytes:
    return await request.body()


@router.post(
    "/api/registry/fhir",
    status_code=201,
    responses={**_ERRORS, 422: {"description": "the bad element"}},
    openapi_extra={
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": {"type": "object", "description": "a FHIR R4 Bundle"}}},
        }
    },
)
def api_fhir_import(request: Request, who: ApiUser, raw: Annotated[bytes, Depends(_raw_body)]) -> dict[str, list[int]]:
    """Import a FHIR R4 ``collection`` Bundle: all of it or nothing; a rejection names the path of the bad element.
    JSON with duplicate keys, ``NaN`` or text that is not UTF-8 is refused."""
    from neurectomy.registry.fhir import MAX_BYTES, import_bundle, loads

    _run(lambda: who.require("import"))
    if len(raw) > MAX_BYTES:
        raise HTTPException(413, f"a bundle is at most {MAX_BYTES // (1024 * 1024)} MB")
    data = _run(lambda: loads(raw))
    return {"cases": _write(request, lambda s: import_bundle(s, who, data))}


@router.get("/api/registry/compare", responses=_ERRORS)
def api_compare(
    request: Request, who: ApiUser, min_days: Annotated[int, Query(ge=0, le=36500)] = 90
) -> list[dict[str, Any]]:
    """Recorded outcomes per procedure vs the published figures, with 95 % Wilson intervals."""
    return [r.to_dict() for r in _comparison(request, who, min_days)]


@router.get("/api/registry/audit", responses=_ERRORS)
def api_audit(
    request: Request, who: ApiUser, limit: Annotated[int, Query(ge=1, le=1000)] = 200
) -> list[dict[str, Any]]:
    """The newest audit entries of the institution (admins)."""
    from neurectomy.registry.service import audit_entries

    return _read(
        request,
        lambda s: [
            {
                "id": e.id,
                "at": e.at.isoformat(),
                "user": e.username,
                "action": e.action,
                "entity": e.entity,
                "entity_id": e.entity_id,
                "detail": e.detail,
            }
            for e in audit_entries(s, who, limit)
        ],
    )


def _comparison(request: Request, who: Principal, min_days: int) -> list[Any]:
    from neurectomy.registry.compare import compare_outcomes
    from neurectomy.registry.service import get_case, list_cases

    def go(s: Any) -> list[Any]:
        cases = [get_case(s, who, c.id) for c in list_cases(s, who, limit=1000)]
        return compare_outcomes(cases, min_days=min_days)

    return _read(request, go)


# --------------------------------------------------------------------------- pages
STATUS_LABELS: dict[str, str] = {
    "planned": "before the operation",
    "operated": "operated",
    "follow_up": "in follow-up",
    "closed": "closed",
}
COMPLICATION_LABELS: dict[str, str] = {
    "neuroma": "painful neuroma",
    "deafferentation_pain": "deafferentation pain",
    "infection": "infection",
    "haematoma": "haematoma",
    "wound_problem": "wound problem",
    "motor_weakness": "motor weakness",
    "bothersome_numbness": "bothersome numbness",
    "compensatory_sweating": "compensatory sweating",
    "csf_leak": "CSF leak",
    "hearing_loss": "hearing loss",
    "other": "other",
}
ROLE_LABELS: dict[str, str] = {
    "admin": "administrator",
    "clinician": "clinician",
    "researcher": "researcher (pseudonymised data)",
    "viewer": "viewer (read only)",
}


def label(kind: str, code: Any) -> str:
    """What a person reads for one of the registry's codes (a status, a procedure key, a complication, a method, an
    end treatment, a time point, a skin region or muscle id): never the internal code itself where a name is known."""
    if code is None or code == "":
        return "—"
    text = str(code)
    try:
        if kind == "status":
            return STATUS_LABELS.get(text, text.replace("_", " "))
        if kind == "role":
            return ROLE_LABELS.get(text, text)
        if kind == "complication":
            return COMPLICATION_LABELS.get(text, text.replace("_", " "))
        if kind == "nrs":
            return f"{float(text):g}"
        if kind == "procedure":
            from neurectomy.procedures import load_procedures

            proc = load_procedures().get(text)
            return proc.name if proc else text.replace("_", " ")
        if kind == "method":
            from neurectomy.methods import METHODS

            return METHODS[text].name if text in METHODS else text.replace("_", " ")
        if kind == "end":
            from neurectomy.methods import END_TREATMENTS

            return END_TREATMENTS[text].name if text in END_TREATMENTS else text.replace("_", " ")
        if kind == "timepoint":
            from neurectomy.registry.measures import TIMEPOINTS

            return TIMEPOINTS[text][0] if text in TIMEPOINTS else text.replace("_", " ")
        if kind == "measure":
            from neurectomy.registry.measures import MEASURES

            return MEASURES[text].name if text in MEASURES else text
        if kind in ("region", "muscle"):
            from neurectomy.api import default_atlas

            atlas = default_atlas()
            return atlas.targets[atlas.target_index[text]].name if text in atlas.target_index else text
    except (KeyError, LookupError):
        pass
    return text.replace("_", " ")


def _page(request: Request, name: str, ctx: dict[str, Any], status: int = 200) -> Response:
    templates = request.app.state.templates
    return templates.TemplateResponse(  # type: ignore[no-any-return]
        request,
        f"registry/{name}",
        {"active": "registry", "label": label, **ctx},
        status_code=status,
    )


def page_user(request: Request) -> tuple[Principal, str]:
    """The signed-in user of a page and their CSRF token; otherwise a redirect to the sign-in page."""
    found = _session(request)
    if found is None:
        raise HTTPException(303, "sign in", headers={"Location": "/registry/login"})
    return found[0], found[1]


PageUser = Annotated[tuple[Principal, str], Depends(page_user)]


def _check_csrf(expected: str, sent: str) -> None:
    if not sent or not hmac.compare_digest(sent.encode(), expected.encode()):
        raise HTTPException(403, "the form expired or came from elsewhere (CSRF check failed); reload and retry")


@router.get("/registry/login", include_in_schema=False, response_class=HTMLResponse)
def login_page(request: Request, error: str = "") -> Response:
    """The sign-in form."""
    token = secrets.token_urlsafe(24)
    resp = _page(request, "login.html", {"csrf": token, "error": error[:200]})
    resp.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="strict", path="/registry")
    return resp


@router.post("/registry/login", include_in_schema=False)
def login_submit(
    request: Request,
    username: Annotated[str, Form(max_length=200)],
    password: Annotated[str, Form(max_length=1024)],
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Check the credentials; start a session."""
    _check_csrf(request.cookies.get(LOGIN_COOKIE, ""), csrf_token)
    try:
        got = _login(request, username, password)
    except HTTPException as exc:
        if exc.status_code != 429:
            raise
        message = f"Too many failed sign-ins. Please wait {exc.headers['Retry-After'] if exc.headers else 60} s."
        resp = _page(request, "login.html", {"csrf": csrf_token, "error": message}, 429)
        resp.headers.update(exc.headers or {})
        return resp
    if got is None:
        return _page(request, "login.html", {"csrf": csrf_token, "error": "Wrong username or password."}, 401)
    token, _, _ = got
    resp = RedirectResponse("/registry", status_code=303)
    resp.set_cookie(
        COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        max_age=8 * 3600,
        path="/",
    )
    resp.delete_cookie(LOGIN_COOKIE, path="/registry")
    return resp


@router.post("/registry/logout", include_in_schema=False)
def logout_submit(request: Request, user: PageUser, csrf_token: Annotated[str, Form(max_length=200)] = "") -> Response:
    """End the session."""
    from neurectomy.registry.service import close_session

    _check_csrf(user[1], csrf_token)
    token, _ = _token(request)
    _write(request, lambda s: close_session(s, token or ""))
    resp = RedirectResponse("/registry/login", status_code=303)
    resp.delete_cookie(COOKIE, path="/")
    return resp


@router.get("/registry", include_in_schema=False, response_class=HTMLResponse)
def case_list(request: Request, user: PageUser, procedure: str | None = None) -> Response:
    """The institution's cases."""
    from neurectomy.registry.service import read_cases

    who, csrf = user
    key = procedure[:64] if procedure else None
    cases = displayable(_write(request, lambda s: read_cases(s, who, procedure_key=key, limit=500)))
    from neurectomy.procedures import load_procedures

    procedures = sorted(load_procedures().values(), key=lambda p: p.name.lower())
    return _page(
        request,
        "cases.html",
        {"who": who, "csrf": csrf, "cases": cases, "procedure": key or "", "procedures": procedures},
    )


@router.get("/registry/cases/new", include_in_schema=False, response_class=HTMLResponse)
def new_case_page(request: Request, user: PageUser) -> Response:
    """The new-case form."""
    from neurectomy.procedures import load_procedures

    who, csrf = user
    _run(lambda: who.require("write"))
    return _page(
        request,
        "new_case.html",
        {"who": who, "csrf": csrf, "procedures": sorted(load_procedures().items()), "error": "", "form": {}},
    )


@router.post("/registry/cases", include_in_schema=False)
async def new_case_submit(request: Request, user: PageUser) -> Response:
    """Create the case (and its plan when a procedure is named)."""
    from neurectomy.registry.service import create_case, plan_case

    who, csrf = user
    form = await request.form()
    _check_csrf(csrf, str(form.get("csrf_token", "")))
    data: dict[str, Any] = {k: str(form.get(k, "")) for k in ("pseudonym", "indication", "side", "sex", "notes")}
    data["birth_year"] = _number(str(form.get("birth_year", "")).strip(), int)
    data["procedure_key"] = str(form.get("procedure_key", "")) or None
    try:

        def go(s: Any) -> int:
            c = create_case(s, who, data)
            if c.procedure_key:
                plan_case(s, who, c.id)
            return int(c.id)

        cid = _write(request, go)
    except HTTPException as exc:
        if exc.status_code != 422:
            raise
        from neurectomy.procedures import load_procedures

        return _page(
            request,
            "new_case.html",
            {
                "who": who,
                "csrf": csrf,
                "form": data,
                "error": _message(exc),
                "procedures": sorted(load_procedures().items()),
            },
            422,
        )
    return RedirectResponse(f"/registry/cases/{cid}", status_code=303)


def _number(text: str, kind: type[int] | type[float]) -> int | float | str | None:
    """A form field as the number the API takes (JSON clients send numbers); empty is None, anything else is
    passed on as text for the model to refuse with its message."""
    if not text:
        return None
    try:
        return kind(text)
    except ValueError:
        return text


#: The forms' labels of the fields a refusal names (the registry's field names mean nothing to a person).
FIELD_LABELS: dict[str, str] = {
    "pseudonym": "Pseudonym",
    "birth_year": "Birth year",
    "sex": "Sex",
    "indication": "Indication",
    "side": "Side",
    "procedure_key": "Procedure",
    "procedure_name": "Procedure name",
    "performed_on": "Date performed",
    "method": "Method",
    "nerves": "Nerves cut",
    "end_treatments": "End treatment",
    "other_side_confirmed": "Side confirmation",
    "recorded_on": "Date",
    "days_after": "Days after the procedure",
    "timepoint": "Time point",
    "pain_nrs": "Pain (NRS 0–10)",
    "pain_relief": "Pain relief",
    "measures": "Scores",
    "numb_regions": "Numb skin regions",
    "muscles": "Weak or paralysed muscles",
    "complications": "Complications",
    "recurrence": "Recurrence",
    "notes": "Notes",
    "username": "Username",
    "password": "Password",
    "role": "Role",
    "institution": "Institution",
    "status": "Status",
    "case_id": "The case number in the address",
    "min_days": "Minimum days of follow-up",
    "limit": "How many entries",
    "input": "The form",
    "(input)": "The form",
}


def field_label(path: Any) -> str:
    """The label of the form field a refusal names: ``pain_nrs`` → "Pain (NRS 0–10)", ``nerves.0.id`` → "Nerves cut
    (entry 1)", ``measures.hdss`` → "Scores (HDSS)"."""
    parts = [str(p) for p in (path if isinstance(path, list | tuple) else str(path).split("."))]
    parts = [p for p in parts if p not in ("body", "query", "path", "form")] or ["input"]
    name = FIELD_LABELS.get(parts[0], parts[0].replace("_", " ").capitalize())
    rest = parts[1:]
    if rest and rest[0].isdigit():
        return f"{name} (entry {int(rest[0]) + 1})"
    if rest and parts[0] == "measures":
        return f"{name} ({rest[0].upper()})"
    return name


def _message(exc: HTTPException) -> str:
    """A refusal as a person reads it: each problem after its field's label."""
    d = exc.detail
    if isinstance(d, list):
        return "; ".join(f"{field_label(e['loc'][1:])}: {e['msg']}" for e in d)
    return str(d)


def recovery_chart(
    plan: dict[str, Any] | None, outcomes: list[dict[str, Any]], case_side: str | None = None
) -> dict[str, Any] | None:
    """Predicted vs recorded recovery of sensation, as SVG coordinates with titled axes and ticks.

    The measure, both lines: **the share of the expected-numb skin regions that have recovered**, in percent. The
    expected-numb regions are the plan's sensory regions whose whole supply is cut (anaesthetic in the plan's
    deficit); regions only expected to feel less (hypoaesthetic) are left out, since they were never expected to be
    numb. Predicted: the mean, over those regions, of the timeline's ``function`` (0 lost, 1 back). Recorded: at
    each follow-up on the plan's side, the share of those regions not listed as numb (a follow-up whose findings
    are on another side says nothing about them, and is left out of the chart).
    """
    from neurectomy.lesion import FULL

    if not plan:
        return None
    tl = plan.get("timeline") or {}
    days = list(tl.get("days") or [])
    targets = [t for t in tl.get("targets") or [] if t.get("group") == "sensory" and t.get("supply_lost", 0) >= FULL]
    if not days or not targets:
        return None
    predicted = [sum(t["function"][i] for t in targets) / len(targets) for i in range(len(days))]
    regions = {t["target"]["id"] for t in targets}
    sides = {str(t.get("side")) for t in targets} - {"None"}
    plan_side = next(iter(sides)) if len(sides) == 1 else case_side
    on_side = [o for o in outcomes if o.get("side") in (None, plan_side, "bilateral") or plan_side in (None, "midline")]
    recorded = [(o["days_after"], len(regions & set(o["numb_regions"]))) for o in on_side]
    last = max([days[-1], *(d for d, _ in recorded)]) or 1
    w, h, left, right, top, bottom = 600.0, 260.0, 64.0, 16.0, 14.0, 50.0

    def xy(d: float, v: float) -> tuple[float, float]:
        return round(left + (w - left - right) * d / last, 1), round(top + (h - top - bottom) * (1 - v), 1)

    step = 365 if last > 730 else 90 if last > 180 else 30 if last > 60 else 7
    x_ticks = [
        {"x": xy(d, 0)[0], "label": f"{d:,}"} for d in range(0, int(last) + 1, step) if last - d >= step / 3 or d == 0
    ]
    x_ticks.append({"x": xy(last, 0)[0], "label": f"{int(last):,}"})
    y_ticks = [{"y": xy(0, v / 100)[1], "label": f"{v} %"} for v in (0, 25, 50, 75, 100)]
    dots = []
    for d, numb in recorded:
        v = 1 - numb / len(regions)
        x, y = xy(d, v)
        dots.append(
            {
                "x": x,
                "y": y,
                "day": d,
                "value": round(v, 2),
                "percent": round(100 * v),
                "numb": numb,
                "of": len(regions),
            }
        )
    return {
        "width": w,
        "height": h,
        "left": left,
        "right": w - right,
        "top": top,
        "bottom": h - bottom,
        "last_day": int(last),
        "x_ticks": x_ticks,
        "y_ticks": y_ticks,
        "x_title": "Days after the procedure",
        "y_title": "Regions recovered (%)",  # fits the plot's height (the caption says which regions)
        "predicted": " ".join(f"{x},{y}" for x, y in (xy(d, v) for d, v in zip(days, predicted, strict=True))),
        "recorded": dots,
        "regions": sorted(regions),
        "left_out": len(outcomes) - len(on_side),
    }


@router.get("/registry/cases/{case_id}", include_in_schema=False, response_class=HTMLResponse)
def case_page(request: Request, user: PageUser, case_id: int) -> Response:
    """One case: patient, plan, procedures, outcomes, recorded vs predicted recovery, the outcome form."""
    return _case_response(request, user, case_id)


def _case_response(
    request: Request,
    user: tuple[Principal, str],
    case_id: int,
    *,
    refused: str = "",
    error: str = "",
    form: dict[str, Any] | None = None,
) -> Response:
    """The case page; after a refused form (``refused``: "procedure" or "outcome") a 422 with the message in that
    form and the form filled in with what was typed, so nothing is lost (no need for the browser's Back button)."""
    from neurectomy.registry.service import InvalidInput, check_plan, get_case, read_case

    who, csrf = user

    def go(s: Any) -> tuple[dict[str, Any], dict[str, Any] | None]:
        view = read_case(s, who, case_id)
        c = get_case(s, who, case_id)
        plan = c.plans[-1].plan if c.plans else None
        try:
            check_plan(plan)
        except InvalidInput:  # a legacy row stored before plans were checked: show the case without it
            plan = None
        return displayable(view), displayable(plan)

    view, plan = _write(request, go)
    return _page(
        request,
        "case.html",
        {
            "who": who,
            "csrf": csrf,
            "case": view,
            "plan": plan,
            "chart": recovery_chart(plan, view["outcomes"], view["side"]),
            "refused": refused,
            "error": error,
            "pf": form if refused == "procedure" else {},
            "of": form if refused == "outcome" else {},
            **_case_forms(),
        },
        422 if refused else 200,
    )


def _case_forms() -> dict[str, Any]:
    """The vocabularies of the case page's forms: procedures, methods, end treatments, time points, measures."""
    from neurectomy.api import default_atlas
    from neurectomy.methods import END_TREATMENTS, METHODS
    from neurectomy.procedures import load_procedures
    from neurectomy.registry.measures import MEASURES, PAIN_NRS_SOURCE, TIMEPOINTS
    from neurectomy.web import views

    atlas = default_atlas()
    return {
        "charts": [{"view": v, "label": name, "svg": views.picker_svg(atlas, v)} for v, name in views.picker_views()],
        "complications": _complications(),
        "procedures": sorted(load_procedures().values(), key=lambda p: p.name.lower()),
        "methods": list(METHODS.values()),
        "end_treatments": list(END_TREATMENTS.values()),
        "timepoints": TIMEPOINTS,
        "measures": list(MEASURES.values()),
        "pain_source": PAIN_NRS_SOURCE,
    }


def _atlas_ids(names: list[str], field: str, kinds: tuple[str, ...]) -> tuple[list[dict[str, str]], list[str]]:
    """Atlas names (or ids, or synonyms) as ``{"id", "name"}``; unknown ones as messages with suggestions."""
    from neurectomy.api import default_atlas
    from neurectomy.names import UnknownNameError

    atlas = default_atlas()
    found: list[dict[str, str]] = []
    problems: list[str] = []
    for name in names:
        try:
            if kinds == ("nerve",):
                item: Any = atlas.nerve(name)
            else:
                item = atlas.target(name)
                if item.kind not in kinds:
                    raise UnknownNameError(" or ".join(kinds), name, [])
        except UnknownNameError as exc:
            hint = f" (did you mean {', '.join(exc.suggestions[:4])}?)" if exc.suggestions else ""
            what = " or ".join("skin region" if k == "skin" else k for k in kinds)
            problems.append(f"{field}: {name[:80]!r} is not a {what} of the atlas{hint}")
            continue
        except RequestError as exc:
            problems.append(f"{field}: {exc.message}")
            continue
        if item.id not in {f["id"] for f in found}:
            found.append({"id": item.id, "name": item.name})
    return found, problems


def _form_lines(form: Any, name: str) -> list[str]:
    out: list[str] = []
    for value in form.getlist(name):
        out += [x.strip() for x in str(value).replace(";", "\n").splitlines() if x.strip()]
    return list(dict.fromkeys(out))


@router.post("/registry/cases/{case_id}/procedures", include_in_schema=False)
async def procedure_submit(request: Request, user: PageUser, case_id: int) -> Response:
    """Record a procedure performed from the case page's form: date, side, procedure, cuts (nerve names, or the
    named procedure's own cuts when none are given), method and end treatment."""
    from neurectomy.procedures import load_procedures
    from neurectomy.registry.service import record_procedure

    who, csrf = user
    form = await request.form()
    _check_csrf(csrf, str(form.get("csrf_token", "")))
    _run(lambda: who.require("write"))
    key = str(form.get("procedure_key", "")) or None
    proc = load_procedures().get(key) if key else None
    side = str(form.get("side", ""))
    nerves, problems = _atlas_ids(_form_lines(form, "nerves"), "nerves cut", ("nerve",))
    if proc is not None and not nerves and not problems and side in ("left", "right", "bilateral"):
        from neurectomy.api import default_atlas

        atlas = default_atlas()
        chosen: Any = "left" if side == "bilateral" else side  # the same nerves on either side
        own = (atlas.nerve(c.nerve) for c in proc.resolve_cuts(chosen))
        nerves = list({n.id: {"id": n.id, "name": n.name} for n in own}.values())
    typed = _typed(form, ("performed_on", "side", "procedure_key", "procedure_name", "method", "nerves", "notes"))
    typed["end"] = [str(v) for v in form.getlist("end")]
    typed["other_side_confirmed"] = bool(form.get("other_side_confirmed"))
    name = str(form.get("procedure_name", "")).strip()
    if key and name and name.casefold() != (proc.name if proc else key).casefold():
        # one procedure per record: a typed name never silently replaces (or relabels) the chosen procedure
        chosen_name = proc.name if proc else key
        problems.append(
            f"Procedure and …or its name: you chose “{chosen_name}” and typed “{name}”; give one of them (clear the "
            "name to record the chosen procedure, or choose “another operation or block” to record the typed one)"
        )
    if problems:
        return _case_response(request, user, case_id, refused="procedure", error="; ".join(problems), form=typed)
    method = str(form.get("method", "")) or (proc.method if proc else "")
    data: dict[str, Any] = {
        "performed_on": str(form.get("performed_on", "")),
        "procedure_key": key,
        "procedure_name": name or (proc.name if proc else ""),
        "method": method,
        "side": side,
        "nerves": nerves,
        "end_treatments": [str(v) for v in form.getlist("end")],
        "notes": str(form.get("notes", "")),
        "other_side_confirmed": bool(form.get("other_side_confirmed")),
    }
    try:
        _write(request, lambda s: record_procedure(s, who, case_id, data).id)
    except HTTPException as exc:
        if exc.status_code != 422:
            raise
        return _case_response(request, user, case_id, refused="procedure", error=_message(exc), form=typed)
    return RedirectResponse(f"/registry/cases/{case_id}#procedures", status_code=303)


def _typed(form: Any, names: tuple[str, ...]) -> dict[str, Any]:
    """What was typed into a form's fields (several values of one name, a list and its add-box, as lines)."""
    return {n: "\n".join(str(v) for v in form.getlist(n) if str(v).strip()) for n in names}


def _complications() -> tuple[str, ...]:
    from neurectomy.registry.models import COMPLICATIONS

    return COMPLICATIONS


@router.post("/registry/cases/{case_id}/outcomes", include_in_schema=False)
async def outcome_submit(request: Request, user: PageUser, case_id: int) -> Response:
    """Record a follow-up from the case page's form."""
    from neurectomy.registry.service import record_outcome

    who, csrf = user
    form = await request.form()
    _check_csrf(csrf, str(form.get("csrf_token", "")))
    _run(lambda: who.require("write"))
    typed = _typed(
        form,
        (
            "recorded_on",
            "timepoint",
            "days_after",
            "pain_nrs",
            "pain_relief",
            "side",
            "numb_regions",
            "muscles",
            "notes",
        ),
    )
    typed |= {f"measure_{k}": str(form.get(f"measure_{k}", "")) for k in ("hdss", "mas")}
    typed["complications"] = [str(v) for v in form.getlist("complications")]
    typed["recurrence"] = bool(form.get("recurrence"))

    def refuse(message: str) -> Response:
        return _case_response(request, user, case_id, refused="outcome", error=message, form=typed)

    found, problems = _atlas_ids(_form_lines(form, "numb_regions"), "numb skin regions", ("skin",))
    if problems:
        return refuse("; ".join(problems))
    regions = [f["id"] for f in found]
    muscles, problems = _muscle_lines(_form_lines(form, "muscles"))
    if problems:
        return refuse("; ".join(problems))
    measures: dict[str, Any] = {}
    for key in ("hdss", "mas"):
        raw = str(form.get(f"measure_{key}", "")).strip()
        if raw:
            measures[key] = _number(raw, float)
    data: dict[str, Any] = {
        "recorded_on": str(form.get("recorded_on", "")),
        "days_after": _number(str(form.get("days_after", "")).strip(), int),
        "timepoint": str(form.get("timepoint", "")) or None,
        "measures": measures,
        "pain_nrs": _number(str(form.get("pain_nrs", "")).strip(), float),
        "pain_relief": str(form.get("pain_relief", "")) or None,
        "numb_regions": regions,
        "muscles": muscles,
        "side": str(form.get("side", "")) or None,
        "complications": [str(v) for v in form.getlist("complications")],
        "recurrence": bool(form.get("recurrence")),
        "notes": str(form.get("notes", "")),
    }
    try:
        _write(request, lambda s: record_outcome(s, who, case_id, data).id)
    except HTTPException as exc:
        if exc.status_code != 422:
            raise
        return refuse(_message(exc))
    return RedirectResponse(f"/registry/cases/{case_id}#outcomes", status_code=303)


_GRADE = re.compile(r"^(?P<name>.*?)\s*[:,]\s*(?P<grade>paralysed|paralyzed|weak|(?:MRC\s*)?\d+)\s*$", re.IGNORECASE)


def _muscle_lines(lines: list[str]) -> tuple[list[dict[str, Any]], list[str]]:
    """The outcome form's weak or paralysed muscles, one a line: an atlas name (or synonym), then optionally
    ``: MRC 0-4`` (0 is paralysed), ``: paralysed`` or ``: weak`` (the default); as ``{"id", "effect", "mrc"}`` and
    problems (unknown names with suggestions, grades out of range) to show on the form."""
    out: list[dict[str, Any]] = []
    problems: list[str] = []
    for line in lines:
        m = _GRADE.match(line)
        name, grade = (m["name"], m["grade"].lower()) if m else (line, "weak")
        found, bad = _atlas_ids([name], "weak or paralysed muscles", ("muscle",))
        problems += bad
        if not found:
            continue
        mrc: int | None = None
        if grade.startswith("paraly"):
            effect = "paralysed"
        elif grade == "weak":
            effect = "weak"
        else:
            mrc = int(re.sub(r"\D", "", grade))
            if mrc > 4:
                problems.append(
                    f"weak or paralysed muscles: {found[0]['name']}: MRC {mrc} is "
                    + ("normal power, not a weakness" if mrc == 5 else "not a grade (0-5)")
                )
                continue
            effect = "paralysed" if mrc == 0 else "weak"
        if any(x["id"] == found[0]["id"] for x in out):
            problems.append(f"weak or paralysed muscles: {found[0]['name']} is listed twice")
            continue
        out.append({"id": found[0]["id"], "effect": effect, "mrc": mrc})
    return out, problems


@router.get("/registry/compare", include_in_schema=False, response_class=HTMLResponse)
def compare_page(request: Request, user: PageUser, min_days: int = 90) -> Response:
    """Recorded outcomes vs the published figures."""
    who, csrf = user
    rows = _comparison(request, who, max(0, min(min_days, 36500)))
    return _page(request, "compare.html", {"who": who, "csrf": csrf, "rows": rows, "min_days": min_days})


@router.get("/registry/fhir", include_in_schema=False, response_class=HTMLResponse)
def fhir_page(request: Request, user: PageUser) -> Response:
    """Import and export FHIR bundles."""
    who, csrf = user
    _run(lambda: who.require("export"))
    return _page(request, "fhir.html", {"who": who, "csrf": csrf, "result": None, "error": None})


@router.get("/registry/fhir/export", include_in_schema=False)
def fhir_download(request: Request, user: PageUser) -> Response:
    """Download the institution's cases as a FHIR R4 Bundle."""
    from neurectomy.registry.fhir import dumps, export

    who, _ = user

    def go(s: Any) -> Response:
        got = export(s, who)
        return Response(
            dumps(got.bundle).encode("utf-8"),
            media_type="application/fhir+json",
            headers={
                "Content-Disposition": 'attachment; filename="neurectomy-registry.fhir.json"',
                **_skipped_headers(got.skipped),
            },
        )

    return _write(request, go)


@router.post("/registry/fhir/import", include_in_schema=False)
async def fhir_upload(
    request: Request,
    user: PageUser,
    file: Annotated[UploadFile, File()],
    csrf_token: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    """Import an uploaded bundle (all or nothing)."""
    from neurectomy.registry.fhir import MAX_BYTES, FhirImportError, import_bundle, loads

    who, csrf = user
    _check_csrf(csrf, csrf_token)
    _run(lambda: who.require("import"))
    raw = await file.read(MAX_BYTES + 1)
    try:
        data = loads(raw)
    except FhirImportError as exc:
        return _page(request, "fhir.html", {"who": who, "csrf": csrf, "result": None, "error": str(exc)}, 422)
    try:
        ids = _write(request, lambda s: import_bundle(s, who, data))
    except HTTPException as exc:
        if exc.status_code not in (409, 422):
            raise
        return _page(
            request,
            "fhir.html",
            {"who": who, "csrf": csrf, "result": None, "error": _message(exc) + " — nothing was imported."},
            exc.status_code,
        )
    return _page(request, "fhir.html", {"who": who, "csrf": csrf, "result": ids, "error": None})


# --------------------------------------------------------------------------- users and the audit log (admins)
@router.get("/registry/users", include_in_schema=False, response_class=HTMLResponse)
def users_page(request: Request, user: PageUser, done: str = "", deactivate: str = "") -> Response:
    """The institution's accounts: add one, deactivate (after a confirm step: ``?deactivate=NAME`` shows it),
    reset a password, end every session of a user."""
    return _users_response(request, user, done=done[:200], confirm=deactivate[:200])


def _users_response(
    request: Request,
    user: tuple[Principal, str],
    *,
    done: str = "",
    error: str = "",
    form: dict[str, str] | None = None,
    status: int = 200,
    confirm: str = "",
) -> Response:
    """The users page; after a refusal, the message at the form it came from, with what was typed (never the
    password); ``confirm``: the active account (not one's own) whose deactivation is to be confirmed."""
    from neurectomy.registry.models import ROLES
    from neurectomy.registry.service import PASSWORD_MIN, list_users

    who, csrf = user
    people = displayable(_read(request, lambda s: list_users(s, who)))
    asked = next((u for u in people if u["username"] == confirm and u["active"] and confirm != who.username), None)
    return _page(
        request,
        "users.html",
        {
            "who": who,
            "csrf": csrf,
            "users": people,
            "roles": ROLES,
            "done": done,
            "error": error,
            "form": form or {},
            "confirm": asked,
            "password_min": PASSWORD_MIN,
        },
        status,
    )


def _institution_name(request: Request, who: Principal) -> str:
    from neurectomy.registry.models import Institution

    if who.institution_id is None:
        return "default"
    return str(_read(request, lambda s: s.get(Institution, who.institution_id).name))


@router.post("/registry/users", include_in_schema=False)
async def users_submit(request: Request, user: PageUser) -> Response:
    """Add an account, or act on one (``action``: deactivate, password, revoke)."""
    from urllib.parse import quote

    from neurectomy.registry.service import add_user, deactivate_user, revoke_sessions, set_password

    who, csrf = user
    form = await request.form()
    _check_csrf(csrf, str(form.get("csrf_token", "")))
    _run(lambda: who.require("manage_users"))
    action = str(form.get("action", ""))
    username = str(form.get("username", "")).strip()[:200]
    password = str(form.get("password", ""))[:1024]
    try:
        if action == "add":
            inst = _institution_name(request, who)
            role = str(form.get("role", ""))[:64]
            _write(request, lambda s: add_user(s, who, username, password, role, inst))
            done = f"Added {username}."
        elif action == "deactivate":
            if form.get("confirm") != "yes":  # the confirm step (a stale or scripted form without it acts on nobody)
                return _users_response(request, user, confirm=username)
            n = _write(request, lambda s: deactivate_user(s, who, username))
            done = f"Deactivated {username}; {n} session(s) ended."
        elif action == "password":
            n = _write(request, lambda s: set_password(s, who, username, password))
            done = f"New password set for {username}; {n} session(s) ended."
        elif action == "revoke":
            n = _write(request, lambda s: revoke_sessions(s, who, username))
            done = f"Signed {username} out everywhere ({n} session(s))."
        else:
            raise HTTPException(422, f"unknown action {action[:40]!r}")
    except HTTPException as exc:
        if exc.status_code not in (404, 409, 422):
            raise
        typed = {"action": action, "username": username, "role": str(form.get("role", ""))[:64]}
        return _users_response(request, user, error=_message(exc), form=typed, status=exc.status_code)
    return RedirectResponse("/registry/users?done=" + quote(done), status_code=303)


@router.get("/registry/audit", include_in_schema=False, response_class=HTMLResponse)
def audit_page(request: Request, user: PageUser, limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> Response:
    """The newest audit entries of the institution (admins): who did what, when, to which record."""
    from neurectomy.registry.service import audit_entries

    who, csrf = user
    rows = _read(request, lambda s: audit_rows(s, audit_entries(s, who, limit)))
    return _page(request, "audit.html", {"who": who, "csrf": csrf, "rows": displayable(rows), "limit": limit})


#: What the audit log's entry details mean, in the words of the pages (never the stored key).
AUDIT_DETAIL_LABELS: dict[str, str] = {
    "case": "case",
    "days_after": "days after the procedure",
    "procedure_key": "planned procedure",
    "status": "status",
    "records": "records read",
    "sessions": "sessions ended",
    "username": "user",
    "role": "role",
    "institution": "institution",
    "name": "name",
    "client": "from address",
    "failures": "failed sign-ins in a row",
    "known_user": "known user",
    "active": "account active",
    "other_side_confirmed": "other side confirmed",
    "cases": "cases",
    "patients": "patients",
    "resources": "resources",
    "skipped": "cases left out",
    "rows": "rows",
}
_RECORD_WORDS = {"plan": "plan of", "procedure": "procedure on", "outcome": "outcome of"}


def audit_rows(s: Any, entries: list[Any]) -> list[dict[str, Any]]:
    """Audit entries as the page shows them: the record as the rest of the registry names it ("Case 1", "outcome
    of Case 1", "patient MP-001", "user ann"), linked to the case, not its uid; each detail with its label and
    values in words ("days after the procedure: 365", "status: planned → operated")."""
    from sqlalchemy import select

    from neurectomy.registry.models import Case, Outcome, Patient, ProcedurePerformed, StoredPlan, User

    uids: set[str] = set()
    for e in entries:
        if e.entity_id:
            uids.add(e.entity_id)
        for key in ("case", "skipped"):
            v = (e.detail or {}).get(key)
            uids.update(x for x in (v if isinstance(v, list) else [v]) if isinstance(x, str))
    case_of: dict[str, int] = {}
    patient_of: dict[str, str] = {}
    if uids:
        found = list(uids)[:5000]
        case_of.update(s.execute(select(Case.uid, Case.id).where(Case.uid.in_(found))).tuples().all())
        for model in (StoredPlan, ProcedurePerformed, Outcome):
            case_of.update(s.execute(select(model.uid, model.case_id).where(model.uid.in_(found))).tuples().all())
        patient_of.update(
            s.execute(select(Patient.uid, Patient.pseudonym).where(Patient.uid.in_(found))).tuples().all()
        )
    user_ids = {int(e.entity_id) for e in entries if e.entity == "user" and str(e.entity_id or "").isdigit()}
    user_of = (
        dict(s.execute(select(User.id, User.username).where(User.id.in_(user_ids))).tuples().all()) if user_ids else {}
    )

    def case_label(uid: Any) -> str:
        return f"Case {case_of[uid]}" if isinstance(uid, str) and uid in case_of else "a case not in this registry"

    def value(key: str, v: Any) -> str:
        if key == "case":
            return case_label(v)
        if key == "skipped":
            return ", ".join(case_label(x) for x in v) if isinstance(v, list) and v else "none"
        if key == "procedure_key":
            return label("procedure", v)
        if key == "status" and isinstance(v, list) and len(v) == 2:
            return f"{label('status', v[0])} → {label('status', v[1])}"
        if isinstance(v, bool):
            return "yes" if v else "no"
        if v is None or v == "":
            return "—"
        if isinstance(v, dict):
            return ", ".join(f"{k.replace('_', ' ')} {n}" for k, n in v.items())
        return str(v)

    rows = []
    for e in entries:
        eid = e.entity_id
        record, link = e.entity.replace("_", " "), None
        if e.entity in ("case", *_RECORD_WORDS) and eid:
            if eid in case_of:
                link = f"/registry/cases/{case_of[eid]}"
                record = (
                    f"Case {case_of[eid]}" if e.entity == "case" else f"{_RECORD_WORDS[e.entity]} Case {case_of[eid]}"
                )
            else:
                record = f"{record} (no longer here)"
        elif e.entity == "case":
            record = "case list"
        elif e.entity == "patient" and eid in patient_of:
            record = f"patient {patient_of[eid]}"
        elif e.entity == "user" and eid and eid.isdigit() and int(eid) in user_of:
            record = f"user {user_of[int(eid)]}"
        elif e.entity == "bundle":
            record = "FHIR bundle"
        detail = [
            (AUDIT_DETAIL_LABELS.get(k, k.replace("_", " ")), value(k, v))
            for k, v in (e.detail or {}).items()
            if not (k == "case" and link is not None)  # the record already names its case
        ]
        rows.append(
            {
                "at": e.at.strftime("%Y-%m-%d %H:%M:%S UTC"),
                "user": e.username,
                "action": e.action.replace("_", " "),
                "record": record,
                "link": link,
                "detail": "; ".join(f"{k}: {v}" for k, v in detail),
            }
        )
    return rows
