"""Arrow tables of the sample as pandas frames with the canonical dtypes (those of
:mod:`qualitykit.data.validate`): shared by :mod:`qualitykit.data.sample` and
:mod:`qualitykit.data.dataset`."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pyarrow as pa

from qualitykit import schema

__all__ = ["to_frame"]


_STRING = pd.StringDtype()
_CANONICAL_DTYPES: dict[str, Any] = {
    "batch_id": _STRING,
    "year": "Int64",
    "quarter": "Int64",
    "check_level": pd.CategoricalDtype(list(schema.CHECK_LEVELS)),
    "region_code": _STRING,
    "industry_code": _STRING,
    "product": _STRING,
    "enterprise_id": _STRING,
    "enterprise_size": pd.CategoricalDtype(list(schema.ENTERPRISE_SIZES)),
    "annual_sales": "Float64",
    "passed": "bool",
    "item": _STRING,
    "sales_class": pd.CategoricalDtype(list(schema.SALES_CLASSES)),
    "province_code": _STRING,
}


def to_frame(table: pa.Table) -> pd.DataFrame:
    """An Arrow table of the sample (any subset of its columns) as a pandas DataFrame with the
    canonical dtypes (those of :mod:`qualitykit.data.io`): text ``string``, years ``Int64``, check
    level / size ``category``, sales ``Float64``, ``passed`` bool."""
    cols = {}
    for name in table.column_names:
        arr = table.column(name)
        dtype = _CANONICAL_DTYPES.get(name)
        if pa.types.is_dictionary(arr.type) and not isinstance(dtype, pd.CategoricalDtype):
            arr = arr.cast(arr.type.value_type)
        s = pd.Series(arr.to_pandas(types_mapper=_string_mapper))
        cols[name] = s.astype(dtype).array if dtype is not None else s.array
    return pd.DataFrame(cols, index=pd.RangeIndex(table.num_rows))


def _string_mapper(t: pa.DataType) -> Any:
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return _STRING
    return None
