"""`scenari themes …` and `scenari nlp …`: the taxonomy, tagging stored answers, evaluation, review.

Registered by :mod:`bot.cli` (``add_commands``); commands that need no database (``themes
validate``, ``nlp evaluate`` without ``--reviewed``) run through :func:`run_without_database`,
the others through :func:`dispatch` once the database is migrated.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    from storage import Database

    from bot.settings import Settings

DEFAULT_EVAL_DATA = Path("tests/data/nlp_eval.yaml")


def add_commands(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    themes = subparsers.add_parser("themes", help="the theme taxonomy of free-text answers").add_subparsers(
        dest="action", required=True
    )
    validate = themes.add_parser("validate", help="check a taxonomy file (default: the one in use)")
    validate.add_argument("file", nargs="?", type=Path)

    nlp = subparsers.add_parser("nlp", help="themes and keywords of free-text answers").add_subparsers(
        dest="action", required=True
    )
    for name, text in (
        ("tag", "tag the free-text answers not tagged yet"),
        ("retag", "drop machine tags and tag everything again (human decisions stay)"),
    ):
        command = nlp.add_parser(name, help=text)
        command.add_argument("--min-confidence", type=_confidence, default=0.0, metavar="X",
                             help="store only themes whose confidence is at least X (0–1)")
    nlp.add_parser("train", help="fit the learned theme model on the reviewed texts (used beside the rules)")
    evaluate = nlp.add_parser("evaluate", help="precision/recall/F1 on a labelled set, or agreement with reviews")
    evaluate.add_argument("--data", type=Path, default=None, help=f"labelled YAML (default: {DEFAULT_EVAL_DATA})")
    evaluate.add_argument("--reviewed", action="store_true",
                          help="compare the tagger with the reviewed tags, and cross-validate the learned model")
    evaluate.add_argument("--folds", type=int, default=5, help="folds of the cross-validation (--reviewed)")
    evaluate.add_argument("--errors", type=int, default=0, metavar="N", help="also list N misclassified texts")
    evaluate.add_argument("--dataset", type=Path, default=None, metavar="CSV",
                          help="score a labelled CSV of real texts (with --label-column and --map)")
    evaluate.add_argument("--label-column", default=None, metavar="COL", help="the CSV column of the labels")
    evaluate.add_argument("--text-column", default="text", metavar="COL", help="the CSV column of the texts")
    evaluate.add_argument("--map", type=Path, default=None, metavar="YAML", help="label → theme ids")

    review = nlp.add_parser("review", help="coding sheets for human review").add_subparsers(
        dest="review_action", required=True
    )
    export = review.add_parser("export", help="write a coding sheet (XLSX)")
    export.add_argument("--out", "-o", type=Path, required=True)
    export.add_argument("--all", action="store_true", help="include texts already reviewed (for a second coder)")
    export.add_argument("--limit", type=int, default=None, help="at most this many texts")
    export.add_argument("--min-confidence", type=_confidence, default=0.0, metavar="X",
                        help="suggest only themes whose confidence is at least X (0–1)")
    imp = review.add_parser("import", help="read a filled coding sheet back")
    imp.add_argument("file", type=Path)
    imp.add_argument("--coder", default=None, help="who coded rows whose coder cell is empty")


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


def run_without_database(args: argparse.Namespace) -> int | None:
    """Handle the commands that need no settings or database; None for the others."""
    if args.command == "themes" and args.action == "validate":
        return _validate_themes(args.file)
    if args.command == "nlp" and args.action == "evaluate" and not args.reviewed:
        return _evaluate(args)
    return None


async def dispatch(args: argparse.Namespace, settings: Settings, db: Database) -> int | None:
    """Run a `themes`/`nlp` command on the migrated database; None if ``args`` is another command."""
    if args.command == "themes":
        return _validate_themes(args.file)
    if args.command != "nlp":
        return None
    if args.action == "evaluate" and not args.reviewed:
        return _evaluate(args)
    from nlp import PipelineError, TaxonomyError, load_taxonomy
    from nlp import coding
    from nlp.training import load_learned
    from nlp.worker import build_tagger, retag_all, tag_pending

    try:
        if args.action == "review" and args.review_action == "import":
            return await _import(args, db, load_taxonomy())
        started = time.perf_counter()
        rules = build_tagger(settings.spacy_model)
    except (PipelineError, TaxonomyError) as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        return 2
    if args.action == "train":
        return await _train(db, rules)
    tagger = await load_learned(db, rules, min_confidence=getattr(args, "min_confidence", 0.0))
    if args.action == "retag":
        count = await retag_all(db, tagger)
        print(
            f"Retagged {count} free-text answers ({tagger.method}, taxonomy {tagger.taxonomy.version}) "
            f"in {time.perf_counter() - started:.1f} s; human decisions kept."
        )
        return 0
    count = await tag_pending(db, tagger)  # the others look at tags: bring them up to date first
    if args.action == "tag":
        print(f"Tagged {count} free-text answers ({tagger.method}, taxonomy {tagger.taxonomy.version}).")
        return 0
    if args.action == "evaluate":  # --reviewed
        print(coding.format_agreement(await coding.reviewed_agreement(db, tagger.taxonomy)))
        return await _cross_validate(db, rules, args.folds)
    if args.action == "review" and args.review_action == "export":
        rows = await coding.export_review_sheet(
            db, args.out, tagger.taxonomy, include_reviewed=args.all, limit=args.limit,
            min_confidence=args.min_confidence,
        )
        print(f"Wrote {rows} texts to {args.out} (taxonomy {tagger.taxonomy.version}).")
        return 0
    return 2


async def _train(db: Database, rules: object) -> int:
    from nlp.training import TrainingError, train_from_reviews

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
    from nlp.training import MIN_TEXTS, TrainingError, cross_validate, format_cross_validation, reviewed_texts

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
    from nlp import ReviewSheetError
    from nlp.coding import import_review_sheet

    if not args.file.is_file():
        print(f"No such file: {args.file}", file=sys.stderr)
        return 2
    try:
        result = await import_review_sheet(db, args.file, taxonomy, coder=args.coder)  # type: ignore[arg-type]
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
    from storage import audit

    async with db.transaction() as session:
        await audit.record(session, "cli", "coding_import", args.file.name, outcome=outcome,
                           detail={"coder": args.coder, **detail})


def _validate_themes(path: Path | None) -> int:
    from nlp import DEFAULT_TAXONOMY_PATH, TaxonomyError, validate_taxonomy_file

    try:
        taxonomy = validate_taxonomy_file(path)
    except TaxonomyError as exc:
        for line in str(exc).splitlines():
            print(f"ERROR {line}")
        return 1
    print(f"OK    {path or DEFAULT_TAXONOMY_PATH}: version {taxonomy.version}, {len(taxonomy.themes)} themes")
    return 0


def _default_eval_data() -> Path:
    if DEFAULT_EVAL_DATA.is_file():
        return DEFAULT_EVAL_DATA
    return Path(__file__).resolve().parents[1] / DEFAULT_EVAL_DATA  # a source checkout, run from elsewhere


def _evaluate(args: argparse.Namespace) -> int:
    from nlp import PipelineError, TaxonomyError, evaluate, format_report, load_eval_items
    from nlp.worker import build_tagger

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
        tagger = build_tagger(_spacy_model_setting())
    except (PipelineError, TaxonomyError) as exc:
        print(f"Configuration error: {exc}", file=sys.stderr)
        return 2
    print(f"data: {path}")
    print(format_report(evaluate(tagger, items), show_errors=args.errors))
    return 0


def _evaluate_dataset(args: argparse.Namespace) -> int:
    """``--dataset CSV --label-column COL --map YAML``: score a labelled set of real texts."""
    from nlp import PipelineError, TaxonomyError
    from nlp.labelled import LabelledSetError, format_label_report, load_label_map, load_labelled_csv, score_labels
    from nlp.worker import build_tagger

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
        tagger = build_tagger(_spacy_model_setting())
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
    import os

    from bot.settings import SettingsError, load_settings

    try:
        return load_settings().spacy_model
    except SettingsError:
        return os.environ.get("SCENARI_SPACY_MODEL") or None
