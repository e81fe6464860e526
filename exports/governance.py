"""The governance reading of the collaboration network, for whoever writes about it (the PDF report, the
dashboard): :func:`governance_reading` (a paragraph in Italian or English, "La rete è frammentata: 4
componenti …") and :func:`governance_summary` (its figures as plain values), both from built tables.

The measures themselves (components, density, degree centralisation, brokers, communities,
reciprocity, current vs wished, waves and stable ties) are the analysis
:mod:`exports.tables.governance`, which the convergence workbook carries as its ``governance_*`` sheets.
"""

from __future__ import annotations

from .tables.governance import TABLES, governance_reading, governance_summary, reading_lines

__all__ = ["TABLES", "governance_reading", "governance_summary", "reading_lines"]
