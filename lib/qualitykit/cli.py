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
2 usage errors (argparse), a run folder in use by another process, and internal errors; 3 a run
folder refused (a file, not a run folder, foreign files in it); 4 a file that cannot be written
or read (permission, read-only, name too long); 5 a full disk. An error may carry its own code
(``exit_code``). No traceback reaches the user unless ``--debug`` is given (or
``QUALITYKIT_DEBUG=1`` is set); an internal error prints one line.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from qualitykit import __version__
from qualitykit.errors import QualityKitError

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
        return int(getattr(e, "exit_code", EXIT_PROBLEMS))
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
        "files",
        nargs="+",
        metavar="FILE",
        help="CSV, XLSX or Parquet file, or a folder of them (a partitioned Parquet folder is one)",
    )
    p.add_argument(
        "--kind",
        choices=("records", "nonconformities", "counts", "item_counts"),
        help="the table kind (default: detected from the columns)",
    )
    p.add_argument("--sheet", help="XLSX sheet name (default: the first sheet)")
    p.add_argument(
        "--period",
        metavar="PERIOD",
        help="period of a table without a year column or a period in its title: 2019, 2019H2, 2023Q3",
    )
    p.add_argument(
        "--units",
        metavar="FILE",
        help="non-standard units (开发区, 高新区 …): a CSV with the columns name,parent",
    )
    p.add_argument(
        "--parent", metavar="CODE", help="resolve unit names within this GB/T 2260 division"
    )
    p.add_argument(
        "--keep-codes",
        action="store_true",
        help="keep abolished region codes as given (default: map them to their successors)",
    )
    p.add_argument("--json", action="store_true", help="print a machine-readable JSON report")
    p.add_argument(
        "--max-problems",
        type=int,
        default=20,
        metavar="N",
        help="problems shown per column and check (default 20; 0 = all kept, at most 100 per "
        "check); all are counted",
    )


def _validation_targets(files: Sequence[str]) -> list[str]:
    """The files to check: a folder of table files is checked file by file."""
    from pathlib import Path

    from qualitykit.data.read import table_files

    out: list[str] = []
    for f in files:
        p = Path(f)
        if p.is_dir() and not any(c.name.startswith("province=") for c in p.iterdir()):
            found = table_files(p)
            if found and found != [p]:
                out.extend(str(x) for x in found)
                continue
        out.append(f)
    return out


@command(
    "validate",
    help="check input tables (records, nonconformities, counts, item counts) and summarise them",
    arguments=_add_validate_arguments,
)
def cmd_validate(args: argparse.Namespace) -> int:
    """Print a summary per valid file (exit 0) or the problems found (exit 1): the kind, rows,
    units resolved, totals excluded and the real total; problems capped per check."""
    from qualitykit.data import io
    from qualitykit.data.shapes import ShapeError, shape_of

    cap = None if args.max_problems <= 0 else args.max_problems
    options = {
        "period": args.period,
        "units": args.units,
        "parent": args.parent,
        "map_codes": not args.keep_codes,
        "keep_frame": False,
    }
    files = _validation_targets(args.files)
    reports = [io.validate(f, kind=args.kind, sheet=args.sheet, **options) for f in files]
    ok = all(r.ok for r in reports)
    shape = None
    if ok and len(reports) > 1 and len(args.files) == 1:
        try:
            shape = shape_of([(r.file, str(r.kind)) for r in reports])
        except ShapeError as e:
            shape = f"not one source: {e}"
    if args.json:
        doc = {"ok": ok, "shape": shape, "files": [r.to_dict(max_per_group=cap) for r in reports]}
        print(json.dumps(doc, ensure_ascii=False, indent=2, default=str))
    else:
        for r in reports:
            print(r.to_text(max_per_group=cap))
        if len(reports) > 1:
            bad = sum(not r.ok for r in reports)
            print(f"{len(reports)} files: {len(reports) - bad} OK, {bad} with problems")
        if shape is not None:
            print(f"shape: {shape}")
    return EXIT_OK if ok else EXIT_PROBLEMS


