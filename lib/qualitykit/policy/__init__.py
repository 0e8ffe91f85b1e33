"""Policy: the target registry of the policy documents and the scorecard that evaluates targets
against data.

Registry: ``vocabulary`` (indicators, units, comparators — data in ``vocabulary.yaml``),
``model`` (the objects), ``registry`` (read + validate against ``data/targets/schema.json``),
``docs`` (the README tables), ``targets`` (the public API and tables). Scorecard:
``observations`` and ``providers`` (the data providers, all I/O), ``forecast`` (trends and
forecasts), ``status`` (the status rules: codes and numbers), ``reasons`` (labels and sentences),
``scorecard`` (orchestration and the public API)."""
