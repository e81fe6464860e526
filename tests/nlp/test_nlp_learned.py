"""The learned model and how its suggestions merge with the rules' (nlp.learned, nlp.combine)."""

from __future__ import annotations

import json

from nlp.combine import CombinedTagger, merge
from nlp.learned import LearnedHit, LearnedModel, rule_scores, text_features
from nlp.tagger import TagResult, ThemeHit

# MIN_DECIDE (5) or more reviewed texts of a theme: with fewer the model may add it but not drop the rules' finding
FOUNTAINS = ["servono fontanelle nuove", "fontanelle rotte da mesi", "fontanelle gratuite", "riparare le fontanelle",
             "fontanelle nei parchi", "acqua delle fontanelle", "fontanelle vicino alle scuole", "più fontanelle"]
OTHERS = ["più treni per Milano", "nuove piste ciclabili", "un laboratorio per i liutai", "servono posti di lavoro"]


def _train(tagger):
    texts = FOUNTAINS + OTHERS
    gold = [{"ambiente"}] * len(FOUNTAINS) + [set(r.theme_ids) - {"ambiente"} for r in tagger.tag_many(OTHERS)]
    results = tagger.tag_many(texts)
    return LearnedModel.train(
        text_features(tagger.nlp, texts), [rule_scores(r) for r in results], gold, tagger.taxonomy.ids,
        taxonomy_version=tagger.taxonomy.version,
    )


def test_features_are_the_projects_lemmas_and_their_bigrams(tagger):
    (features,) = text_features(tagger.nlp, ["Le fontanelle dei giardini della città"])
    assert features[:2] == ["fontanella", "giardino"] and "fontanella giardino" in features


def test_a_stored_model_predicts_what_the_trained_one_did(tagger):
    model = _train(tagger)
    assert "ambiente" in model.themes and 0.15 <= model.threshold <= 0.7
    again = LearnedModel.from_data(json.loads(json.dumps(model.to_data())), version="m7@x")
    texts = ["mettere fontanelle in via Dante", "treni per Cremona"]
    results = tagger.tag_many(texts)
    features, rules = text_features(tagger.nlp, texts), [rule_scores(r) for r in results]
    assert model.predict(features, rules) == again.predict(features, rules)
    fountain = again.predict(features, rules)[0]["ambiente"]
    assert fountain.suggested and fountain.evidence[0] == "fontanella" and 0 < fountain.confidence <= 1
    assert CombinedTagger(tagger, again).tag(texts[0]).themes[0].method == "learned:m7@x"


def test_merge_keeps_drops_and_adds_as_documented():
    rules = TagResult("t", (ThemeHit("lavoro", 0.7, ("lavoro",)), ThemeHit("giovani", 0.6, ("giovani",)),
                            ThemeHit("sicurezza", 0.5, ("sicurezza",))), (), "rules", "v")
    learned = {
        "lavoro": LearnedHit("lavoro", 0.8, True, ("impiego",)),          # confirmed: words of both
        "giovani": LearnedHit("giovani", 0.4, False, ()),                 # more likely removed: dropped
        "ambiente": LearnedHit("ambiente", 0.6, True, ("fontanella",)),   # added by the model
        "mobilita": LearnedHit("mobilita", 0.3, False, ()),               # not enough: not added
    }
    merged = merge(rules, learned, learned_method="learned:m1@v")
    by_id = {s.theme_id: s for s in merged.themes}
    assert set(by_id) == {"lavoro", "ambiente", "sicurezza"}  # sicurezza: not decided by the model
    assert by_id["lavoro"].evidence == ("lavoro", "impiego") and by_id["lavoro"].method == "rules+learned:m1@v"
    assert by_id["ambiente"].method == "learned:m1@v" and by_id["sicurezza"].method == "rules"
    assert merged.theme_ids == ["lavoro", "ambiente", "sicurezza"]  # by confidence
    assert merge(rules, learned, learned_method="learned:m1@v", min_confidence=0.65).theme_ids == ["lavoro"]


