"""Bad input to ``qualitykit run`` ends in a one-line message naming the file and the problem, with
its own exit code — never "internal error", never a traceback, never a blown memory budget.

Parameter files (issue 9, item 8): YAML aliases/anchors (billion laughs), deep nesting, oversized
files, CSV fields over 128 KiB, integers beyond Python's digit limit, non-UTF-8 bytes, file names
over 255 bytes. Command line: non-UTF-8 bytes in argv (surrogate-escaped by Python), ``--out`` that
is a file, a read-only or full file system, conflicting parameter sources, non-ASCII digits.
Nothing here starts a kernel.
"""

from __future__ import annotations

import errno
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from qualitykit.cli import main as cli_main
from qualitykit.errors import ParameterError
from qualitykit.run import expand_parameter_sets, notebook_parameters, read_parameter_file
from qualitykit.run.params import coerce_text

NB = Path(__file__).parent / "fixtures" / "notebooks" / "fault_report.ipynb"

BILLION_LAUGHS = textwrap.dedent(
    """\
    a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
    b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
    c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
    d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
    e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
    f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
    g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
    h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
    i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
    parameter_sets:
      - {region_code: "330303", fault: *i}
    """
)


def _specs():
    return notebook_parameters(NB)


def _run(capsys, *argv):
    code = cli_main(["run", *map(str, argv)])
    out, err = capsys.readouterr()
    return code, out, err


def _one_line(err: str) -> str:
    assert "Traceback" not in err and "internal error" not in err, err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    return lines[0]


# ----------------------------------------------------------------------------------------------
# parameter files
# ----------------------------------------------------------------------------------------------


def test_yaml_aliases_are_refused(tmp_path):
    f = tmp_path / "laughs.yaml"
    f.write_text(BILLION_LAUGHS, encoding="utf-8")
    assert len(BILLION_LAUGHS.encode()) < 700
    with pytest.raises(ParameterError, match=r"laughs\.yaml, line 1: YAML anchors and aliases"):
        read_parameter_file(f, _specs())


def test_yaml_anchor_without_alias_is_refused_too(tmp_path):
    f = tmp_path / "anchor.yaml"
    f.write_text("- &x {region_code: '330303'}\n", encoding="utf-8")
    with pytest.raises(ParameterError, match="anchors and aliases"):
        read_parameter_file(f, _specs())


