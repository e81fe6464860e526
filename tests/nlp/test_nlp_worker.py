"""Tagging stored answers off the hot path, and the human review of what was stored."""

from __future__ import annotations

import logging

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from nlp import ReviewSheetError
from nlp.coding import export_review_sheet, format_agreement, import_review_sheet, reviewed_agreement
from nlp.review import COLUMNS
from nlp.worker import TaggingWorker, retag_all, start_tagging, tag_pending
from storage import tags as tag_store
from storage.models import AnswerTag, TaggedAnswer, TagReview
from tests.support.free_text import answer_imprese
from tests.support.plans import CREMONA_TAXONOMY
from tests.support.polling import until

TRAINS = "servono piu treni x Milano e piste ciclabili, nn serve piu turismo"
VIOLINS = "Un nuovo laboratorio per i liutai insieme all'universita"
FORNO = "abbiamo comprato un forno nuovo"


async def _effective(db):
    async with db.transaction() as session:
        return await tag_store.effective_themes(session)


async def _count(db, model):
    async with db.transaction() as session:
        return (await session.execute(select(func.count()).select_from(model))).scalar_one()


async def test_tag_pending_stores_themes_keywords_method_and_version(db, conversation, theme_tagger):
    await answer_imprese(db, conversation, "1", VIOLINS, city_role=TRAINS)
    await answer_imprese(db, conversation, "2", FORNO)
    assert await tag_pending(db, theme_tagger) == 3
    assert await tag_pending(db, theme_tagger) == 0  # nothing left
    effective = await _effective(db)
    by_text = {}
    async with db.transaction() as session:
        texts = await tag_store.free_text_answers(session)
        passes = await tag_store.keywords(session, texts)
        rejected = await tag_store.machine_tags(session, texts)
    for answer_id, text in texts.items():
        by_text[text] = answer_id
        assert passes[answer_id].method == theme_tagger.method
        assert passes[answer_id].taxonomy_version == theme_tagger.taxonomy.version
    trains = {e.theme_id: e for e in effective[by_text[TRAINS]]}
    assert set(trains) == {"mobilita"}  # "nn serve piu turismo" is a rejection
    assert "treni x Milano" in trains["mobilita"].evidence and trains["mobilita"].source == "machine"
    assert [t.negated_evidence for t in rejected[by_text[TRAINS]] if t.theme_id == "turismo_cultura"] == [["turismo"]]
    assert {"musica_liuteria", "talenti_formazione"} <= {e.theme_id for e in effective[by_text[VIOLINS]]}
    assert "liutaio" in passes[by_text[VIOLINS]].keywords
    assert "forno" in passes[by_text[FORNO]].keywords


async def test_a_backlog_drains_in_small_batches(db, conversation, theme_tagger):
    for user in range(5):
        await answer_imprese(db, conversation, str(user), f"treni e bus numero {user}")
    assert await tag_pending(db, theme_tagger, batch_size=2) == 5
    assert await _count(db, TaggedAnswer) == 5


class FlakyTagger:
    """Fails once, then behaves like the real tagger."""

    def __init__(self, tagger):
        self.tagger, self.calls = tagger, 0

    def tag_many(self, texts, batch_size=256):
        self.calls += 1
        if self.calls == 1:
            raise RuntimeError("boom")
        return self.tagger.tag_many(texts, batch_size=batch_size)


async def test_worker_logs_errors_and_goes_on(db, conversation, theme_tagger, caplog):
    await answer_imprese(db, conversation, "1", TRAINS)
    flaky = FlakyTagger(theme_tagger)
    worker = TaggingWorker(db, flaky, interval=0.1).start()  # type: ignore[arg-type]
    try:
        with caplog.at_level(logging.ERROR, logger="scenari.nlp.worker"):
            await until(lambda: _has(db, 1))
        await answer_imprese(db, conversation, "2", VIOLINS)  # stored while the worker runs
        await until(lambda: _has(db, 2))
    finally:
        await worker.stop()
    assert not worker.running and worker.errors == 1 and worker.tagged == 2
    assert "theme tagging round failed" in caplog.text and "boom" in caplog.text