async def test_a_running_worker_picks_up_a_model_trained_meanwhile(db, conversation, theme_tagger):
    from nlp.training import train_from_reviews
    from nlp.worker import TaggingWorker
    from storage import tags as tag_store
    from tests.support.free_text import answer_imprese

    texts = [*FOUNTAINS, "fontanelle pulite", "fontanelle in centro", *OTHERS, "bus notturni", "corsi per giovani"]
    for n, text in enumerate(texts):
        await answer_imprese(db, conversation, str(n), text)
    worker = TaggingWorker(db, theme_tagger)
    assert await worker.run_once() == len(texts)
    assert worker.tagger.model is None  # nothing trained yet: the rules alone
    async with db.transaction() as session:
        stored = await tag_store.free_text_answers(session)
        await tag_store.apply_review(session, [
            tag_store.ReviewInput(answer_id, (), None, ("ambiente",) if "fontanelle" in text else ("lavoro",), (), "anna")
            for answer_id, text in stored.items()
        ])
    outcome = await train_from_reviews(db, theme_tagger)
    await answer_imprese(db, conversation, "new", "fontanelle pulite in via Dante")
    assert await worker.run_once() == 1
    assert worker.tagger.model_id == outcome.model_id
    async with db.transaction() as session:
        (new_id,) = set(await tag_store.free_text_answers(session)) - set(stored)
        tags = (await tag_store.machine_tags(session, [new_id]))[new_id]
    # the rules found it and the model, now picked up, confirmed it
    assert [(t.theme_id, t.method) for t in tags] == [("ambiente", f"{theme_tagger.method}+{outcome.method}")]


def test_the_texts_strongest_rule_theme_yields_only_to_a_confident_model():
    from nlp.combine import KEEP_TOP_ABOVE

    rules = TagResult("t", (ThemeHit("lavoro", 0.7, ("lavoro",)), ThemeHit("giovani", 0.6, ("giovani",))), (), "rules", "v")
    doubtful = {"lavoro": LearnedHit("lavoro", (KEEP_TOP_ABOVE + 0.5) / 2, False, ()),
                "giovani": LearnedHit("giovani", (KEEP_TOP_ABOVE + 0.5) / 2, False, ())}
    assert merge(rules, doubtful, learned_method="learned:m1@v").theme_ids == ["lavoro"]  # only the top stays
    sure = {"lavoro": LearnedHit("lavoro", KEEP_TOP_ABOVE / 2, False, ())}
    assert merge(rules, sure, learned_method="learned:m1@v").theme_ids == ["giovani"]  # giovani: not decided


def test_a_theme_with_few_reviewed_texts_is_added_but_never_dropped_from_the_rules(tagger):
    from nlp.learned import MIN_DECIDE

    trains = ["più treni per Milano", "bus notturni per il centro", "treni in orario"]
    texts = FOUNTAINS + OTHERS + trains
    results = tagger.tag_many(texts)
    assert all("mobilita" in r.theme_ids for r in results[-len(trains):])
    # the analyst removed "mobilita" from the few texts that had it: too few to overrule the rules
    gold = [{"ambiente"}] * len(FOUNTAINS) + [set(r.theme_ids) - {"ambiente", "mobilita"} or {"lavoro"}
                                               for r in results[len(FOUNTAINS):]]
    model = LearnedModel.train(
        text_features(tagger.nlp, texts), [rule_scores(r) for r in results], gold, tagger.taxonomy.ids,
        taxonomy_version=tagger.taxonomy.version,
    )
    assert len(FOUNTAINS) >= MIN_DECIDE and "ambiente" in model.decides and "mobilita" not in model.decides
    combined = CombinedTagger(tagger, model)
    bus = "servono più bus e treni"
    assert "mobilita" in tagger.tag(bus).theme_ids and "mobilita" in combined.tag(bus).theme_ids
    fountain = combined.tag("mettere fontanelle in via Dante")  # the rules find nothing: the model adds
    assert "ambiente" not in tagger.tag("mettere fontanelle in via Dante").theme_ids
    assert fountain.theme_ids[:1] == ["ambiente"] and "fontanella" in fountain.themes[0].evidence