# ----------------------------------------------------------------------------------------------
# qualitykit run NOTEBOOK …
# ----------------------------------------------------------------------------------------------


def _add_run_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "notebook",
        help="the parameterised notebook (.ipynb), e.g. notebooks/05_district_report.ipynb",
    )
    sel = p.add_argument_group("which parameter sets (combined: each selection × file × grid)")
    sel.add_argument(
        "--each",
        choices=("district", "city", "province"),
        help="one run per district (county-level division), city or province …",
    )
    sel.add_argument(
        "--within", metavar="CODE", help="… within this GB/T 2260 code (default: all of China)"
    )
    sel.add_argument("--codes", metavar="C1,C2,…", help="one run per region code in this list")
    sel.add_argument(
        "--params", metavar="FILE", help="CSV (one row per set) or YAML/JSON list of parameter sets"
    )
    sel.add_argument(
        "--grid",
        action="append",
        default=[],
        metavar="NAME=V1,V2,…",
        help="a grid of values (repeatable: the cartesian product is run)",
    )
    sel.add_argument(
        "-p",
        "--parameter",
        nargs=2,
        action="append",
        default=[],
        metavar=("NAME", "VALUE"),
        help="a value for every set, read as the type the notebook declares ('010100' stays a string)",
    )
    p.add_argument(
        "--out", metavar="DIR", help="run folder (default: outputs/<notebook>-<selection>)"
    )
    p.add_argument(
        "--workers",
        type=int,
        default=None,
        help="parallel workers (default: 2 or the CPU count if lower)",
    )
    p.add_argument(
        "--timeout", type=float, default=600.0, help="per-notebook timeout in seconds (default 600)"
    )
    p.add_argument(
        "--resume",
        action="store_true",
        help="continue a run: skip completed reports, re-run failed or unfinished ones",
    )
    p.add_argument(
        "--update",
        action="store_true",
        help="re-run into an existing run folder: rebuild only the reports whose own inputs "
        "changed (their data slice, the shared context they read, notebook, parameters, "
        "package versions), keep the others (docs/scale-out.md)",
    )
    p.add_argument("--overwrite", action="store_true", help="replace an existing run folder")
    p.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="run on Dask: 'local-dask' for a local cluster or a scheduler address tcp://host:8786",
    )
    p.add_argument(
        "--no-html",
        action="store_true",
        help="skip the HTML pages and index (a resumed run removes the index an earlier run wrote)",
    )
    p.add_argument(
        "--export",
        metavar="FORMATS",
        help="also write csv (Excel-safe CSVs), xlsx (workbooks per report and run), docx (Word "
        "report): a comma-separated list, or all",
    )
    p.add_argument("--lang", choices=("zh", "en"), default="zh", help="language of the index page")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument(
        "--dry-run", action="store_true", help="check and list the parameter sets, run nothing"
    )


PATH_PARAMETER_SUFFIXES = ("_source", "_path", "_dir", "_file")


def _absolute_paths(pset: dict[str, object], specs: dict) -> dict[str, object]:
    """A relative path given on the command line means relative to where the command runs, but
    the notebook runs in its own folder: make existing relative paths of path-like parameters
    (``data_source``, ``*_path``, ``*_dir``, ``*_file``) absolute."""
    import os

    out = dict(pset)
    for name, value in pset.items():
        if (
            isinstance(value, str)
            and value
            and name.endswith(PATH_PARAMETER_SUFFIXES)
            and not os.path.isabs(value)
            and os.path.exists(value)
        ):
            out[name] = os.path.abspath(value)
    return out


def _split_values(text: str) -> list[str]:
    return [v.strip() for v in text.split(",") if v.strip()]


