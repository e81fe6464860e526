"""Tagging off the hot path: answers are stored first, a background task tags them in batches.

::

    worker = start_tagging(db, settings.spacy_model, interval=20, taxonomy=settings.plan.taxonomy)  # in the loop
    ...
    await worker.stop()                                             # before db.dispose()

Each batch is read in one short transaction, tagged in a thread (``asyncio.to_thread``, so the
event loop keeps serving updates) and stored in another short transaction; no transaction is
open while spaCy runs. Several processes may run a worker on the same database: a text tagged
by two of them is stored once (see :func:`storage.tags.store_tags`).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from pathlib import Path
from collections.abc import Callable

from storage import Database
from storage import tags as tag_store

from .combine import CombinedResult, CombinedTagger
from .pipeline import load_pipeline
from .tagger import TagResult, ThemeTagger
from .taxonomy import Taxonomy, load_taxonomy
from .training import refresh_learned

log = logging.getLogger("scenari.nlp.worker")

DEFAULT_INTERVAL = 20.0
DEFAULT_BATCH = 256
# One spaCy pipeline is not meant to be driven from two threads at once.
_TAGGING = threading.Lock()


def to_tagged_text(answer_id: int, result: TagResult | CombinedResult) -> tag_store.TaggedText:
    """A tagger result as the storage layer records it (voting themes and rejected ones).

    Each theme keeps the method that suggested it (rules, ``learned:<version>``, or both).
    """
    tags = [
        tag_store.MachineTag(
            hit.theme_id, hit.score, tuple(hit.evidence), tuple(hit.negated_evidence), False,
            getattr(hit, "method", "") or result.method,
        )
        for hit in result.themes
    ]
    tags += [
        tag_store.MachineTag(hit.theme_id, 0.0, (), tuple(hit.negated_evidence), True) for hit in result.negated
    ]
    return tag_store.TaggedText(
        answer_id=answer_id,
        method=result.method,
        taxonomy_version=result.taxonomy_version,
        keywords=tuple(result.keywords),
        tags=tuple(tags),
    )


def _tag_locked(tagger: ThemeTagger | CombinedTagger, texts: list[str], batch_size: int) -> list:
    with _TAGGING:
        return tagger.tag_many(texts, batch_size=batch_size)


async def tag_pending(db: Database, tagger: ThemeTagger | CombinedTagger, batch_size: int = DEFAULT_BATCH) -> int:
    """Tag every free-text answer that has no machine tags yet; returns how many were stored.

    Works batch by batch until nothing is pending, so a backlog (after ``retag``) drains in
    one call while each transaction stays short. Give a :class:`CombinedTagger` (see
    :func:`nlp.training.load_learned`) to store the learned model's suggestions too.
    """
    total = 0
    while True:
        async with db.transaction() as session:
            pending = await tag_store.untagged_text_answers(session, batch_size)
        if not pending:
            return total
        results = await asyncio.to_thread(_tag_locked, tagger, [p.text for p in pending], batch_size)
        records = [to_tagged_text(p.answer_id, r) for p, r in zip(pending, results)]
        async with db.transaction() as session:
            total += await tag_store.store_tags(session, records)
        if len(pending) < batch_size:
            return total


async def retag_all(db: Database, tagger: ThemeTagger | CombinedTagger, batch_size: int = DEFAULT_BATCH) -> int:
    """Drop every machine tag and tag all free-text answers again; human decisions stay."""
    async with db.transaction() as session:
        await tag_store.clear_machine_tags(session)
    return await tag_pending(db, tagger, batch_size)


def build_tagger(spacy_model: str | None, taxonomy: Taxonomy | Path | str) -> ThemeTagger:
    """Load the pipeline (offline unless ``spacy_model`` names one) and compile the taxonomy
    (a loaded one, or the path of the plan's taxonomy file)."""
    return ThemeTagger(load_pipeline(spacy_model), taxonomy if isinstance(taxonomy, Taxonomy) else load_taxonomy(taxonomy))


class TaggingWorker:
    """Runs :func:`tag_pending` every ``interval`` seconds as an asyncio task.

    Give it a ``tagger`` or a ``factory`` (called once, in a thread, when the task starts).
    Errors are logged and the next round tries again; a factory that fails stops the worker
    (``failed`` holds the exception) since retrying a missing model cannot help.
    """

    def __init__(
        self,
        db: Database,
        tagger: ThemeTagger | CombinedTagger | None = None,
        *,
        factory: Callable[[], ThemeTagger] | None = None,
        interval: float = DEFAULT_INTERVAL,
        batch_size: int = DEFAULT_BATCH,
    ) -> None:
        if tagger is None and factory is None:
            raise ValueError("TaggingWorker needs a tagger or a factory")
        if interval <= 0:
            raise ValueError("interval must be positive")
        self.db = db
        self.tagger = tagger
        self.factory = factory
        self.interval = interval
        self.batch_size = batch_size
        self.tagged = 0  # texts stored since start
        self.rounds = 0  # completed rounds
        self.errors = 0  # rounds that failed
        self.failed: BaseException | None = None
        self._task: asyncio.Task[None] | None = None
        self._stopping: asyncio.Event | None = None
        self._ready: asyncio.Event | None = None

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    def start(self) -> TaggingWorker:
        """Start the background task (needs a running event loop); idempotent."""
        if not self.running:
            self._stopping = asyncio.Event()
            self._ready = asyncio.Event()
            self._task = asyncio.get_running_loop().create_task(self._run(), name="scenari-tagging")
        return self

    async def wait_ready(self, timeout: float | None = None) -> bool:
        """Wait until the tagger is loaded (True) or loading failed (False)."""
        if self._ready is None:
            return self.tagger is not None
        await asyncio.wait_for(self._ready.wait(), timeout)
        return self.tagger is not None and self.failed is None

    async def run_once(self) -> int:
        """One round now: tag what is pending (errors propagate).

        Each round picks up a learned model trained since the last one (``scenari nlp train``).
        """
        if self.tagger is None:
            raise RuntimeError("the tagger is not loaded yet")
        self.tagger = await refresh_learned(self.db, self.tagger)
        count = await tag_pending(self.db, self.tagger, self.batch_size)
        self.tagged += count
        self.rounds += 1
        return count

    async def stop(self, timeout: float = 30.0) -> None:
        """Let the current round finish (up to ``timeout`` seconds), then end the task."""
        task, self._task = self._task, None
        if task is None:
            return
        if self._stopping is not None:
            self._stopping.set()
        try:
            await asyncio.wait_for(asyncio.shield(task), timeout)
        except asyncio.TimeoutError:
            task.cancel()
            try:
                await task
            except asyncio.CancelledError:
                pass

    async def _run(self) -> None:
        assert self._stopping is not None and self._ready is not None
        if self.tagger is None:
            assert self.factory is not None
            started = time.perf_counter()
            try:
                self.tagger = await asyncio.to_thread(self.factory)
            except Exception as exc:
                self.failed = exc
                self._ready.set()
                log.error("theme tagging disabled: %s", exc)
                return
            log.info("theme tagger ready (%s) in %.1f s", self.tagger.method, time.perf_counter() - started)
        self._ready.set()
        while not self._stopping.is_set():
            try:
                count = await self.run_once()
                if count:
                    log.info("tagged %d free-text answers", count)
            except asyncio.CancelledError:
                raise
            except Exception:
                self.errors += 1
                log.exception("theme tagging round failed; retrying in %.0f s", self.interval)
            try:
                await asyncio.wait_for(self._stopping.wait(), self.interval)
            except asyncio.TimeoutError:
                pass


def start_tagging(
    db: Database,
    spacy_model: str | None,
    interval: float = DEFAULT_INTERVAL,
    *,
    taxonomy: Taxonomy | Path | str,
    batch_size: int = DEFAULT_BATCH,
) -> TaggingWorker:
    """Start a :class:`TaggingWorker` in the running loop; the pipeline loads in a thread.

    ``spacy_model`` is the ``SCENARI_SPACY_MODEL`` setting (None: the offline pipeline).
    Returns at once; call ``await worker.stop()`` before disposing of ``db``.
    """
    worker = TaggingWorker(
        db,
        factory=lambda: build_tagger(spacy_model, taxonomy),
        interval=interval,
        batch_size=batch_size,
    )
    return worker.start()
