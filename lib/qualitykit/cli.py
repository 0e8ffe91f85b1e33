"""The ``qualitykit`` command line (entry point ``qualitykit = "qualitykit.cli:main"``).

One function per subcommand, registered with :func:`command`; ``main`` builds the argparse parser
from the registry, so adding a subcommand is one decorated function in this module::

    def _add_sample_arguments(p: argparse.ArgumentParser) -> None:
        p.add_argument("--rows", type=int, default=100_000)

    @command("sample", help="build the synthetic sample data set", arguments=_add_sample_arguments)
    def cmd_sample(args: argparse.Namespace) -> int:
        from . import sample  # import lazily: `qualitykit --help` stays fast
        ...
        return EXIT_OK

Exit codes: 0 success; 1 the input has problems (or a :class:`QualityKitError` was raised);
2 usage errors (argparse) and internal errors. No traceback reaches the user unless ``--debug``
is given (or ``QUALITYKIT_DEBUG=1`` is set); an internal error prints one line.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from . import __version__
from .errors import QualityKitError

EXIT_OK, EXIT_PROBLEMS, EXIT_INTERNAL = 0, 1, 2

CommandFunc = Callable[[argparse.Namespace], int]


@dataclass(frozen=True)
class Command:
    """A subcommand: its name, one-line help, argument set-up and the function that runs it."""

    name: str
    help: str
    arguments: Callable[[argparse.ArgumentParser], None]
    run: CommandFunc


COMMANDS: dict[str, Command] = {}
"""The registry of subcommands, in the order they appear in ``qualitykit --help``."""


def command(
    name: str, help: str, arguments: Callable[[argparse.ArgumentParser], None] | None = None
) -> Callable[[CommandFunc], CommandFunc]:
    """Register the decorated function as subcommand ``name`` (it returns the exit code)."""

    def register(func: CommandFunc) -> CommandFunc:
        if name in COMMANDS:
            raise ValueError(f"subcommand {name!r} registered twice")
        COMMANDS[name] = Command(name, help, arguments or (lambda p: None), func)
        return func

    return register


def build_parser() -> argparse.ArgumentParser:
    """The parser of every registered subcommand."""
    parser = argparse.ArgumentParser(
        prog="qualitykit",
        description="Analysis of Chinese product-quality supervision spot-check (监督抽查) data.",
    )
    parser.add_argument("--version", action="version", version=f"qualitykit {__version__}")
    parser.add_argument(
        "--debug", action="store_true", help="show the full traceback of an internal error"
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for cmd in COMMANDS.values():
        p = sub.add_parser(cmd.name, help=cmd.help, description=cmd.help)
        cmd.arguments(p)
        p.set_defaults(_run=cmd.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``qualitykit`` with ``argv`` (default: ``sys.argv[1:]``); returns the exit code."""
    for stream in (sys.stdout, sys.stderr):  # never die on a console that cannot show 中文
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(errors="backslashreplace")
            except (ValueError, OSError):  # pragma: no cover - exotic streams
                pass
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as e:  # --help, --version, usage errors
        return int(e.code) if isinstance(e.code, int) else EXIT_INTERNAL
    debug = args.debug or os.environ.get("QUALITYKIT_DEBUG", "") not in ("", "0")
    try:
        return int(args._run(args))
    except QualityKitError as e:
        first, *rest = str(e).splitlines() or [type(e).__name__]
        print(f"qualitykit {args.command}: error: {first}", file=sys.stderr)
        for line in rest:
            print(line, file=sys.stderr)
        return EXIT_PROBLEMS
    except KeyboardInterrupt:
        print("qualitykit: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # output piped into `head`
        return EXIT_OK
    except Exception as e:  # noqa: BLE001 - the last line of defence: no traceback
        if debug:
            traceback.print_exc()
        message = " ".join(str(e).split())[:300]
        print(
            f"qualitykit {args.command}: internal error: {type(e).__name__}: {message} "
            "(please report it; run with --debug for the traceback)",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


# ----------------------------------------------------------------------------------------------
# qualitykit validate FILE…
# ----------------------------------------------------------------------------------------------


def _add_validate_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "files", nargs="+", metavar="FILE", help="CSV, XLSX or Parquet file (or directory)"
    )
    p.add_argument(
        "--kind",
        choices=("records", "nonconformities", "counts"),
        help="the table kind (default: detected from the columns)",
    )
    p.add_argument("--sheet", help="XLSX sheet name (default: the first sheet)")
    p.add_argument("--json", action="store_true", help="print a machine-readable JSON report")
    p.add_argument(
        "--max-problems",
        type=int,
        default=20,
        metavar="N",
        help="problems shown per column and check (default 20; 0 = all); all are counted",
    )


@command(
    "validate",
    help="check input tables (records, nonconformities, counts) and summarise them",
    arguments=_add_validate_arguments,
)
def cmd_validate(args: argparse.Namespace) -> int:
    """Print a summary per valid file (exit 0) or every problem found (exit 1)."""
    from . import io

    cap = None if args.max_problems <= 0 else args.max_problems
    reports = [io.validate(f, kind=args.kind, sheet=args.sheet) for f in args.files]
    ok = all(r.ok for r in reports)
    if args.json:
        doc = {"ok": ok, "files": [r.to_dict(max_per_group=cap) for r in reports]}
        print(json.dumps(doc, ensure_ascii=False, indent=2))
    else:
        for r in reports:
            print(r.to_text(max_per_group=cap))
        if len(reports) > 1:
            bad = sum(not r.ok for r in reports)
            print(f"{len(reports)} files: {len(reports) - bad} OK, {bad} with problems")
    return EXIT_OK if ok else EXIT_PROBLEMS


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
