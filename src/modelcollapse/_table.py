"""Reading a user's per-generation CSV for ``modelcollapse estimate``.

Every problem is reported as one line that names the file, the row (its line
number in the file) and the column, and says how to fix it: a CSV written by
hand or by another program is where typos, counts in place of frequencies and
stray columns come from.
"""

from __future__ import annotations

import csv
import difflib
import math

import numpy as np

__all__ = ["TableError", "read_generations"]

#: Header of the optional first column holding the generation index (skipped).
GENERATION = "generation"
_VARIANCE_WORDS = ("variance", "var", "sigma2", "sigma^2", "s2")


class TableError(ValueError):
    """A malformed estimate CSV; the message is one line, naming file, row and column."""


def _number(cell):
    try:
        return float(cell)
    except ValueError:
        return None


def _rows(path):
    """(line number, cells) of the non-blank rows; a UTF-8 byte-order mark is dropped."""
    rows = []
    try:
        with open(path, newline="", encoding="utf-8-sig") as handle:
            reader = csv.reader(handle)
            try:
                for row in reader:
                    if any(cell.strip() for cell in row):
                        rows.append((reader.line_num, [cell.strip() for cell in row]))
            except csv.Error as err:
                raise TableError(
                    f"{path}: row {max(reader.line_num, 1)}: not a CSV of numbers ({err}); "
                    "is this the right file?"
                ) from None
    except UnicodeDecodeError as err:
        raise TableError(
            f"{path}: not UTF-8 text (byte {err.object[err.start]:#04x} at offset {err.start}); "
            "save the table as a UTF-8 CSV"
        ) from None
    if not rows:
        raise TableError(f"{path}: no rows; expected one row per generation")
    return rows


def _header(path, line, cells):
    """Lower-cased header names if ``cells`` is a header row (no cell is a number), else None."""
    numeric = [_number(cell) is not None for cell in cells]
    if any(numeric) and not all(numeric):
        col = numeric.index(False) + 1
        raise TableError(
            f"{path}: row {line}, column {col}: {cells[col - 1]!r} is not a number; a header "
            "row must be all names, a data row all numbers"
        )
    if all(numeric):
        return None
    names = [cell.lower() for cell in cells]
    for col, name in enumerate(names, start=1):
        if name != GENERATION and difflib.get_close_matches(name, [GENERATION], cutoff=0.75):
            raise TableError(
                f"{path}: row {line}, column {col}: header {cells[col - 1]!r} looks like "
                f"{GENERATION!r}; spell it {GENERATION!r} (that column is skipped) or rename it"
            )
    if GENERATION in names[1:]:
        raise TableError(
            f"{path}: row {line}, column {names.index(GENERATION) + 1}: the {GENERATION!r} "
            "column must come first"
        )
    return names


def read_generations(path, *, kind="frequencies", counts=False):
    """The table of ``path``: a float array ``(generations, columns)``.

    Parameters
    ----------
    path : str or path-like
        CSV file, one row per generation, an optional header row (names only)
        and an optional first column named ``generation`` (skipped).
    kind : {"frequencies", "variances"}
        Frequencies: at least two category columns, each row summing to 1
        (or, with ``counts``, whole counts, returned divided by their row
        sums). Variances: one column of positive fitted variances.
    counts : bool
        Rows are whole counts of each category (frequencies only).

    Raises
    ------
    TableError
        A ``ValueError`` whose message names the file, the row and the column
        and suggests the fix.
    """
    rows = _rows(path)
    header = _header(path, *rows[0])
    if header is not None:
        rows = rows[1:]
        if not rows:
            raise TableError(f"{path}: only a header row; expected one row per generation")
    width = len(header) if header is not None else len(rows[0][1])
    where_width = "the header (row 1)" if header is not None else f"row {rows[0][0]}"
    values = []
    for line, cells in rows:
        if len(cells) != width:
            more = "an extra" if len(cells) > width else "a missing"
            raise TableError(
                f"{path}: row {line} has {len(cells)} fields but {where_width} has {width} "
                f"({more} column?); give every row the same columns"
            )
        parsed = []
        for col, cell in enumerate(cells, start=1):
            value = _number(cell)
            name = f" ({header[col - 1]!r})" if header is not None else ""
            if value is None or not math.isfinite(value):
                what = "empty" if not cell else f"{cell!r} is not a finite number"
                raise TableError(f"{path}: row {line}, column {col}{name}: {what}")
            parsed.append(value)
        values.append(parsed)
    table = np.array(values, dtype=np.float64)
    first = 1
    if header is not None and header[0] == GENERATION:
        table, first = table[:, 1:], 2
        header = header[1:]
    lines = [line for line, _ in rows]
    if kind == "variances":
        return _variances(path, table, lines, first)
    return _frequencies(path, table, lines, first, header, counts)


def _variances(path, table, lines, first):
    if table.shape[1] != 1:
        raise TableError(
            f"{path}: --kind variances needs one value column (after an optional "
            f"'generation' column), got {table.shape[1]}"
        )
    bad = np.flatnonzero(table[:, 0] <= 0)
    if bad.size:
        raise TableError(
            f"{path}: row {lines[bad[0]]}, column {first}: a fitted variance must be > 0, "
            f"got {float(table[bad[0], 0])!r}"
        )
    return table


def _frequencies(path, table, lines, first, header, counts):
    if table.shape[1] < 2:
        hint = (" (the header names a variance)"
                if header and any(w in header[0] for w in _VARIANCE_WORDS) else "")
        raise TableError(
            f"{path}: one value column{hint}: frequencies need one column per category "
            "(at least 2); for fitted variances pass --kind variances"
        )
    negative = np.argwhere(table < 0)
    if negative.size:
        r, c = negative[0]
        raise TableError(
            f"{path}: row {lines[r]}, column {c + first}: a frequency must be >= 0, "
            f"got {float(table[r, c])!r}"
        )
    total = table.sum(axis=1)
    if counts:
        fractional = np.argwhere(table != np.round(table))
        if fractional.size:
            r, c = fractional[0]
            raise TableError(
                f"{path}: row {lines[r]}, column {c + first}: --counts needs whole counts, "
                f"got {float(table[r, c])!r}; drop --counts for frequencies"
            )
        empty = np.flatnonzero(total == 0)
        if empty.size:
            raise TableError(f"{path}: row {lines[empty[0]]}: every count is 0")
        return table / total[:, None]
    off = np.flatnonzero(np.abs(total - 1) > 1e-6)
    if off.size:
        r = off[0]
        whole = bool(np.all(table == np.round(table))) and total[r] > 1
        hint = ("pass frequencies, or counts with --counts" if whole
                else "each row must be the frequencies of one generation, summing to 1")
        raise TableError(f"{path}: row {lines[r]}: values sum to {total[r]:.10g}; {hint}")
    return table
