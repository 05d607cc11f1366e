"""Refuse a workbook before any XML in it is parsed: wrong format, too large, or a zip bomb.

The sizes a zip declares are trustworthy as upper bounds: `zipfile` never inflates an entry past its
declared size, so summing the declared sizes is a safe measure of what parsing could cost.
"""

from __future__ import annotations

import io
import os
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO

from django.conf import settings

from common.errors import ImportErrors

# A path, the bytes themselves, or a binary stream (an open file, a Django upload).
WorkbookSource = str | os.PathLike[str] | bytes | IO[bytes]

MIB = 1024 * 1024
DEFAULT_MAX_BYTES = 100 * MIB
# A real workbook inflates 5–20×; far more than this, beyond a size worth worrying about, is a bomb.
MAX_RATIO = 100
RATIO_FLOOR_BYTES = 32 * MIB
MAX_UNCOMPRESSED_BYTES = 2048 * MIB
MAX_ENTRIES = 10_000

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # legacy .xls, and every encrypted .xlsx

NOT_XLSX = "文件不是 Excel 工作簿（.xlsx）(the file is not an .xlsx workbook)"
LEGACY_OR_ENCRYPTED = (
    "文件是旧版 .xls 或加密的工作簿，请另存为不加密的 .xlsx "
    "(a legacy .xls or an encrypted workbook: save it as a plain .xlsx)"
)


class WorkbookRefused(ImportErrors):
    """The file was refused as a whole, before reading a single cell."""

    def __init__(self, message: str) -> None:
        super().__init__([message])


def _max_bytes_setting() -> int:
    return int(getattr(settings, "MAX_UPLOAD_BYTES", DEFAULT_MAX_BYTES))


@contextmanager
def open_source(source: WorkbookSource) -> Iterator[IO[bytes]]:
    """A seekable binary stream at position 0. Paths are opened (and closed); streams are rewound."""
    if isinstance(source, bytes | bytearray):
        yield io.BytesIO(source)
    elif isinstance(source, str | os.PathLike):
        with open(source, "rb") as handle:
            yield handle
    else:
        source.seek(0)
        yield source
        source.seek(0)


def _size_of(stream: IO[bytes]) -> int:
    position = stream.tell()
    size = stream.seek(0, os.SEEK_END)
    stream.seek(position)
    return size


def check_workbook_file(source: WorkbookSource, *, max_bytes: int | None = None) -> None:
    """Raise `WorkbookRefused` unless `source` looks like an xlsx of a reasonable size."""
    limit = _max_bytes_setting() if max_bytes is None else max_bytes
    with open_source(source) as stream:
        size = _size_of(stream)
        if size > limit:
            raise WorkbookRefused(
                f"文件大小 {size / MIB:.1f} MiB 超过上限 {limit / MIB:.1f} MiB "
                f"(the file is larger than the {limit / MIB:.1f} MiB limit)"
            )
        magic = stream.read(8)
        stream.seek(0)
        if magic == _OLE_MAGIC:
            raise WorkbookRefused(LEGACY_OR_ENCRYPTED)
        if not magic.startswith(_ZIP_MAGIC):
            raise WorkbookRefused(NOT_XLSX)
        try:
            with zipfile.ZipFile(stream) as archive:
                entries = archive.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as exc:
            raise WorkbookRefused(NOT_XLSX) from exc
    _check_entries(entries)


def _check_entries(entries: list[zipfile.ZipInfo]) -> None:
    if "xl/workbook.xml" not in {entry.filename for entry in entries}:
        raise WorkbookRefused(NOT_XLSX)
    uncompressed = sum(entry.file_size for entry in entries)
    compressed = max(sum(entry.compress_size for entry in entries), 1)
    limit = int(getattr(settings, "MAX_UNCOMPRESSED_BYTES", MAX_UNCOMPRESSED_BYTES))
    bomb = (
        len(entries) > MAX_ENTRIES
        or uncompressed > limit
        or (uncompressed > RATIO_FLOOR_BYTES and uncompressed > MAX_RATIO * compressed)
    )
    if bomb:
        raise WorkbookRefused(
            f"文件解压后大小异常（{compressed / MIB:.1f} MiB 解压为 {uncompressed / MIB:.1f} MiB），已拒绝 "
            "(the workbook's uncompressed size is out of proportion: refused as a possible zip bomb)"
        )
