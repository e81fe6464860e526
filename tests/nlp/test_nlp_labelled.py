"""Scoring on labelled real texts (`scenari nlp evaluate --dataset`), and the floor the rules must hold
on the sample of the development set kept in tests/data (indecis.it, CC BY 4.0)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from nlp.labelled import LabelledSetError, load_label_map, score_labels, simulated_review

DATA = Path(__file__).resolve().parents[1] / "data"
SAMPLE, MAP = DATA / "indecis_sample.csv", DATA / "indecis_map.yaml"
# Measured on the sample with the rules alone (taxonomy 2026.6: macro-F1 0.81, mean themes per text
# 1.14; 2026.5: 0.80 and 1.16; 2026.4: 0.79 and 1.23; 2026.3: 0.78 and 1.24; it was 0.69 and 1.42 when
# this floor was first set); the floor leaves ~0.05 of headroom.
MACRO_F1_FLOOR = 0.74
MEAN_THEMES_CEILING = 1.4


def _line(lines: list[str], start: str) -> list[str]:
    return next(line for line in lines if line.startswith(start)).split()


def test_the_rules_hold_their_floor_on_real_texts(capsys):
    code = main(["nlp", "evaluate", "--dataset", str(SAMPLE), "--label-column", "category", "--map", str(MAP)])
    out = capsys.readouterr().out
    assert code == 0, out
    lines = out.splitlines()
    assert "(250 texts, 8 mapped labels)" in lines[0]
    macro = _line(lines, "macro ")
    assert float(macro[-1]) >= MACRO_F1_FLOOR, out
    assert float(_line(lines, "mean themes per text")[-1]) <= MEAN_THEMES_CEILING, out
    assert _line(lines, "texts:")[1:] == ["250,", "of", "unmapped", "labels:", "65"]


def test_label_scoring_counts_like_score_py():
    mapping = {"Ambiente": ("ambiente",), "Economia": ("made_in_cremona", "mobilita")}
    labels = ["Ambiente", "Ambiente", "Economia", "Esteri", "Esteri"]
    predictions = [["ambiente"], [], ["mobilita", "ambiente"], ["giovani"], ["mobilita"]]
    report = score_labels(labels, predictions, mapping)
    assert (report.per_label["Ambiente"].tp, report.per_label["Ambiente"].fp, report.per_label["Ambiente"].fn) == (1, 1, 1)
    assert (report.per_label["Economia"].tp, report.per_label["Economia"].fp, report.per_label["Economia"].fn) == (1, 1, 0)
    assert report.macro_f1 == pytest.approx((0.5 + 2 / 3) / 2)
    assert report.unmapped_texts == 2 and report.unmapped_fp == 0.5  # "giovani" is not a mapped theme
    assert report.no_theme == 0.2 and report.mean_themes == 1.0


def test_a_simulated_reviewer_keeps_the_labels_themes_and_adds_the_main_one():
    mapping = {"Economia": ("made_in_cremona", "mobilita"), "Ambiente": ("ambiente",)}
    assert simulated_review("Economia", ["mobilita", "ambiente", "giovani"], mapping) == {"mobilita", "giovani"}
    assert simulated_review("Economia", ["ambiente"], mapping) == {"made_in_cremona"}
    assert simulated_review("Esteri", ["ambiente", "giovani"], mapping) == {"giovani"}


def test_a_bad_map_or_column_is_named_not_a_traceback(tmp_path, capsys, taxonomy):
    bad = tmp_path / "map.yaml"
    bad.write_text("Ambiente ed energia: [ambiente, verde_pubblico]\n", encoding="utf-8")
    with pytest.raises(LabelledSetError, match="unknown themes verde_pubblico"):
        load_label_map(bad, taxonomy)
    code = main(["nlp", "evaluate", "--dataset", str(SAMPLE), "--label-column", "categoria", "--map", str(MAP)])
    err = capsys.readouterr().err
    assert code == 2 and "no column 'categoria'" in err and "Traceback" not in err
    code = main(["nlp", "evaluate", "--dataset", str(SAMPLE), "--map", str(MAP)])
    assert code == 2 and "--dataset also needs --label-column" in capsys.readouterr().err
