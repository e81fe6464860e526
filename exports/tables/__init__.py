"""The analysts' tables: which themes, priorities and visions different kinds of actors share.

Input: the plain rows of :func:`storage.aggregates.load` (or its Arrow columns,
:func:`storage.aggregates.load_columnar`, which :func:`compute_tables` reads); output: :class:`Tables`, pandas frames
with a description of each column, written by :mod:`.writer`. docs/convergence.md gives every
formula and the suppression rule; docs/consensus.md the deliberation rounds'. One module each:

* :mod:`.base` — :class:`Table`, small-cell suppression, the listening units every analysis reads;
* the analyses — :mod:`.convergence`, :mod:`.priorities`, :mod:`.visions`, :mod:`.profiles`,
  :mod:`.projects`, :mod:`.network`, :mod:`.consensus` (with :mod:`.opinion_groups`);
* :mod:`.build` — the list of analyses, :func:`build_tables`, :data:`TABLE_NAMES`, :data:`ANSWER_KEYS`;
* :mod:`.writer` — the workbook, CSV / Parquet files, one table's download.

Importing this package loads pandas (a second or so): the service imports it off its event loop.
"""

from ..options import DEFAULT_THRESHOLD, Options
from .base import Table, Tables, suppress
from .build import ANALYSES, ANSWER_KEYS, TABLE_NAMES, build_tables, compute_tables
from .writer import FORMATS, table_bytes, workbook_bytes, write_tables

__all__ = [
    "ANALYSES", "ANSWER_KEYS", "DEFAULT_THRESHOLD", "FORMATS", "TABLE_NAMES", "Options", "Table", "Tables",
    "build_tables", "compute_tables", "suppress", "table_bytes", "workbook_bytes", "write_tables",
]
