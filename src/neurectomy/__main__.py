"""Entry point of the ``neurectomy`` command.

``neurectomy lesion … --json`` is the machine interface other programs call in loops, so it is answered here
with argparse and the pure-Python engine, without importing Typer, Rich, pydantic or NumPy (DESIGN §7 cold-start
bar). Everything else, and the human-readable table, goes to the Typer app in :mod:`neurectomy.cli`. A contract
test checks that both paths print the same JSON.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import NoReturn


def _fast_lesion_json(argv: Sequence[str]) -> int:
    """``lesion … --json`` on the light path; -1 hands anything it does not recognise to the Typer app, which then
    explains it (abbreviated options included: argparse would accept ``--meth``, click does not)."""
    import argparse
    import json

    from neurectomy.api import default_atlas
    from neurectomy.atlas.load import AtlasError
    from neurectomy.names import RequestError, UnknownNameError
    from neurectomy.requests import DEFAULT_METHOD, DEFAULT_SIDE, LesionRequest

    class Parser(argparse.ArgumentParser):
        def error(self, message: str) -> NoReturn:
            raise ValueError(message)

    parser = Parser(prog="neurectomy lesion", add_help=False, allow_abbrev=False)
    parser.add_argument("nerve")
    parser.add_argument("--at")
    parser.add_argument("--mm", type=float)
    parser.add_argument("--side", default=DEFAULT_SIDE)
    parser.add_argument("--method", default=DEFAULT_METHOD)
    parser.add_argument("--also", action="append", default=[])
    parser.add_argument("--json", action="store_true")
    try:
        args, unknown = parser.parse_known_args(argv)
    except ValueError:  # e.g. --mm not a number: Typer words the error
        return -1
    if unknown:
        return -1
    try:
        request = LesionRequest.build(
            args.nerve, at=args.at, mm=args.mm, side=args.side, method=args.method, also=args.also
        )
        out = request.run(default_atlas()).to_dict()
    except (UnknownNameError, RequestError) as exc:
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