def _refuse_non_utf8(args: argparse.Namespace) -> None:
    """Python turns bytes of argv that are not UTF-8 into lone surrogates (surrogateescape); such
    text cannot be written into the manifest, the notebooks or the pages: refuse it up front."""
    from qualitykit.errors import ParameterError
    from qualitykit.run.params import short

    flags = {"parameter": "-p", "notebook": "NOTEBOOK"}
    for dest, value in vars(args).items():
        values = value if isinstance(value, list) else [value]
        for v in values:
            for text in v if isinstance(v, (list, tuple)) else [v]:
                if not isinstance(text, str):
                    continue
                try:
                    text.encode("utf-8")
                except UnicodeEncodeError:
                    flag = flags.get(dest, "--" + dest.replace("_", "-"))
                    raise ParameterError(
                        f"argument {flag}: {short(text)} is not valid UTF-8 text; "
                        "give file names and values in UTF-8"
                    ) from None


@command(
    "run",
    help="run one notebook for many districts or parameter sets (papermill, warm kernels)",
    arguments=_add_run_arguments,
)
def cmd_run(args: argparse.Namespace) -> int:
    """Check every parameter set, run them all, write manifest and index; exit 1 if any failed."""
    from pathlib import Path

    from qualitykit.errors import ParameterError
    from qualitykit.paths import outputs_dir
    from qualitykit.report.exports import parse_formats
    from qualitykit.run import RunOptions, expand_parameter_sets, run_batch
    from qualitykit.run.params import coerce_text, notebook_parameters

    _refuse_non_utf8(args)
    exports = parse_formats(args.export)
    nb = Path(args.notebook)
    specs = notebook_parameters(nb)

    def typed(name: str, text: str) -> object:
        if name not in specs:
            raise ParameterError(
                f"unknown parameter {name!r} (the notebook declares: {', '.join(sorted(specs))})"
            )
        return coerce_text(specs[name], text)

    fixed = {}
    for name, value in args.parameter:
        if name in fixed:
            raise ParameterError(f"parameter {name!r} is given twice with -p: give it once")
        fixed[name] = typed(name, value)
    grid: dict[str, list[object]] = {}
    for item in args.grid:
        name, sep, values = item.partition("=")
        if not sep or not values:
            raise ParameterError(f"--grid expects NAME=V1,V2,…, got {item!r}")
        if name.strip() in grid:
            raise ParameterError(f"parameter {name.strip()!r} is given twice with --grid")
        grid[name.strip()] = [typed(name.strip(), v) for v in _split_values(values)]
    codes = _split_values(args.codes) if args.codes else None
    if args.within and not args.each:
        raise ParameterError("--within needs --each district|city|province")
    sets = expand_parameter_sets(
        nb,
        each=args.each,
        within=args.within,
        codes=codes,
        params_file=args.params,
        grid=grid or None,
        fixed=fixed or None,
    )
    sets = [_absolute_paths(s, specs) for s in sets]
    if args.dry_run:
        for s in sets:
            print(json.dumps(s, ensure_ascii=False))
        print(f"{len(sets)} parameter sets checked against {nb}; nothing run", file=sys.stderr)
        return EXIT_OK
    selection = args.within or (args.codes.replace(",", "_")[:40] if args.codes else "run")
    out = (
        Path(args.out)
        if args.out
        else outputs_dir() / f"{nb.stem}-{args.each or 'set'}-{selection}"
    )
    opts = RunOptions(
        timeout=args.timeout,
        html=not args.no_html,
        resume=args.resume,
        update=args.update,
        overwrite=args.overwrite,
        scheduler=args.scheduler,
        lang=args.lang,
        progress=not args.no_progress,
        command=" ".join(["qualitykit", *sys.argv[1:]]) if sys.argv else None,
        export=exports,
    )
    if args.workers:
        opts.workers = args.workers
    result = run_batch(nb, sets, out, opts)
    counts = result.manifest["counts"]
    print(
        f"{len(result.manifest['tasks'])} reports in {out}: "
        + ", ".join(f"{v} {k}" for k, v in sorted(counts.items()))
    )
    for t in result.failed:
        print(f"  - {t['key']}: {t['status']}: {t.get('error') or ''}", file=sys.stderr)
    if (out / "index.html").exists():
        print(f"index: {(out / 'index.html').resolve().as_uri()}")
    if "xlsx" in exports and (out / "index.xlsx").exists():
        print(f"workbook: {(out / 'index.xlsx').resolve()}")
    return EXIT_OK if result.ok else EXIT_PROBLEMS


