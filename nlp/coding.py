"""Human review of stored tags: coding sheets out and in, agreement with the tagger and between coders.

The glue between :mod:`nlp.review` (XLSX files) and :mod:`storage.tags` (the database):

* :func:`export_review_sheet` writes the free-text answers with the machine's suggestions;
* :func:`import_review_sheet` reads a filled sheet back; a sheet with a bad cell stores nothing
  and raises :class:`~nlp.review.ReviewSheetError` listing every problem by row and column;
* :func:`reviewed_agreement` compares the stored machine tags with the reviewed codings
  (per-theme precision, recall and Cohen's kappa) and coders with each other where a text was
  coded twice.

The sheet's ``text_id`` is the answer's id in the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

from storage import Database
from storage import tags as tag_store

from .evaluation import EvalItem, Scores, cohen_kappa_per_theme, score_predictions
from .review import ReviewRow, ReviewSheetError, read_review_sheet, write_review_sheet
from .taxonomy import Taxonomy


async def export_review_sheet(
    db: Database,
    path: str | Path,
    taxonomy: Taxonomy,
    *,
    include_reviewed: bool = False,
    limit: int | None = None,
    min_confidence: float = 0.0,
) -> int:
    """Write a coding sheet of free-text answers (by default those nobody reviewed); returns rows.

    Suggestions whose confidence is below ``min_confidence`` are not shown.
    """
    async with db.transaction() as session:
        rows = await tag_store.review_rows(
            session, include_reviewed=include_reviewed, limit=limit, min_confidence=min_confidence
        )
    write_review_sheet(
        [ReviewRow(str(r.answer_id), r.text, list(r.suggested), list(r.evidence)) for r in rows],
        path,
        taxonomy=taxonomy,
    )
    return len(rows)


@dataclass
class ImportResult:
    stored: int = 0  # texts whose coding was recorded
    unreviewed: int = 0  # rows left blank
    skipped: list[str] = field(default_factory=list)  # rows about texts erased or changed since


async def import_review_sheet(
    db: Database, path: str | Path, taxonomy: Taxonomy, coder: str | None = None
) -> ImportResult:
    """Store the codings of a filled sheet, all or nothing.

    Raises :class:`ReviewSheetError` (nothing stored) for bad cells, an id that is not a
    number, a reviewed row with no coder when ``coder`` is not given. Rows about answers erased
    or changed since the export are skipped and reported, not errors.
    """
    path = Path(path)
    decisions = read_review_sheet(path, taxonomy)
    errors: list[str] = []
    inputs: list[tag_store.ReviewInput] = []
    result = ImportResult()
    for d in decisions:
        where = f"riga {d.row}"
        if not d.text_id.isdigit():
            errors.append(f"{where}, colonna text_id: '{d.text_id}' non è un identificativo di risposta")
            continue
        item = tag_store.ReviewInput(
            answer_id=int(d.text_id),
            suggested=d.suggested_themes,
            accept=d.accept,
            add=d.add_themes,
            remove=d.remove_themes,
            coder=(d.coder or coder or "").strip(),
            sheet_row=d.row,
        )
        if not item.reviewed:
            result.unreviewed += 1
            continue
        if not item.coder:
            errors.append(f"{where}, colonna coder: valore mancante (indicare chi ha codificato, o usare --coder)")
            continue
        if len(item.coder) > 64:
            errors.append(f"{where}, colonna coder: nome troppo lungo (massimo 64 caratteri)")
            continue
        inputs.append(item)
    if errors:
        raise ReviewSheetError(errors)
    async with db.transaction() as session:
        known = await tag_store.existing_answers(session, [i.answer_id for i in inputs])
        kept = []
        for item in inputs:
            if item.answer_id not in known:
                result.skipped.append(f"riga {item.sheet_row}: la risposta {item.answer_id} non esiste più (cancellata)")
            elif not known[item.answer_id]:
                result.skipped.append(f"riga {item.sheet_row}: la risposta {item.answer_id} è stata modificata dopo l'esportazione")
            else:
                kept.append(item)
        result.stored = await tag_store.apply_review(session, kept, source=path.name)
    return result


# --- agreement ------------------------------------------------------------------------------------


@dataclass
class CoderAgreement:
    coder_a: str
    coder_b: str
    texts: int
    kappa: dict[str, float]


@dataclass
class AgreementReport:
    texts: int  # reviewed texts compared with the tagger
    per_theme: dict[str, Scores]
    micro: Scores
    kappa: dict[str, float]  # tagger vs reviewed, per theme used by either
    coders: list[CoderAgreement]
    themes: list[str]


def _used(theme_ids: list[str], *codings: dict[int, frozenset[str]]) -> list[str]:
    seen = {t for coding in codings for themes in coding.values() for t in themes}
    return [t for t in theme_ids if t in seen]


async def reviewed_agreement(db: Database, taxonomy: Taxonomy) -> AgreementReport:
    """Tagger vs reviewed codings (latest per text), and coder vs coder on texts coded twice."""
    async with db.transaction() as session:
        reviewed = await tag_store.latest_reviews(session)
        machine = await tag_store.machine_tags(session, reviewed)
        by_coder = await tag_store.reviewed_codings(session)
    predicted = {
        answer_id: frozenset(t.theme_id for t in machine.get(answer_id, ()) if not t.negated) for answer_id in reviewed
    }
    ids = sorted(reviewed)
    themes = list(taxonomy.ids)
    report = score_predictions(
        [EvalItem(str(i), "", reviewed[i]) for i in ids], [predicted[i] for i in ids], themes
    )
    used = _used(themes, reviewed, predicted)
    kappa = cohen_kappa_per_theme(predicted, reviewed, used) if ids else {}
    coders = []
    for a, b in combinations(sorted(by_coder), 2):
        common = set(by_coder[a]) & set(by_coder[b])
        if not common:
            continue
        coding_a = {i: by_coder[a][i] for i in common}
        coding_b = {i: by_coder[b][i] for i in common}
        coders.append(
            CoderAgreement(a, b, len(common), cohen_kappa_per_theme(coding_a, coding_b, _used(themes, coding_a, coding_b)))
        )
    per_theme = {t: s for t, s in report.per_theme.items() if t in used}
    return AgreementReport(len(ids), per_theme, report.micro, kappa, coders, used)


def _k(value: float) -> float:
    return round(value, 2) + 0.0  # no "-0.00" from rounding noise


def format_agreement(report: AgreementReport) -> str:
    """Plain-text tables: tagger vs reviewed per theme, then coder pairs."""
    if not report.texts:
        return "No reviewed texts yet: export a coding sheet (scenari nlp review export), fill it, import it."
    width = max([len("theme"), *(len(t) for t in report.themes)])
    lines = [
        f"tagger vs reviewed tags: {report.texts} texts",
        f"{'theme':<{width}}  {'prec':>5}  {'rec':>5}  {'kappa':>6}  {'rev':>4}  {'pred':>4}",
        "-" * (width + 34),
    ]
    for theme in report.themes:
        s = report.per_theme.get(theme, Scores(0, 0, 0))
        lines.append(
            f"{theme:<{width}}  {s.precision:5.2f}  {s.recall:5.2f}  {_k(report.kappa.get(theme, 0.0)):6.2f}"
            f"  {s.support:4d}  {s.tp + s.fp:4d}"
        )
    m = report.micro
    lines += ["-" * (width + 34), f"{'micro':<{width}}  {m.precision:5.2f}  {m.recall:5.2f}  {'':>6}  {m.support:4d}  {m.tp + m.fp:4d}"]
    if report.kappa:
        mean = sum(report.kappa.values()) / len(report.kappa)
        lines.append(f"{'mean kappa':<{width}}  {'':>5}  {'':>5}  {_k(mean):6.2f}")
    if not report.coders:
        lines.append("coder vs coder: no text coded by two coders yet")
    for pair in report.coders:
        lines.append(f"coder vs coder: {pair.coder_a} / {pair.coder_b}, {pair.texts} texts in common")
        for theme, value in pair.kappa.items():
            lines.append(f"  {theme:<{width}}  kappa {_k(value):5.2f}")
        if pair.kappa:
            lines.append(f"  {'mean kappa':<{width}}  {_k(sum(pair.kappa.values()) / len(pair.kappa)):5.2f}")
        else:
            lines.append("  (neither coder gave any theme to these texts)")
    return "\n".join(lines)


__all__ = [
    "AgreementReport",
    "CoderAgreement",
    "ImportResult",
    "ReviewSheetError",
    "export_review_sheet",
    "format_agreement",
    "import_review_sheet",
    "reviewed_agreement",
]
