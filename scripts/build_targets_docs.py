"""Regenerate the generated part of data/targets/README.md.

The tables come from the vocabulary (``lib/qualitykit/policy/vocabulary.yaml``), the JSON Schema
``data/targets/schema.json`` — the same schema the validator uses, edited by hand — and the target
files, through ``qualitykit.policy.docs.registry_markdown``; tests/test_targets_registry.py fails
when the README is out of date. Run after editing a target file, the vocabulary or the schema:

    .venv/bin/python scripts/build_targets_docs.py
"""

from __future__ import annotations

import sys

from qualitykit.atomic import write_text
from qualitykit.policy import docs, registry

BEGIN = "<!-- BEGIN GENERATED: scripts/build_targets_docs.py -->"
END = "<!-- END GENERATED -->"


def readme_text(current: str) -> str:
    head, sep1, rest = current.partition(BEGIN)
    _, sep2, tail = rest.partition(END)
    if not (sep1 and sep2):
        raise SystemExit(f"README.md lacks the markers {BEGIN!r} … {END!r}")
    block = docs.registry_markdown(registry.load_registry())
    return f"{head}{BEGIN}\n\n{block}\n{END}{tail}"


def main() -> int:
    readme = registry.targets_dir() / "README.md"
    write_text(readme, readme_text(readme.read_text(encoding="utf-8")))
    print(f"wrote {readme}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