async def _has(db, n):
    return await _count(db, TaggedAnswer) >= n


async def test_start_tagging_loads_the_pipeline_in_a_thread(db, conversation):
    await answer_imprese(db, conversation, "1", TRAINS)
    worker = start_tagging(db, None, interval=30, taxonomy=CREMONA_TAXONOMY)
    try:
        assert await worker.wait_ready(timeout=30)
        await until(lambda: _has(db, 1))
    finally:
        await worker.stop()
    assert not worker.running


async def test_start_tagging_with_a_missing_model_logs_and_stops(db, caplog):
    with caplog.at_level(logging.ERROR, logger="scenari.nlp.worker"):
        worker = start_tagging(db, "it_core_news_nope", interval=30, taxonomy=CREMONA_TAXONOMY)
        assert not await worker.wait_ready(timeout=30)
    await worker.stop()
    assert worker.failed is not None and "it_core_news_nope" in caplog.text


def _fill(path, values):
    wb = load_workbook(path)
    ws = wb["coding"]
    ids = {str(ws.cell(row=r, column=1).value): r for r in range(2, ws.max_row + 1)}
    for text_id, cells in values.items():
        for column, value in cells.items():
            ws.cell(row=ids[str(text_id)], column=COLUMNS.index(column) + 1, value=value)
    wb.save(path)
    return ids


async def _three_texts(db, conversation, theme_tagger):
    await answer_imprese(db, conversation, "1", VIOLINS, city_role=TRAINS)
    await answer_imprese(db, conversation, "2", FORNO)
    await tag_pending(db, theme_tagger)
    async with db.transaction() as session:
        return {text: answer_id for answer_id, text in (await tag_store.free_text_answers(session)).items()}


async def test_review_sheet_round_trip_wins_and_survives_retag(db, conversation, theme_tagger, tmp_path):
    ids = await _three_texts(db, conversation, theme_tagger)
    sheet = tmp_path / "coding.xlsx"
    assert await export_review_sheet(db, sheet, theme_tagger.taxonomy) == 3
    ws = load_workbook(sheet)["coding"]
    rows = {ws.cell(row=r, column=1).value: [c.value for c in ws[r]] for r in range(2, ws.max_row + 1)}
    assert rows[str(ids[TRAINS])][2] == "mobilita"
    assert "turismo_cultura: rifiutato (turismo)" in rows[str(ids[TRAINS])][3]
    _fill(sheet, {
        ids[TRAINS]: {"accept": "y", "add_themes": "ambiente", "coder": "anna"},
        ids[VIOLINS]: {"accept": "n", "add_themes": "musica_liuteria"},
        # FORNO left blank: not reviewed
    })
    result = await import_review_sheet(db, sheet, theme_tagger.taxonomy, coder="bruno")
    assert (result.stored, result.unreviewed, result.skipped) == (2, 1, [])
    expected = {ids[TRAINS]: {"mobilita", "ambiente"}, ids[VIOLINS]: {"musica_liuteria"}}

    async def check():
        effective = await _effective(db)
        for answer_id, themes in expected.items():
            assert {e.theme_id for e in effective[answer_id]} == themes
            assert all(e.source == "human" for e in effective[answer_id])
        coders = {e.theme_id: e.coder for e in effective[ids[TRAINS]] + effective[ids[VIOLINS]]}
        assert coders == {"mobilita": "anna", "ambiente": "anna", "musica_liuteria": "bruno"}
        assert effective[ids[TRAINS]][0].evidence  # the words that put it there
        assert {e.source for e in effective[ids[FORNO]]} <= {"machine"}

    await check()
    assert await retag_all(db, theme_tagger) == 3
    await check()
    async with db.transaction() as session:
        reviews = list(await session.scalars(select(TagReview).order_by(TagReview.sheet_row)))
    assert sorted((r.coder, r.source, r.answer_id) for r in reviews) == [
        ("anna", "coding.xlsx", ids[TRAINS]), ("bruno", "coding.xlsx", ids[VIOLINS])
    ]
    # texts already reviewed leave the next sheet, unless asked for
    assert await export_review_sheet(db, tmp_path / "next.xlsx", theme_tagger.taxonomy) == 1
    assert await export_review_sheet(db, tmp_path / "all.xlsx", theme_tagger.taxonomy, include_reviewed=True) == 3


