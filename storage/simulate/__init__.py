"""Synthetic runs of every questionnaire, for tests and benchmarks (``scenari simulate``).

:func:`simulate` fills a database — empty or not: it appends after the highest ids — with a
seeded, reproducible city: a register of actors and their listening interviews (``ascolto``,
with objectives, ranked priorities, visions, collaborations naming register actors and project
items that become cards), citizens' visions (``visione``), the business survey (``imprese``,
its outcomes scored by the questionnaire's own rules), project cards (``progetto``), raters'
ratings (``valutazione`` runs and ``ratings`` rows), consents, and machine theme tags on most
free texts (some left for the tagger, a few reviewed by a person). Every code comes from the
questionnaire definitions, so the data passes the same checks as real answers.

It is fast because it does not go through the conversation engine: rows are generated in
memory in batches and written with Core ``executemany`` (one INSERT statement per table per
batch), in one transaction. The same seed on an empty database gives the same rows.
"""

from .run import SimulationResult, simulate

__all__ = ["SimulationResult", "simulate"]
