"""`scenari nlp …`: tagging stored answers, the learned model, evaluation and the coding sheets.

``nlp evaluate`` (a labelled file, or a CSV with ``--dataset``) needs only files; with
``--reviewed``, and for every other subcommand, it runs on the migrated database. The taxonomy
is checked by `scenari themes validate` (bot.cli.themes).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path
from typing import Any

from nlp import (
    PipelineError,
    ReviewSheetError,
    TaxonomyError,
    coding,
    evaluate,
    format_report,
    load_eval_items,
    load_taxonomy,
)
from nlp.labelled import LabelledSetError, format_label_report, load_label_map, load_labelled_csv, score_labels
from nlp.training import (
    MIN_TEXTS,
    TrainingError,
    cross_validate,
    format_cross_validation,
    load_learned,
    reviewed_texts,
    train_from_reviews,
)
from nlp.worker import build_tagger, retag_all, tag_pending
from storage import Database, audit

from bot.settings import Settings, SettingsError, load_settings

from .commands import OnDatabase, files_only, with_database
from .plan import current_plan

DEFAULT_EVAL_DATA = Path("tests/data/nlp_eval.yaml")


def add_nlp(parser: argparse.ArgumentParser) -> None:
    nlp = parser.add_subparsers(dest="action", required=True)
    for name, text, handler in (
        ("tag", "tag the free-text answers not tagged yet", _tag),
        ("retag", "drop machine tags and tag everything again (human decisions stay)", _retag),
    ):
        command = nlp.add_parser(name, help=text)
        command.add_argument("--min-confidence", type=_confidence, default=0.0, metavar="X",
                             help="store only themes whose confidence is at least X (0–1)")
        with_database(command, handler)
    with_database(nlp.add_parser("train", help="fit the learned theme model on the reviewed texts (used beside the rules)"),
                  _train_command)
    _add_evaluate(nlp.add_parser("evaluate", help="precision/recall/F1 on a labelled set, or agreement with reviews"))
    _add_review(nlp.add_parser("review", help="coding sheets for human review"))


def _add_evaluate(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", type=Path, default=None, help=f"labelled YAML (default: {DEFAULT_EVAL_DATA})")
    parser.add_argument("--reviewed", action=OnDatabase, handler=_evaluate_reviewed,
                          help="compare the tagger with the reviewed tags, and cross-validate the learned model")
    parser.add_argument("--folds", type=int, default=5, help="folds of the cross-validation (--reviewed)")
    parser.add_argument("--errors", type=int, default=0, metavar="N", help="also list N misclassified texts")
    parser.add_argument("--dataset", type=Path, default=None, metavar="CSV",
                          help="score a labelled CSV of real texts (with --label-column and --map)")
    parser.add_argument("--label-column", default=None, metavar="COL", help="the CSV column of the labels")
    parser.add_argument("--text-column", default="text", metavar="COL", help="the CSV column of the texts")
    parser.add_argument("--map", type=Path, default=None, metavar="YAML", help="label → theme ids")
    files_only(parser, _evaluate)  # --reviewed hands it to _evaluate_reviewed, on the database


def _add_review(parser: argparse.ArgumentParser) -> None:
    review = parser.add_subparsers(dest="review_action", required=True)
    export = review.add_parser("export", help="write a coding sheet (XLSX)")
    export.add_argument("--out", "-o", type=Path, required=True)
    export.add_argument("--all", action="store_true", help="include texts already reviewed (for a second coder)")
    export.add_argument("--limit", type=int, default=None, help="at most this many texts")
    export.add_argument("--min-confidence", type=_confidence, default=0.0, metavar="X",
                        help="suggest only themes whose confidence is at least X (0–1)")
    with_database(export, _review_export)
    imp = review.add_parser("import", help="read a filled coding sheet back")
    imp.add_argument("file", type=Path)
    imp.add_argument("--coder", default=None, help="who coded rows whose coder cell is empty")
    with_database(imp, _review_import)


def _confidence(value: str) -> float:
    """A confidence between 0 and 1, or a polite argparse error."""
    try:
        number = float(value.replace(",", "."))
    except ValueError:
        number = -1.0
    if not 0.0 <= number <= 1.0:
        raise argparse.ArgumentTypeError(
            f"'{value}' non è una confidenza tra 0 e 1 (es. 0.5) / not a confidence between 0 and 1"
        )
    return number


def _rules(settings: Settings) -> Any:
    """The rule tagger of the settings' spaCy model; None, said on standard error, if it cannot be built."""
    try:
        return build_tagger(settings.spacy_model, settings.plan.taxonomy)
    except (PipelineError, TaxonomyError) as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        return None


