"""A writer process for the reliability tests (no tests here; kept free of pytest so that it starts fast).

``python -m tests.test_registry_worker MODE URL USER_ID INSTITUTION_ID TAG N OUTCOMES_PER_CASE``: ``cases`` commits
``N`` cases (each with its outcomes) and prints ``committed <i>`` after each commit; ``hang`` writes one large
transaction, prints ``inside`` and waits to be killed before committing.
"""

from __future__ import annotations

import sys
import time
from typing import Any


def main(mode: str, url: str, user_id: int, institution_id: int, tag: str, n: int, per_case: int) -> None:
    from neurectomy.registry.auth import Principal
    from neurectomy.registry.db import make_engine, write
    from neurectomy.registry.service import create_case, record_outcome

    who = Principal(user_id, "worker", "clinician", institution_id)
    engine = make_engine(url)
    print("ready", flush=True)

    def one(i: int) -> Any:
        def _do(s: Any) -> None:
            c = create_case(s, who, {"pseudonym": f"{tag}-{i}", "indication": "meralgia paresthetica", "side": "right"})
            for d in range(per_case):
                record_outcome(s, who, c.id, {"recorded_on": "2024-05-01", "days_after": d, "pain_nrs": 3.0})
            if mode == "hang":
                s.flush()
                print("inside", flush=True)
                time.sleep(60)

        return _do

    for i in range(n):
        write(engine, one(i))
        print(f"committed {i}", flush=True)


if __name__ == "__main__":
    a = sys.argv[1:]
    main(a[0], a[1], int(a[2]), int(a[3]), a[4], int(a[5]), int(a[6]))
