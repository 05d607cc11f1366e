"""Whole tables in and out of pandas without one Python object per row on PostgreSQL.

Reading uses `COPY (query) TO STDOUT` into `pandas.read_csv`; writing uses `COPY table FROM STDIN`.
SQLite, the embedded database for small organisations, falls back to chunked cursors and
`executemany`. Queries here are our own SQL built from model metadata, never user text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from django.db import connection

CHUNK_ROWS = 50_000


def _is_postgresql() -> bool:
    return connection.vendor == "postgresql"


def read_frame(
    sql: str, params: Sequence[Any], columns: Sequence[str], dtypes: dict[str, str] | None = None
) -> pd.DataFrame:
    """Run a SELECT (with %s placeholders) and return its rows as a DataFrame with `columns`."""
    dtypes = dtypes or {}
    if _is_postgresql():
        buffer = io.BytesIO()
        with connection.cursor() as cursor:
            raw = cursor.cursor  # the psycopg cursor: COPY is not part of the DB-API
            statement = raw.mogrify(sql, params) if params else sql
            with raw.copy(f"COPY ({statement}) TO STDOUT WITH (FORMAT csv)") as copy:
                for block in copy:
                    buffer.write(block)
        buffer.seek(0)
        if buffer.getbuffer().nbytes == 0:
            return _empty(columns, dtypes)
        return pd.read_csv(buffer, header=None, names=list(columns), dtype=dtypes, keep_default_na=True, na_values=[""])
    chunks = []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(CHUNK_ROWS):
            chunks.append(pd.DataFrame.from_records(rows, columns=list(columns)))
    if not chunks:
        return _empty(columns, dtypes)
    frame = pd.concat(chunks, ignore_index=True)
    return frame.astype(dtypes) if dtypes else frame


def _empty(columns: Sequence[str], dtypes: dict[str, str]) -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=dtypes.get(c, "object")) for c in columns})


CSV_NULL = "\\N"


def write_frame(table: str, frame: pd.DataFrame, *, batch_rows: int = CHUNK_ROWS) -> int:
    """Insert every row of `frame` (columns named as the table's) in bulk. Returns rows written."""
    if frame.empty:
        return 0
    columns = list(frame.columns)
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    if _is_postgresql():
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(
                # NULL is spelt \N: in CSV an unquoted empty field would be NULL too, and an empty text
                # (a card without a grade) must stay an empty text in a NOT NULL column.
                f"COPY {connection.ops.quote_name(table)} ({quoted}) FROM STDIN WITH (FORMAT csv, NULL '{CSV_NULL}')"
            ) as copy,
        ):
            for start in range(0, len(frame), batch_rows):
                text = frame.iloc[start : start + batch_rows].to_csv(
                    header=False, index=False, na_rep=CSV_NULL, quoting=csv.QUOTE_MINIMAL
                )
                copy.write(text)
        return len(frame)
    placeholders = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {connection.ops.quote_name(table)} ({quoted}) VALUES ({placeholders})"
    with connection.cursor() as cursor:
        for start in range(0, len(frame), batch_rows):
            cursor.executemany(sql, list(_python_rows(frame.iloc[start : start + batch_rows])))
    return len(frame)


def _python_rows(frame: pd.DataFrame) -> Iterable[tuple[Any, ...]]:
    # NaN → None, numpy scalars → Python scalars: what the sqlite3 driver accepts.
    cleaned = frame.astype(object).where(frame.notna(), None)
    for row in cleaned.itertuples(index=False, name=None):
        yield tuple(item.item() if isinstance(item, np.generic) else item for item in row)
