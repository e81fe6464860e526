"""Learning curve of the learned theme model on a labelled set of real texts (docs/nlp.md).

    .venv/bin/python bench/bench_learning_curve.py [--data ../shared/nlp-dev/indecis_2022_programmi.csv]
        [--map tests/data/indecis_map.yaml] [--sizes 50,100,200,400] [--seeds 5]

Simulates review: N texts drawn at random are "reviewed" — each gets the coding-sheet row an
analyst who knows its label would fill in (:func:`sheet_decision`: the rules' themes suggested,
accept=y, remove_themes = the mapped themes of other labels, add_themes = the label's main theme
when none of its themes was found), and its reviewed themes are that row's
:attr:`nlp.review.ReviewDecision.final_themes`, what ``scenari nlp review import`` stores and
``scenari nlp train`` learns from (the same set as :func:`nlp.labelled.simulated_review`). So the
model sees removals *and* additions, including this set's conventions (tourism texts filed under
the economy get the economy's theme instead of tourism).
The learned model is trained on them (``nlp.learned``, merged by ``nlp.combine`` exactly as the
worker does) and both systems are scored on the remaining texts, labels mapped as score.py does.
Each size is averaged over ``--seeds`` draws. The ceiling is the same model trained on every
text but those scored (5-fold cross-validation over the whole set). ``--quick``: sizes 50,100, 2 seeds.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nlp import ThemeTagger, load_pipeline, load_taxonomy  # noqa: E402
from nlp.combine import combine_many  # noqa: E402
from nlp.labelled import load_label_map, load_labelled_csv, score_labels, simulated_review  # noqa: E402
from nlp.learned import LearnedModel, rule_scores, text_features  # noqa: E402
from nlp.review import ReviewDecision  # noqa: E402

DEFAULT_DATA = ROOT.parent / "shared" / "nlp-dev" / "indecis_2022_programmi.csv"
SAMPLE = ROOT / "tests" / "data" / "indecis_sample.csv"


def sheet_decision(text_id: str, label: str, found: list[str], mapping: dict) -> ReviewDecision:
    """The coding-sheet row an analyst who knows the text's label fills in for the rules' ``found``."""
    own = list(mapping.get(label, ()))
    others = {t for themes in mapping.values() for t in themes} - set(own)
    add = (own[0],) if own and not set(found) & set(own) else ()
    return ReviewDecision(text_id, tuple(found), True, add, tuple(t for t in found if t in others))


def run(train: list[int], test: list[int], ctx: dict) -> tuple[float, float, float, float]:
    """Train on ``train``; macro-F1 and themes/text on ``test`` for rules alone and rules+learned."""
    rules, feats, gold, labels, mapping, taxonomy = (ctx[k] for k in ("rules", "feats", "gold", "labels", "map", "tax"))
    model = LearnedModel.train(
        [feats[i] for i in train], [rule_scores(rules[i]) for i in train], [gold[i] for i in train],
        taxonomy.ids, taxonomy_version=taxonomy.version,
    )
    combined = combine_many([rules[i] for i in test], [feats[i] for i in test], model)
    test_labels = [labels[i] for i in test]
    alone = score_labels(test_labels, [rules[i].theme_ids for i in test], mapping)
    both = score_labels(test_labels, [c.theme_ids for c in combined], mapping)
    return alone.macro_f1, both.macro_f1, alone.mean_themes, both.mean_themes


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, default=DEFAULT_DATA if DEFAULT_DATA.is_file() else SAMPLE)
    ap.add_argument("--label-column", default="category")
    ap.add_argument("--map", type=Path, default=ROOT / "tests" / "data" / "indecis_map.yaml")
    ap.add_argument("--sizes", default="50,100,200,400")
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--quick", action="store_true", help="sizes 50,100 and 2 seeds: under a minute")
    args = ap.parse_args()
    if args.quick:
        args.sizes, args.seeds = "50,100", 2

    taxonomy = load_taxonomy(ROOT / "plans" / "cremona" / "taxonomy.yaml")
    tagger = ThemeTagger(load_pipeline(None), taxonomy)
    rows = load_labelled_csv(args.data, args.label_column)
    mapping = load_label_map(args.map, taxonomy)
    texts = [r.text for r in rows]
    started = time.perf_counter()
    rules = tagger.tag_many(texts)
    feats = text_features(tagger.nlp, texts)
    labels = [r.label for r in rows]
    gold = [set(sheet_decision(r.id, r.label, res.theme_ids, mapping).final_themes) for r, res in zip(rows, rules)]
    assert gold == [simulated_review(r.label, res.theme_ids, mapping) for r, res in zip(rows, rules)]
    ctx = {"rules": rules, "feats": feats, "gold": gold, "labels": labels, "map": mapping, "tax": taxonomy}
    print(f"data {args.data.name}: {len(rows)} texts, taxonomy {taxonomy.version}, {tagger.method}")
    print(f"{'reviewed':>8}  {'rules F1':>8}  {'+learned':>8}  {'gain':>6}  {'themes/text rules → +learned':>30}")
    gains: dict[int, float] = {}
    for size in (int(s) for s in args.sizes.split(",")):
        if size >= len(rows) - 20:
            print(f"{size:>8}  (skipped: the set has {len(rows)} texts)")
            continue
        results = []
        for seed in range(args.seeds):
            order = list(range(len(rows)))
            random.Random(seed).shuffle(order)
            results.append(run(order[:size], order[size:], ctx))
        a, b, ta, tb = (statistics.mean(r[k] for r in results) for k in range(4))
        spread = statistics.pstdev(r[1] - r[0] for r in results)
        gains[size] = b - a
        print(f"{size:>8}  {a:8.3f}  {b:8.3f}  {b - a:+6.3f}  {ta:14.2f} → {tb:.2f}   (gain sd {spread:.3f})")
    order = list(range(len(rows)))
    random.Random(0).shuffle(order)
    folds = [order[k::5] for k in range(5)]
    ceiling = [run([i for f in folds if f is not fold for i in f], fold, ctx) for fold in folds]
    ceil_a, ceil_b = (statistics.mean(c[k] for c in ceiling) for k in range(2))
    print(f"ceiling (5-fold, {len(rows) * 4 // 5} reviewed): rules {ceil_a:.3f}, +learned {ceil_b:.3f}")
    print(f"elapsed {time.perf_counter() - started:.0f} s")
    for size, gain in gains.items():
        ceiling_gain = ceil_b - ceil_a
        ratio = gain / ceiling_gain if ceiling_gain else 0.0
        print(f"RESULT learned_gain_{size} {gain:.3f} macroF1 ceiling={ceiling_gain:.3f} ratio={ratio:.2f}")


if __name__ == "__main__":
    main()
