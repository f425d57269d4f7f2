"""Users and a case in the browser tests' registry (the server's database), made once per session."""

from __future__ import annotations

import functools
from typing import Any

from tests import test_registry_support as sup

PASSWORD = sup.PASSWORD


@functools.cache
def seed(url: str) -> int:
    """Users for every role at Hospital A (``admin_a``, ``clinician_a``, ...) and one case; its number."""
    from neurectomy.registry.db import make_engine

    engine = make_engine(url)
    # the server created the schema when it started (it checks /api/atlas/stats, which opens the registry)
    from neurectomy.registry.db import init_db

    init_db(engine)
    who = sup.users(engine)
    [cid] = sup.populate(engine, who["clinician"], 1)
    engine.dispose()
    return int(cid)


def sign_in(page: Any, username: str = "admin_a") -> None:
    page.goto("/registry/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url("**/registry")