# ----------------------------------------------------------------------------------------------
# qualitykit sample [--preset NAME | --rows N | --small] [--seed S] [--out DIR] [--force]
# ----------------------------------------------------------------------------------------------


def _add_sample_arguments(p: argparse.ArgumentParser) -> None:
    from qualitykit.data import sample

    sample.add_arguments(p)


@command(
    "sample",
    help="build the synthetic sample data set (once; again only when stale)",
    arguments=_add_sample_arguments,
)
def cmd_sample(args: argparse.Namespace) -> int:
    """Generate the calibrated synthetic sample into the sample folder (or ``--out``)."""
    from qualitykit.data import sample

    return sample.run(args)


# ----------------------------------------------------------------------------------------------
# qualitykit demo — the README's main command
# ----------------------------------------------------------------------------------------------

DEMO_NOTEBOOK = "05_district_report.ipynb"
DEMO_PROVINCE = "330000"  # 浙江省: 90 districts, among them 龙湾区 of the Longwan programme


def _add_demo_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--province",
        default=DEMO_PROVINCE,
        metavar="CODE",
        help=f"province (or city) whose districts are reported (default {DEMO_PROVINCE} 浙江省)",
    )
    p.add_argument("--workers", type=int, default=None, help="parallel workers (default: up to 2)")
    p.add_argument("--out", metavar="DIR", help="run folder (default outputs/demo-<code>)")
    p.add_argument("--lang", choices=("zh", "en"), default="zh")
    p.add_argument("--no-open", action="store_true", help="do not open the index page in a browser")


@command(
    "demo",
    help="build the sample data, report every district of a province, open the index",
    arguments=_add_demo_arguments,
)
def cmd_demo(args: argparse.Namespace) -> int:
    """The main job on the embedded sample data: ``05_district_report`` for every district of one
    province, rendered with its review index. Resumes an earlier demo run of the same folder."""
    import webbrowser
    from pathlib import Path

    from qualitykit.data import regions, sample
    from qualitykit.paths import notebooks_dir, outputs_dir
    from qualitykit.run import RunOptions, can_resume, expand_parameter_sets, run_batch
    from qualitykit.run.folder import check_usable

    _refuse_non_utf8(args)
    regions.check_code(args.province, "--province code")
    nb = notebooks_dir() / DEMO_NOTEBOOK
    out = Path(args.out) if args.out else outputs_dir() / f"demo-{args.province}"
    # an earlier demo run of this notebook is continued, another run replaced; any other folder
    # is refused (checked before the sample data are built)
    resumable = can_resume(out, nb)
    check_usable(out.resolve(), nb, resume=resumable, overwrite=not resumable)
    folder = sample.ensure_sample()
    print(f"sample data (synthetic): {folder}")
    sets = expand_parameter_sets(
        nb, each="district", within=args.province, fixed={"lang": args.lang}
    )
    opts = RunOptions(
        resume=resumable, overwrite=not resumable, lang=args.lang, command="qualitykit demo"
    )
    if args.workers:
        opts.workers = args.workers
    name = regions.name(args.province, args.lang)
    print(f"reporting {len(sets)} districts of {name} ({args.province}) into {out} …")
    result = run_batch(nb, sets, out, opts)
    counts = result.manifest["counts"]
    print(", ".join(f"{v} {k}" for k, v in sorted(counts.items())))
    for t in result.failed:
        print(f"  - {t['key']}: {t['status']}: {t.get('error') or ''}", file=sys.stderr)
    index = (out / "index.html").resolve()
    print(f"index: {index.as_uri()}")
    if not args.no_open and (os.environ.get("DISPLAY") or sys.platform == "darwin"):
        webbrowser.open(index.as_uri())
    return EXIT_OK if result.ok else EXIT_PROBLEMS


# ----------------------------------------------------------------------------------------------
# qualitykit notebooks DIR — copy the notebooks out, to run against the installed package
# ----------------------------------------------------------------------------------------------


def _add_notebooks_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("dir", metavar="DIR", help="folder to copy the notebooks into (created)")