async def _learned(args: argparse.Namespace, db: Database, rules: Any) -> Any:
    """The tagger in use: the rules, and the learned model once one is trained."""
    return await load_learned(db, rules, min_confidence=getattr(args, "min_confidence", 0.0))


async def _tag(args: argparse.Namespace, settings: Settings, db: Database) -> int:
    rules = _rules(settings)
    if rules is None:
        return 2
    tagger = await _learned(args, db, rules)
    count = await tag_pending(db, tagger)
    print(f"Tagged {count} free-text answers ({tagger.method}, taxonomy {tagger.taxonomy.version}).")
    return 0


async def _retag(args: argparse.Namespace, settings: Settings, db: Database) -> int:
    started = time.perf_counter()
    rules = _rules(settings)
    if rules is None:
        return 2
    tagger = await _learned(args, db, rules)
    count = await retag_all(db, tagger)
    print(
        f"Retagged {count} free-text answers ({tagger.method}, taxonomy {tagger.taxonomy.version}) "
        f"in {time.perf_counter() - started:.1f} s; human decisions kept."
    )
    return 0


async def _train_command(args: argparse.Namespace, settings: Settings, db: Database) -> int:
    rules = _rules(settings)
    if rules is None:
        return 2
    return await _train(db, rules)


async def _evaluate_reviewed(args: argparse.Namespace, settings: Settings, db: Database) -> int:
    """``nlp evaluate --reviewed``: the tagger against the reviewed tags, then the learned model's cross-validation."""
    rules = _rules(settings)
    if rules is None:
        return 2
    tagger = await _learned(args, db, rules)
    await tag_pending(db, tagger)  # the agreement looks at tags: bring them up to date first
    print(coding.format_agreement(await coding.reviewed_agreement(db, tagger.taxonomy)))
    return await _cross_validate(db, rules, args.folds)


async def _review_export(args: argparse.Namespace, settings: Settings, db: Database) -> int:
    rules = _rules(settings)
    if rules is None:
        return 2
    tagger = await _learned(args, db, rules)
    await tag_pending(db, tagger)  # the sheet suggests tags: bring them up to date first
    rows = await coding.export_review_sheet(
        db, args.out, tagger.taxonomy, include_reviewed=args.all, limit=args.limit, min_confidence=args.min_confidence,
    )
    print(f"Wrote {rows} texts to {args.out} (taxonomy {tagger.taxonomy.version}).")
    return 0


async def _review_import(args: argparse.Namespace, settings: Settings, db: Database) -> int:
    try:
        taxonomy = load_taxonomy(settings.plan.taxonomy)
    except (PipelineError, TaxonomyError) as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        return 2
    return await _import(args, db, taxonomy)


async def _train(db: Database, rules: object) -> int:
    try:
        outcome = await train_from_reviews(db, rules)  # type: ignore[arg-type]
    except TrainingError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print(
        f"Trained {outcome.method} on {outcome.texts} reviewed texts (taxonomy {rules.taxonomy.version}): "  # type: ignore[attr-defined]
        f"{len(outcome.themes)} themes learned ({', '.join(outcome.themes)}), suggestion threshold "
        f"{outcome.threshold:.2f}. New answers use it at once; run `scenari nlp retag` for those already tagged."
    )
    return 0


async def _cross_validate(db: Database, rules: object, folds: int) -> int:
    reviewed = await reviewed_texts(db)
    if len(reviewed) < MIN_TEXTS:
        print(f"learned model: not cross-validated ({len(reviewed)} reviewed texts, at least {MIN_TEXTS} needed)")
        return 0
    try:
        cv = cross_validate(rules, [r.text for r in reviewed], [r.themes for r in reviewed], folds=folds)  # type: ignore[arg-type]
    except TrainingError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    print()
    print(format_cross_validation(cv))
    return 0