def test_billion_laughs_with_dry_run_stays_small(tmp_path):
    """The whole CLI path, in a child process limited to 1.5 GiB of address space: a message and
    exit code 1, not a MemoryError (the unfixed runner printed the expanded structure)."""
    f = tmp_path / "laughs.yaml"
    f.write_text(BILLION_LAUGHS, encoding="utf-8")
    code = textwrap.dedent(
        f"""\
        import resource, sys
        limit = 1536 * 2**20
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        from qualitykit.cli import main
        sys.exit(main(["run", {str(NB)!r}, "--params", {str(f)!r}, "--dry-run"]))
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=300, check=False
    )
    assert proc.returncode == 1, proc.stderr[-2000:]
    assert "anchors and aliases" in _one_line(proc.stderr)


@pytest.mark.parametrize(
    ("name", "text", "fragment"),
    [
        ("deep.json", "[" * 100_000 + "]" * 100_000, "nested more than"),
        ("deep.yaml", "[" * 10_000 + "]" * 10_000, "nested more than"),
        ("broken.json", '[{"region_code": "330303"', "not valid JSON"),
        ("big.yaml", f"- {{region_code: '330303', delay: {'9' * 5000}}}\n", "5000 digits"),
        ("big.json", f'[{{"region_code": "330303", "delay": {"9" * 5000}}}]', "5000 digits"),
        ("latin1.yaml", "- {region_code: '330303', fault: 'caf\xe9'}\n", "not UTF-8"),
        ("scalar.yaml", "just text\n", "expected a list of mappings"),
    ],
)
def test_bad_parameter_files_give_one_line_messages(tmp_path, name, text, fragment):
    f = tmp_path / name
    if name.startswith("latin1"):
        f.write_bytes(text.encode("latin-1"))
    else:
        f.write_text(text, encoding="utf-8")
    with pytest.raises(ParameterError) as info:
        read_parameter_file(f, _specs())
    message = str(info.value)
    assert fragment in message and name in message
    assert len(message) < 400 and "\n" not in message


def test_nesting_and_size_are_bounded(tmp_path, monkeypatch):
    from qualitykit.run import params

    f = tmp_path / "nested.yaml"
    value = "x"
    for _ in range(params.MAX_DEPTH + 2):
        value = f"[{value}]"
    f.write_text(f"- {{region_code: '330303', fault: {value}}}\n", encoding="utf-8")
    with pytest.raises(ParameterError, match=f"nested more than {params.MAX_DEPTH} levels"):
        read_parameter_file(f, _specs())
    monkeypatch.setattr(params, "MAX_FILE_BYTES", 100)
    big = tmp_path / "big.csv"
    big.write_text("region_code\n" + "330303\n" * 50, encoding="utf-8")
    with pytest.raises(ParameterError, match=r"big\.csv: 362 bytes; parameter files are limited"):
        read_parameter_file(big, _specs())


def test_csv_field_over_128_kib(tmp_path):
    f = tmp_path / "wide.csv"
    f.write_text("region_code,fault\n330303," + "x" * 200_000 + "\n", encoding="utf-8")
    with pytest.raises(ParameterError, match=r"wide\.csv, row 2: a field is longer than 128 KiB"):
        read_parameter_file(f, _specs())


def test_parameter_file_name_over_255_bytes(tmp_path, capsys):
    name = "参数" * 50 + ".csv"  # 300 bytes in UTF-8
    code, _, err = _run(capsys, NB, "--params", tmp_path / name, "--dry-run")
    line = _one_line(err)
    assert code == 4
    assert "file name too long" in line and "255 bytes" in line


def test_missing_parameter_file(tmp_path, capsys):
    code, _, err = _run(capsys, NB, "--params", tmp_path / "nope.csv", "--dry-run")
    assert code == 1
    assert "parameter file not found" in _one_line(err)


# ----------------------------------------------------------------------------------------------
# values and sources
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["٢٠٢٤", "２０２４", "2024\u0660", "१२"])
def test_non_ascii_digits_are_refused_for_numbers(text):
    spec = notebook_parameters(NB)["delay"]
    with pytest.raises(ParameterError, match="ASCII digits"):
        coerce_text(spec, text)
    from qualitykit.run.params import ParamSpec

    year = ParamSpec("year_to", "int", 2024, "")
    with pytest.raises(ParameterError, match="ASCII digits"):
        coerce_text(year, text)
    assert coerce_text(year, " 2024 ") == 2024
    assert coerce_text(year, "-3") == -3


def test_5000_digit_integer_on_the_command_line():
    from qualitykit.run.params import ParamSpec

    year = ParamSpec("year_to", "int", 2024, "")
    with pytest.raises(ParameterError, match="5000 digits") as info:
        coerce_text(year, "9" * 5000)
    assert len(str(info.value)) < 300


def test_a_parameter_from_two_sources_is_refused(tmp_path, capsys):
    sets = tmp_path / "sets.csv"
    sets.write_text("region_code,fault\n330303,none\n", encoding="utf-8")
    code, _, err = _run(capsys, NB, "--params", sets, "-p", "fault", "raise", "--dry-run")
    assert code == 1
    line = _one_line(err)
    assert "'fault'" in line and "--params" in line and "-p" in line
    code, _, err = _run(
        capsys, NB, "--codes", "330303", "--grid", "delay=0,1", "-p", "delay", "2", "--dry-run"
    )
    assert code == 1
    assert "'delay'" in _one_line(err) and "--grid" in err
    with pytest.raises(ParameterError, match="'region_code' is given by --codes and by --params"):
        expand_parameter_sets(NB, codes=["330303"], params_file=sets)


def test_non_utf8_bytes_in_argv(tmp_path, capsys):
    bad = "caf\udce9"  # b"caf\xe9" as Python decodes a Latin-1 argument (surrogateescape)
    code, _, err = _run(capsys, NB, "--codes", "330303", "--out", tmp_path / bad)
    line = _one_line(err)
    assert code == 1
    assert "--out" in line and "not valid UTF-8" in line
    assert not (tmp_path / bad).exists()
    code, _, err = _run(capsys, NB, "--codes", "330303", "-p", "fault", bad, "--dry-run")
    assert code == 1 and "-p" in _one_line(err)


# ----------------------------------------------------------------------------------------------
# the run folder on the file system (refused before any kernel starts)
# ----------------------------------------------------------------------------------------------


def test_out_that_is_a_file(tmp_path, capsys):
    f = tmp_path / "thesis.docx"
    f.write_bytes(b"precious")
    code, _, err = _run(capsys, NB, "--codes", "330303", "--out", f, "--no-progress")
    line = _one_line(err)
    assert code == 3
    assert "is a file" in line and str(f) in line
    assert f.read_bytes() == b"precious"


def test_out_name_over_255_bytes(tmp_path, capsys):
    out = tmp_path / ("报告" * 50)
    code, _, err = _run(capsys, NB, "--codes", "330303", "--out", out, "--no-progress")
    assert code == 4
    assert "file name too long" in _one_line(err)


def test_read_only_out(tmp_path, capsys, monkeypatch):
    """Simulated (the tests run as root, for whom a 0555 folder is writable): creating the run
    folder fails with EROFS, as on a read-only mount; checked by hand on a read-only tmpfs too."""
    out = tmp_path / "ro" / "run"
    real_mkdir = Path.mkdir

    def read_only(self, *args, **kwargs):
        if str(self).startswith(str(tmp_path / "ro")):
            raise OSError(errno.EROFS, "Read-only file system", str(self))
        return real_mkdir(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", read_only)
    code, _, err = _run(capsys, NB, "--codes", "330303", "--out", out, "--no-progress")
    line = _one_line(err)
    assert code == 4
    assert "read-only file system" in line and str(out) in line
