"""Synthetic runs of every questionnaire, for tests and benchmarks (``scenari simulate``).

:func:`simulate` fills a database — empty or not: it appends after the highest ids — with a
seeded, reproducible city: the plan's register of actors (``register/actors.csv``, topped up with
synthetic ones so every category has several) and their listening interviews (``ascolto``:
objectives, ranked priorities, visions, the actors they work and would work with, project items
that become cards), citizens' visions (``visione``), the business survey (``imprese``), project
cards (``progetto``), raters' ratings (``valutazione`` runs and ``ratings`` rows), consents, and
machine theme tags on most free texts (some left for the tagger, a few reviewed by a person).

Every respondent is walked through the real flow engine (:mod:`.walk`): the engine asks the next
relevant question, checks each answer against the questionnaire's rules (ranges, ``max_choices``,
"«Nessuna» alone", the age gate) and computes the outcomes, so the data keeps every rule by
construction. The campaign (:mod:`.campaign`) spans seven weeks — a launch peak, a reminder, fewer
answers at weekends and at night — with per-answer durations by question type and some runs left
part-way (``active`` while they could be resumed, ``expired`` after). Answers are related (:mod:`.city`)
so the tables show something. Rows are written in batches with Core ``executemany`` in one
transaction. The same seed on an empty database gives the same rows.
"""

from .run import SimulationResult, simulate

__all__ = ["SimulationResult", "simulate"]