async def _import(args: argparse.Namespace, db: Database, taxonomy: object) -> int:
    if not args.file.is_file():
        print(f"No such file: {args.file}", file=sys.stderr)
        return 2
    try:
        result = await coding.import_review_sheet(db, args.file, taxonomy, coder=args.coder)  # type: ignore[arg-type]
    except ReviewSheetError as exc:
        print(f"{args.file}: {len(exc.errors)} errors, nothing stored:", file=sys.stderr)
        for error in exc.errors:
            print(f"  {error}", file=sys.stderr)
        await _audit_import(db, args, "refused", {"errors": len(exc.errors)})
        return 1
    await _audit_import(db, args, "ok", {"stored": result.stored, "blank": result.unreviewed})
    for note in result.skipped:
        print(f"skipped {note}")
    print(f"Stored the coding of {result.stored} texts from {args.file.name} ({result.unreviewed} rows left blank).")
    return 0


async def _audit_import(db: Database, args: argparse.Namespace, outcome: str, detail: dict[str, int]) -> None:
    async with db.transaction() as session:
        await audit.record(session, "cli", "coding_import", args.file.name, outcome=outcome,
                           detail={"coder": args.coder, **detail})


def _default_eval_data() -> Path:
    if DEFAULT_EVAL_DATA.is_file():
        return DEFAULT_EVAL_DATA
    return Path(__file__).resolve().parents[2] / DEFAULT_EVAL_DATA  # a source checkout, run from elsewhere


def _evaluate(args: argparse.Namespace) -> int:
    """``nlp evaluate``: precision, recall and F1 of the tagger on a labelled file (or CSV, ``--dataset``)."""
    if args.dataset is not None:
        return _evaluate_dataset(args)
    path = args.data or _default_eval_data()
    if not path.is_file():
        print(f"No such file: {path}", file=sys.stderr)
        return 2
    try:
        items = load_eval_items(path)
    except (OSError, KeyError, TypeError, ValueError) as exc:
        print(f"{path}: not an evaluation file ({exc})", file=sys.stderr)
        return 2
    try:
        tagger = build_tagger(_spacy_model_setting(), _taxonomy_setting())
    except (PipelineError, TaxonomyError) as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        return 2
    print(f"data: {path}")
    print(format_report(evaluate(tagger, items), show_errors=args.errors))
    return 0


def _evaluate_dataset(args: argparse.Namespace) -> int:
    """``--dataset CSV --label-column COL --map YAML``: score a labelled set of real texts."""
    missing = [flag for flag, value in (("--label-column", args.label_column), ("--map", args.map)) if not value]
    if missing:
        print(f"--dataset richiede anche {' e '.join(missing)} / --dataset also needs {' and '.join(missing)}",
              file=sys.stderr)
        return 2
    for path in (args.dataset, args.map):
        if not path.is_file():
            print(f"No such file: {path}", file=sys.stderr)
            return 2
    try:
        tagger = build_tagger(_spacy_model_setting(), _taxonomy_setting())
        rows = load_labelled_csv(args.dataset, args.label_column, args.text_column)
        mapping = load_label_map(args.map, tagger.taxonomy)
    except (PipelineError, TaxonomyError) as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        return 2
    except LabelledSetError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    started = time.perf_counter()
    results = tagger.tag_many([r.text for r in rows])
    elapsed = time.perf_counter() - started
    report = score_labels([r.label for r in rows], [r.theme_ids for r in results], mapping)
    print(f"data: {args.dataset} ({len(rows)} texts, {len(mapping)} mapped labels)  method: {tagger.method}  "
          f"taxonomy: {tagger.taxonomy.version}")
    print(format_label_report({"rules": report}))
    print(f"macro-F1 {report.macro_f1:.2f}  micro-F1 {report.micro.f1:.2f}  "
          f"mean themes per text {report.mean_themes:.2f}  ({len(rows) / max(elapsed, 1e-9):.0f} texts/s)")
    return 0


def _spacy_model_setting() -> str | None:
    """SCENARI_SPACY_MODEL as the settings read it (environment or .env), even if another setting is wrong."""
    try:
        return load_settings().spacy_model
    except SettingsError:
        return os.environ.get("SCENARI_SPACY_MODEL") or None


def _taxonomy_setting() -> Path:
    """The plan's taxonomy (SCENARI_PLAN_DIR), even if another setting is wrong."""
    return current_plan().taxonomy


COMMANDS = {"nlp": add_nlp}