async def test_bad_cells_are_located_and_nothing_is_stored(db, conversation, theme_tagger, tmp_path):
    ids = await _three_texts(db, conversation, theme_tagger)
    sheet = tmp_path / "coding.xlsx"
    await export_review_sheet(db, sheet, theme_tagger.taxonomy)
    rows = _fill(sheet, {
        ids[TRAINS]: {"accept": "forse", "coder": "anna"},
        ids[VIOLINS]: {"add_themes": "xyz", "coder": "anna"},
        ids[FORNO]: {"accept": "y"},  # no coder and no --coder
    })
    with pytest.raises(ReviewSheetError) as err:
        await import_review_sheet(db, sheet, theme_tagger.taxonomy)
    assert sorted(err.value.errors) == sorted([
        f"riga {rows[str(ids[TRAINS])]}, colonna accept: valore 'forse' non valido (usare y o n)",
        f"riga {rows[str(ids[VIOLINS])]}, colonna add_themes: tema sconosciuto 'xyz'",
    ])
    _fill(sheet, {ids[TRAINS]: {"accept": "y"}, ids[VIOLINS]: {"add_themes": "ambiente"}})
    with pytest.raises(ReviewSheetError) as err:
        await import_review_sheet(db, sheet, theme_tagger.taxonomy)
    assert err.value.errors == [f"riga {rows[str(ids[FORNO])]}, colonna coder: valore mancante (indicare chi ha codificato, o usare --coder)"]
    assert await _count(db, TagReview) == 0
    async with db.transaction() as session:
        assert not list(await session.scalars(select(AnswerTag).where(AnswerTag.source == "human")))


async def test_agreement_with_the_tagger_and_between_coders(db, conversation, theme_tagger, tmp_path):
    ids = await _three_texts(db, conversation, theme_tagger)
    assert "No reviewed texts yet" in format_agreement(await reviewed_agreement(db, theme_tagger.taxonomy))
    first, second = tmp_path / "anna.xlsx", tmp_path / "bruno.xlsx"
    await export_review_sheet(db, first, theme_tagger.taxonomy)
    await export_review_sheet(db, second, theme_tagger.taxonomy)
    _fill(first, {i: {"accept": "y"} for i in ids.values()})
    _fill(second, {ids[TRAINS]: {"accept": "y"}, ids[VIOLINS]: {"accept": "y", "remove_themes": "talenti_formazione"},
                   ids[FORNO]: {"accept": "y"}})
    await import_review_sheet(db, first, theme_tagger.taxonomy, coder="anna")
    await import_review_sheet(db, second, theme_tagger.taxonomy, coder="bruno")
    report = await reviewed_agreement(db, theme_tagger.taxonomy)
    assert report.texts == 3
    assert report.per_theme["mobilita"].precision == 1.0 and report.kappa["mobilita"] == 1.0
    assert report.per_theme["talenti_formazione"].precision == 0.0  # bruno (latest) removed it
    [pair] = report.coders
    assert (pair.coder_a, pair.coder_b, pair.texts) == ("anna", "bruno", 3)
    assert pair.kappa["mobilita"] == 1.0 and pair.kappa["talenti_formazione"] == pytest.approx(0.0)
    table = format_agreement(report)
    assert "tagger vs reviewed tags: 3 texts" in table and "coder vs coder: anna / bruno, 3 texts in common" in table
