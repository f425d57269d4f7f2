"""Entry point of the ``neurectomy`` command.

``neurectomy lesion … --json`` is the machine interface other programs call in loops, so it is answered here
with argparse and the pure-Python engine, without importing Typer, Rich, pydantic or NumPy (DESIGN §7 cold-start
bar). Everything else, and the human-readable table, goes to the Typer app in :mod:`neurectomy.cli`. A contract
test checks that both paths print the same JSON.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence


def _fast_lesion_json(argv: Sequence[str]) -> int:
    import argparse
    import json

    from neurectomy.api import lesion_json
    from neurectomy.atlas.load import AtlasError
    from neurectomy.lesion import PositionError
    from neurectomy.names import UnknownNameError

    parser = argparse.ArgumentParser(prog="neurectomy lesion", add_help=False)
    parser.add_argument("nerve")
    parser.add_argument("--at")
    parser.add_argument("--mm", type=float)
    parser.add_argument("--side", default="left", choices=["left", "right", "midline"])
    parser.add_argument("--method", default="surgical_cut")
    parser.add_argument("--also", action="append", default=[])
    parser.add_argument("--json", action="store_true")
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        return -1  # let the full CLI explain
    try:
        out = lesion_json(args.nerve, args.at, args.mm, args.side, args.also, args.method)
    except (UnknownNameError, PositionError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except AtlasError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["lesion"] and "--json" in args and "--help" not in args and "-h" not in args:
        code = _fast_lesion_json(args[1:])
        if code >= 0:
            return code
    from neurectomy.cli import run

    return run(args)


if __name__ == "__main__":
    raise SystemExit(main())
