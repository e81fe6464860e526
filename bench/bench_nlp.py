"""Benchmark the offline theme tagger against bare spaCy tokenisation, on short and on real texts.

Run:  nice -n 10 .venv/bin/python bench/bench_nlp.py [--quick | --n 10000 --repeats 3]

Two corpora, each measured in the same process beside ``spacy.blank("it")``
tokenising the same texts (the ceiling: no tagger can be faster than the
tokenizer it runs on), so the ratio is meaningful on a noisy 2-core machine
where absolute numbers vary by a third from run to run:

* **short**: ``--n`` texts built by recombining the hand-written evaluation
  texts (chat answers, ~15 words);
* **real**: the development set ``../shared/nlp-dev/indecis_2022_programmi.csv``
  (1,062 excerpts of election programmes, median ~31 words; CC BY 4.0,
  indecis.it), repeated to about ``--n`` texts. Skipped, saying why, when the
  file is not there.

Each figure is the median of ``--repeats`` runs. Pipeline load time includes
taxonomy compilation. Ends with ``RESULT`` lines (texts/s, ceiling, ratio).
"""

from __future__ import annotations

import time

_T0 = time.perf_counter()

import argparse  # noqa: E402
import csv  # noqa: E402
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
DEV_FILE = ROOT.parent / "shared" / "nlp-dev" / "indecis_2022_programmi.csv"


def short_texts(n: int, seed: int = 7) -> list[str]:
    """Short texts: one or two evaluation sentences."""
    base = [item.text for item in load_eval_items(EVAL_FILE)]
    rng = random.Random(seed)
    texts = []
    for i in range(n):
        text = rng.choice(base)
        if i % 3 == 0:
            text = f"{text} {rng.choice(base)}"
        texts.append(text)
    return texts


def real_texts(n: int, path: Path) -> list[str] | None:
    """The development set's texts, repeated to about ``n``; None when the file is absent."""
    if not path.is_file():
        return None
    with path.open(newline="", encoding="utf-8") as f:
        base = [row["text"] for row in csv.DictReader(f)]
    return (base * max(1, round(n / len(base))))[: max(n, len(base))]


def timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def measure(name: str, texts: list[str], tagger: ThemeTagger, blank, args) -> None:
    """Median texts/s of blank tokenisation and of the tagger, and the RESULT line."""

    def run_blank() -> None:
        for _ in blank.pipe(texts, batch_size=args.batch_size):
            pass

    def run_tagger() -> None:
        tagger.tag_many(texts, batch_size=args.batch_size)

    run_blank()  # warm caches (string store, lemma cache) for both
    tagger.tag_many(texts[:1000])
    blank_times, tagger_times = [], []
    for _ in range(args.repeats):
        blank_times.append(timed(run_blank))
        tagger_times.append(timed(run_tagger))
    blank_rate = len(texts) / statistics.median(blank_times)
    tagger_rate = len(texts) / statistics.median(tagger_times)
    words = sum(len(t.split()) for t in texts) / len(texts)
    print(f"[{name}] texts: {len(texts)} (~{words:.1f} words each), batch {args.batch_size}, median of {args.repeats}")
    print(f"[{name}] spacy.blank('it') tokenisation: {blank_rate:10,.0f} texts/s")
    print(f"[{name}] full offline tagger:            {tagger_rate:10,.0f} texts/s")
    print(f"[{name}] ratio tagger/blank:             {tagger_rate / blank_rate:10.3f}")
    print(f"RESULT nlp_tag_{name} {tagger_rate:.0f} texts/s ceiling={blank_rate:.0f} ratio={tagger_rate / blank_rate:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--model", default=None, help="SCENARI_SPACY_MODEL to benchmark instead of offline")
    parser.add_argument("--dev-file", type=Path, default=DEV_FILE, help="CSV with a 'text' column (real texts)")
    parser.add_argument("--quick", action="store_true", help="2,000 texts, 2 repeats: under a minute")
    args = parser.parse_args()
    if args.quick:
        args.n, args.repeats = 2_000, 2

    load_times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        tagger = ThemeTagger(load_pipeline(args.model), load_taxonomy(ROOT / "plans" / "cremona" / "taxonomy.yaml"))
        load_times.append(time.perf_counter() - start)
    blank = spacy.blank("it")
    print(f"method: {tagger.method}  taxonomy {tagger.taxonomy.version}")
    print(f"import spacy + nlp:             {IMPORT_SECONDS:.2f} s")
    print(f"pipeline load (incl. taxonomy): first {load_times[0]:.2f} s, median {statistics.median(load_times):.2f} s")
    measure("short", short_texts(args.n), tagger, blank, args)
    real = real_texts(args.n, args.dev_file)
    if real is None:
        print(f"[real] skipped: {args.dev_file} not found (the development set lives in ../shared/nlp-dev/)")
    else:
        measure("real", real, tagger, blank, args)


if __name__ == "__main__":
    main()
