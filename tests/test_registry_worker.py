"""A writer process for the reliability tests (no tests here; kept free of pytest so that it starts fast).

``python -m tests.test_registry_worker MODE URL USER_ID INSTITUTION_ID TAG N OUTCOMES_PER_CASE``.

Protocol on stdout, one line per event, each written and flushed in one ``write`` (shorter than ``PIPE_BUF``, so a
line reaches the pipe whole or not at all): ``ready`` once connected; then for record ``i`` (the case
``TAG-i`` with its outcomes, one transaction) ``intend i`` *before* the transaction starts and ``ack i`` *after*
its commit returned. ``cases`` writes records ``0 .. N-1`` one after another; ``hang`` prints ``intend 0``, writes
record 0 inside one large transaction, flushes it, prints ``inside`` and waits to be killed before committing.

So, whenever the process is killed: every acknowledged record is committed, every committed record was intended,
and at most one record (the last intended, not acknowledged) is in flight.
"""

from __future__ import annotations

import sys
import time
from typing import Any


def say(line: str) -> None:
    """One protocol line, flushed in one write."""
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def main(mode: str, url: str, user_id: int, institution_id: int, tag: str, n: int, per_case: int) -> None:
    from neurectomy.registry.auth import Principal
    from neurectomy.registry.db import make_engine, write
    from neurectomy.registry.service import create_case, record_outcome

    who = Principal(user_id, "worker", "clinician", institution_id)
    engine = make_engine(url)
    say("ready")

    def one(i: int) -> Any:
        def _do(s: Any) -> None:
            c = create_case(s, who, {"pseudonym": f"{tag}-{i}", "indication": "meralgia paresthetica", "side": "right"})
            for d in range(per_case):
                record_outcome(s, who, c.id, {"recorded_on": "2024-05-01", "days_after": d, "pain_nrs": 3.0})
            if mode == "hang":
                s.flush()
                say("inside")
                time.sleep(60)

        return _do

    for i in range(n):
        say(f"intend {i}")
        write(engine, one(i))
        say(f"ack {i}")


if __name__ == "__main__":
    a = sys.argv[1:]
    main(a[0], a[1], int(a[2]), int(a[3]), a[4], int(a[5]), int(a[6]))
