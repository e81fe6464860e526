"""Benchmark the offline theme tagger against bare spaCy tokenisation.

Run:  .venv/bin/python bench/bench_nlp.py [--n 10000] [--repeats 3]

Both measurements run in the same process on the same 10,000 short texts
(built by recombining the hand-written evaluation texts, so the vocabulary is
realistic), so the ratio is meaningful even on a noisy 2-core machine where
absolute numbers vary by a third from run to run. Each figure is the median
of ``--repeats`` runs. Pipeline load time includes taxonomy compilation.
"""

from __future__ import annotations

import time

_T0 = time.perf_counter()

import argparse  # noqa: E402
import random  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import spacy  # noqa: E402

from nlp import ThemeTagger, load_eval_items, load_pipeline, load_taxonomy  # noqa: E402

IMPORT_SECONDS = time.perf_counter() - _T0

EVAL_FILE = ROOT / "tests" / "data" / "nlp_eval.yaml"


def make_texts(n: int, seed: int = 7) -> list[str]:
    """Short texts: one or two evaluation sentences, shuffled word order kept."""
    base = [item.text for item in load_eval_items(EVAL_FILE)]
    rng = random.Random(seed)
    texts = []
    for i in range(n):
        text = rng.choice(base)
        if i % 3 == 0:
            text = f"{text} {rng.choice(base)}"
        texts.append(text)
    return texts


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--model", default=None, help="SCENARI_SPACY_MODEL to benchmark instead of offline")
    args = parser.parse_args()
    texts = make_texts(args.n)
    n_tokens_hint = sum(len(t.split()) for t in texts)

    load_times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        tagger = ThemeTagger(load_pipeline(args.model), load_taxonomy())
        load_times.append(time.perf_counter() - start)
    blank = spacy.blank("it")

    def run_blank() -> None:
        for _ in blank.pipe(texts, batch_size=args.batch_size):
            pass

    def run_tagger() -> None:
        tagger.tag_many(texts, batch_size=args.batch_size)

    run_blank()  # warm caches (string store, lemma cache) for both
    tagger.tag_many(texts[:500])
    blank_times, tagger_times = [], []
    for _ in range(args.repeats):
        blank_times.append(timed(run_blank))
        tagger_times.append(timed(run_tagger))
    blank_rate = args.n / statistics.median(blank_times)
    tagger_rate = args.n / statistics.median(tagger_times)
    print(f"texts: {args.n} (~{n_tokens_hint / args.n:.1f} words each), batch {args.batch_size}, "
          f"median of {args.repeats}")
    print(f"method: {tagger.method}")
    print(f"import spacy + nlp:             {IMPORT_SECONDS:.2f} s")
    print(f"pipeline load (incl. taxonomy): first {load_times[0]:.2f} s, median {statistics.median(load_times):.2f} s")
    print(f"spacy.blank('it') tokenisation: {blank_rate:10,.0f} texts/s")
    print(f"full offline tagger:            {tagger_rate:10,.0f} texts/s")
    print(f"ratio tagger/blank:             {tagger_rate / blank_rate:10.2f}")


if __name__ == "__main__":
    main()
