"""Score the rows of a data file with a scorecard, through its compiled SQL in DuckDB.

This is the deployment path for a card fitted from a file (``xinyong model fit --data``): the
same SQL ``xinyong model sql`` prints runs over the file, so what is scored here is what any
engine given that SQL would score. The file is read as fitting read it (pandas: a CSV's column
types are inferred the same way), then handed to DuckDB as an Arrow table without a copy.

>>> rows = score_file(card, Path("applicants.csv"), id_column="id")     # doctest: +SKIP
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from xinyong.errors import XinyongError
from xinyong.scoring.scorecard._artifact import Scorecard
from xinyong.scoring.scorecard._sql import scorecard_sql

ROW_ID = "row_number"  # the id given to rows when the file has no id column


def score_frame(card: Scorecard, frame: pd.DataFrame, *, id_column: str | None = None) -> pa.Table:
    """``frame`` scored by the card's SQL: the id, the score and up to 4 reasons (with points
    lost and sentences), in the frame's row order."""
    missing = [c.name for c in card.characteristics if c.name not in frame.columns]
    if missing:
        raise XinyongError("MISSING_COLUMN", f"the data lacks the card's characteristics "
                           f"{', '.join(missing[:8])}", field=missing[0])
    if id_column is None:
        frame = frame.assign(**{ROW_ID: range(1, len(frame) + 1)})
        id_column = ROW_ID
    elif id_column not in frame.columns:
        raise XinyongError("MISSING_COLUMN", f"the data has no id column {id_column!r}",
                           field="--id")
    elif not frame[id_column].is_unique:
        raise XinyongError("DUPLICATE_ID", f"the id column {id_column!r} repeats values; give a "
                           "column that names each row once, or none", field="--id")
    order = "__xinyong_order"
    rows = pa.Table.from_pandas(frame.assign(**{order: range(len(frame))}), preserve_index=False)
    con = duckdb.connect()
    try:
        con.register("applicants", rows)
        sql = scorecard_sql(card, table="applicants", id_column=id_column)
        # keep the file's order: the query carries the id, the order comes back by a join
        ordered = (f"SELECT s.* FROM ({sql}) AS s JOIN applicants AS a "
                   f'ON s."{id_column}" IS NOT DISTINCT FROM a."{id_column}" ORDER BY a.{order}')
        return con.sql(ordered).to_arrow_table()
    finally:
        con.close()


def score_file(card: Scorecard, path: Path, *, id_column: str | None = None) -> pa.Table:
    """The rows of a CSV or Parquet file scored by the card (see :func:`score_frame`)."""
    from xinyong.scoring.scorecard.cli import read_data

    return score_frame(card, read_data(path), id_column=id_column)
