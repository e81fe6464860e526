"""Italian text tagging for Scenari: themes, keywords, evaluation, review.

Typical use::

    from nlp import load_pipeline, load_taxonomy, ThemeTagger
    tagger = ThemeTagger(load_pipeline(settings.spacy_model), load_taxonomy(settings.plan.taxonomy))
    result = tagger.tag("nn serve piu turismo, servono treni x Milano")
    result.theme_ids   # ['mobilita']; 'turismo_cultura' is in result.negated

Everything runs offline on ``spacy.blank("it")`` unless a full Italian
model is named (SCENARI_SPACY_MODEL). See docs/nlp.md.
"""

from .evaluation import (
    EvalItem,
    EvaluationReport,
    Scores,
    cohen_kappa,
    cohen_kappa_per_theme,
    evaluate,
    format_report,
    load_eval_items,
    score_predictions,
)
from .pipeline import PipelineError, build_offline_pipeline, has_vectors, load_pipeline
from .review import ReviewDecision, ReviewRow, ReviewSheetError, neutralize, read_review_sheet, write_review_sheet
from .tagger import TagResult, ThemeHit, ThemeTagger
from .taxonomy import (
    Taxonomy,
    TaxonomyError,
    Theme,
    load_taxonomy,
    parse_taxonomy,
    validate_taxonomy_file,
)
from .text import match_key, strip_accents

__all__ = [
    "EvalItem",
    "EvaluationReport",
    "PipelineError",
    "ReviewDecision",
    "ReviewRow",
    "ReviewSheetError",
    "Scores",
    "TagResult",
    "Taxonomy",
    "TaxonomyError",
    "Theme",
    "ThemeHit",
    "ThemeTagger",
    "build_offline_pipeline",
    "cohen_kappa",
    "cohen_kappa_per_theme",
    "evaluate",
    "format_report",
    "has_vectors",
    "load_eval_items",
    "load_pipeline",
    "load_taxonomy",
    "match_key",
    "neutralize",
    "parse_taxonomy",
    "read_review_sheet",
    "score_predictions",
    "strip_accents",
    "validate_taxonomy_file",
    "write_review_sheet",
]
