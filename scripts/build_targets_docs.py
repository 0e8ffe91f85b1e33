"""Regenerate data/targets/schema.json and the generated part of data/targets/README.md.

Both come from ``qualitykit.policy.targets`` (the vocabulary constants, ``json_schema()`` and
``registry_markdown()``), so the documentation cannot drift from the validator;
tests/test_targets_registry.py fails when they are out of date. Run after editing a target file
or the vocabulary:

    .venv/bin/python scripts/build_targets_docs.py
"""

from __future__ import annotations

import json
import sys

from qualitykit.policy import targets

BEGIN = "<!-- BEGIN GENERATED: scripts/build_targets_docs.py -->"
END = "<!-- END GENERATED -->"


def schema_text() -> str:
    return json.dumps(targets.json_schema(), ensure_ascii=False, indent=2) + "\n"


def readme_text(current: str) -> str:
    head, sep1, rest = current.partition(BEGIN)
    _, sep2, tail = rest.partition(END)
    if not (sep1 and sep2):
        raise SystemExit(f"README.md lacks the markers {BEGIN!r} … {END!r}")
    block = targets.registry_markdown(targets.load_registry())
    return f"{head}{BEGIN}\n\n{block}\n{END}{tail}"


def main() -> int:
    folder = targets.targets_dir()
    (folder / "schema.json").write_text(schema_text(), encoding="utf-8")
    readme = folder / "README.md"
    readme.write_text(readme_text(readme.read_text(encoding="utf-8")), encoding="utf-8")
    print(f"wrote {folder / 'schema.json'} and {readme}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