@command(
    "notebooks",
    help="copy the notebooks into a folder of yours (to run them with the installed package)",
    arguments=_add_notebooks_arguments,
)
def cmd_notebooks(args: argparse.Namespace) -> int:
    """Copy every notebook (``.ipynb``, without outputs) into ``DIR``. Existing files are never
    overwritten: a notebook already there is refused by name, and nothing is copied."""
    from pathlib import Path

    from qualitykit.atomic import write_bytes
    from qualitykit.paths import notebooks_dir

    target = Path(args.dir)
    if target.exists() and not target.is_dir():
        raise QualityKitError(f"{target} exists and is not a folder: give a folder to copy into")
    sources = sorted(notebooks_dir().glob("*.ipynb"))
    if not sources:
        raise QualityKitError(f"no notebooks found in {notebooks_dir()} (a broken installation?)")
    clashes = [target / s.name for s in sources if (target / s.name).exists()]
    if clashes:
        raise QualityKitError(
            f"{target} already holds {', '.join(c.name for c in clashes)}: nothing was copied "
            "(remove or rename them, or choose another folder)"
        )
    target.mkdir(parents=True, exist_ok=True)
    for s in sources:
        write_bytes(target / s.name, s.read_bytes())
    print(f"copied {len(sources)} notebooks into {target.resolve()}")
    print("open them with: jupyter lab " + str(target))
    return EXIT_OK


# ----------------------------------------------------------------------------------------------
# qualitykit explore — the interactive explorer as a web app
# ----------------------------------------------------------------------------------------------


def _add_explore_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--region",
        default="330000",
        metavar="CODE",
        help="region whose units are compared: 000000, a province or a city (default 330000 浙江省)",
    )
    p.add_argument(
        "--select", default="330303", metavar="CODE", help="unit selected first (default 330303)"
    )
    p.add_argument(
        "--years",
        metavar="FIRST-LAST",
        help="year window, e.g. 2015-2024 (default: the last ten years of the data)",
    )
    p.add_argument(
        "--units",
        choices=("county", "child"),
        default="county",
        help="county: every county-level unit of the region (default); child: the level below",
    )
    p.add_argument("--check-level", default="all", help="all (default) or one check level")
    p.add_argument("--product", default="", help="a product of the data (default: all products)")
    p.add_argument(
        "--data",
        default="",
        metavar="SOURCE",
        help="data source: a records / counts file or folder, or sample:tiny (default: the sample)",
    )
    p.add_argument(
        "--period",
        default="",
        metavar="PERIOD",
        help="the period of a table that has no period column, e.g. 2019",
    )
    p.add_argument(
        "--units-file",
        dest="units_file",
        default="",
        metavar="FILE",
        help="CSV declaring non-standard units such as 经开区 (name, parent): see data/README.md",
    )
    p.add_argument("--lang", choices=("zh", "en"), default="zh")
    p.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default: a free one)")
    p.add_argument("--open", action="store_true", help="open the page in the default browser")


@command(
    "explore",
    help="serve the interactive explorer (notebooks/06_explorer) as a web app on 127.0.0.1",
    arguments=_add_explore_arguments,
)
def cmd_explore(args: argparse.Namespace) -> int:
    """Start Voilà on the explorer notebook, print its address, serve until Ctrl-C."""
    from qualitykit.errors import ParameterError
    from qualitykit.explore import serve

    y0 = y1 = 0
    if args.years:
        first, sep, last = args.years.partition("-")
        if not sep or not first.strip().isdigit() or not last.strip().isdigit():
            raise ParameterError(
                f"--years expects FIRST-LAST such as 2015-2024, got {args.years!r}"
            )
        y0, y1 = int(first), int(last)
    params = {
        "region_code": args.region,
        "selected": args.select,
        "year_from": y0,
        "year_to": y1,
        "unit_level": args.units,
        "check_level": args.check_level,
        "product": args.product,
        "lang": args.lang,
        "data_source": args.data,
        "period": args.period,
        "units_file": args.units_file,
    }
    return serve.serve(params, port=args.port, open_browser=args.open)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
