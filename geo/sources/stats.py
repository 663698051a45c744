"""Per-unit statistics (``[stats]``): population and tourism inputs/outputs for linkage and DEA."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from geo.errors import DatasetError
from geo.parts import StatsPart
from geo.sources.files import (
    TableLimits,
    file_kind,
    find_column,
    read_excel_table,
    read_text_table,
)

__all__ = ["UnitStats", "load_stats"]


@dataclass(frozen=True)
class UnitStats:
    """A checked ``[stats]`` table and where its values come from.

    Attributes
    ----------
    table
        Numeric population, input and output columns indexed by unit id.
    illustrative
        For each of those columns, the unit ids whose value's source starts with
        "illustrative" (not an official figure).
    missing_units
        Unit ids of the units layer that have no row.
    """

    table: pd.DataFrame
    illustrative: dict[str, list[str]]
    missing_units: list[str]

    def illustrative_units(self, columns: list[str]) -> list[str]:
        """Units with at least one illustrative value among ``columns``, sorted."""
        return sorted({u for c in columns for u in self.illustrative.get(c, [])})


def _illustrative(table: pd.DataFrame, column: str) -> list[str]:
    """Units whose ``<column>_source`` (or else row ``source``) says "illustrative"."""
    source = next((c for c in (f"{column}_source", "source") if c in table.columns), None)
    if source is None:
        return []
    text = table[source].fillna("").astype(str).str.strip().str.lower()
    return sorted(table.index[text.str.startswith("illustrative")])


def load_stats(
    part: StatsPart, unit_ids: list[str], *, limits: TableLimits | None = None
) -> UnitStats:
    """Read the statistics table and check it against the units.

    Parameters
    ----------
    part
        The ``[stats]`` section (absolute path).
    unit_ids
        Ids of the units layer.
    limits
        Bounds on a CSV/TXT table (default :class:`~geo.sources.files.TableLimits`).

    Returns
    -------
    UnitStats
        Numeric ``population`` (when named), input and output columns indexed by unit id,
        with the values whose source is marked illustrative: a value's source is the
        ``<column>_source`` column when the table has one, else the row's ``source`` column.

    Raises
    ------
    DatasetError
        Unknown unit ids, missing or non-numeric columns, inputs that are not positive or
        outputs that are negative (naming the unit and the column).
    """
    path = Path(part.path)
    kind = file_kind(path)
    if kind not in ("table", "excel"):
        msg = f"{path}: [stats] must be a table (csv or xlsx)"
        raise DatasetError(msg)
    table = read_text_table(path, limits)[0] if kind == "table" else read_excel_table(path, None)
    columns = list(table.columns)
    unit_col = find_column(columns, part.unit, (), path=path, key="unit", section="stats")
    ids = table[unit_col].astype(str).str.strip()
    unknown = sorted(set(ids) - set(unit_ids))
    if unknown:
        msg = (
            f"{path}: unit ids {', '.join(unknown)} in column '{unit_col}' are not in the units "
            "layer; use the units' ids"
        )
        raise DatasetError(msg)
    repeated = sorted(set(ids[ids.duplicated()]))
    if repeated:
        msg = f"{path}: unit ids {', '.join(repeated)} have more than one row; keep one per unit"
        raise DatasetError(msg)
    out = table.set_index(ids)
    numeric = ([part.population] if part.population else []) + part.inputs + part.outputs
    for key, column in (
        [("population", part.population)]
        + [("inputs", c) for c in part.inputs]
        + [("outputs", c) for c in part.outputs]
    ):
        if column is None:
            continue
        find_column(columns, column, (), path=path, key=key, section="stats")
        values = pd.to_numeric(out[column], errors="coerce")
        bad = ~np.isfinite(values.to_numpy(float, na_value=np.nan))
        if bad.any():
            unit = values.index[bad][0]
            value = out.loc[unit, column]
            msg = f"{path}: unit {unit} has '{value}' in column '{column}', not a finite number"
            raise DatasetError(msg)
        if key == "population" and (values < 0).any():
            unit = values.index[values < 0][0]
            msg = f"{path}: unit {unit} has a negative population ({values[unit]:g}); fix it"
            raise DatasetError(msg)
        out[column] = values
    for column in part.inputs:
        bad = out[column] <= 0
        if bad.any():
            unit, value = out.index[bad][0], out[column][bad].iloc[0]
            msg = (
                f"{path}: unit {unit} has input '{column}' = {value:g}; DEA inputs must be positive"
            )
            raise DatasetError(msg)
    for column in part.outputs:
        bad = out[column] < 0
        if bad.any():
            msg = (
                f"{path}: unit {out.index[bad][0]} has a negative output '{column}'; fix the value"
            )
            raise DatasetError(msg)
    columns = [c for c in numeric if c]
    return UnitStats(
        table=out[columns],
        illustrative={c: _illustrative(out, c) for c in columns},
        missing_units=sorted(set(unit_ids) - set(out.index)),
    )
