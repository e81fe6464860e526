"""XLSForm workbooks written the way the ODK and KoboToolbox documentation writes them.

Built with openpyxl, cell by cell, as an author in Excel would: three languages in
``label::Language (code)`` columns, non-repeating groups, a repeat, a three-level cascading
select through ``choice_filter``, calculations used by later questions and texts, ``range``,
``time``, metadata rows, ``${name}`` XPath everywhere.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook

L = ("Italiano (it)", "English (en)", "Français (fr)")


def _tri(column: str, it: str, en: str, fr: str) -> dict[str, str]:
    return {f"{column}::{L[0]}": it, f"{column}::{L[1]}": en, f"{column}::{L[2]}": fr}


SURVEY = [
    {"type": "start", "name": "start"},
    {"type": "end", "name": "end"},
    {"type": "note", "name": "welcome", **_tri("label", "Benvenuti all'indagine sulle famiglie.",
                                                "Welcome to the household survey.", "Bienvenue à l'enquête sur les ménages.")},
    {"type": "begin_group", "name": "respondent", "appearance": "field-list",
     **_tri("label", "Chi risponde", "About you", "À propos de vous")},
    {"type": "text", "name": "resp_name", "required": "yes",
     **_tri("label", "Come si chiama?", "What is your name?", "Comment vous appelez-vous ?")},
    {"type": "integer", "name": "resp_age", "required": "yes", "constraint": ". >= 18 and . <= 110",
     **_tri("label", "Quanti anni ha?", "How old are you?", "Quel âge avez-vous ?"),
     **_tri("constraint_message", "Tra 18 e 110 anni.", "Between 18 and 110.", "Entre 18 et 110 ans.")},
    {"type": "end_group", "name": "respondent"},
    {"type": "begin_group", "name": "location",
     **_tri("label", "Dove vive", "Where you live", "Où vous habitez")},
    {"type": "select_one region", "name": "region", "required": "yes",
     **_tri("label", "In quale regione?", "Which region?", "Quelle région ?")},
    {"type": "select_one province", "name": "province", "required": "yes", "choice_filter": "region=${region}",
     **_tri("label", "In quale provincia?", "Which province?", "Quelle province ?")},
    {"type": "select_one town", "name": "town", "required": "yes", "choice_filter": "province=${province}",
     **_tri("label", "In quale comune?", "Which town?", "Quelle commune ?")},
    {"type": "end_group", "name": "location"},
    {"type": "integer", "name": "hh_size", "required": "yes", "constraint": ". > 0 and . <= 20",
     **_tri("label", "Quante persone vivono in casa, lei compreso?", "How many people live in your home, you included?",
            "Combien de personnes vivent chez vous, vous compris ?"),
     **_tri("hint", "Un numero da 1 a 20.", "A number from 1 to 20.", "Un nombre de 1 à 20.")},
    {"type": "begin_repeat", "name": "members", "relevant": "${hh_size} > 1",
     **_tri("label", "Le altre persone", "The other people", "Les autres personnes")},
    {"type": "text", "name": "member_name", "required": "yes",
     **_tri("label", "Nome della persona", "The person's name", "Nom de la personne")},
    {"type": "integer", "name": "member_age", "required": "yes",
     **_tri("label", "Età di ${member_name}", "Age of ${member_name}", "Âge de ${member_name}")},
    {"type": "select_one yes_no", "name": "member_school", "required": "yes",
     "relevant": "${member_age} >= 6 and ${member_age} <= 18",
     **_tri("label", "Va a scuola?", "Does they go to school?", "Va-t-elle à l'école ?")},
    {"type": "end_repeat", "name": "members"},
    {"type": "calculate", "name": "listed", "calculation": "count(${members}) + 1"},
    {"type": "note", "name": "check_size", "relevant": "${listed} != ${hh_size}",
     **_tri("label", "Ha elencato ${listed} persone su ${hh_size}.", "You listed ${listed} of ${hh_size} people.",
            "Vous avez indiqué ${listed} personnes sur ${hh_size}.")},
    {"type": "select_multiple income", "name": "income_sources", "required": "yes",
     "constraint": "not(selected(., 'none') and count-selected(.) > 1)",
     **_tri("label", "Da dove viene il reddito della famiglia?", "Where does the household's income come from?",
            "D'où vient le revenu du ménage ?"),
     **_tri("constraint_message", "«Nessuno» va da solo.", "“None” goes alone.", "« Aucun » va seul.")},
    {"type": "decimal", "name": "monthly_income", "relevant": "not(selected(${income_sources}, 'none'))",
     "constraint": ". >= 0",
     **_tri("label", "Reddito mensile, in euro?", "Monthly income, in euro?", "Revenu mensuel, en euros ?")},
    {"type": "calculate", "name": "per_person",
     "calculation": "if(${monthly_income} != '', round(${monthly_income} div ${hh_size}), 0)"},
    {"type": "note", "name": "per_person_note", "relevant": "${per_person} > 0",
     **_tri("label", "Sono circa ${per_person} euro a persona.", "That is about ${per_person} euro per person.",
            "Cela fait environ ${per_person} euros par personne.")},
    {"type": "range", "name": "satisfaction", "required": "yes", "parameters": "start=1 end=5 step=1",
     **_tri("label", "Quanto è soddisfatto del quartiere?", "How satisfied are you with the neighbourhood?",
            "Êtes-vous satisfait du quartier ?")},
    {"type": "time", "name": "best_time", "required": "no",
     **_tri("label", "A che ora preferisce essere richiamato?", "When should we call back?", "Quand vous rappeler ?")},
    {"type": "text", "name": "comments", "required": "no", "relevant": "${satisfaction} <= 2",
     **_tri("label", "Che cosa non va?", "What is wrong?", "Qu'est-ce qui ne va pas ?")},
]

CHOICES = [
    ("region", "lom", ("Lombardia", "Lombardy", "Lombardie"), {}),
    ("region", "emr", ("Emilia-Romagna", "Emilia-Romagna", "Émilie-Romagne"), {}),
    ("province", "cr", ("Cremona", "Cremona", "Crémone"), {"region": "lom"}),
    ("province", "mi", ("Milano", "Milan", "Milan"), {"region": "lom"}),
    ("province", "pc", ("Piacenza", "Piacenza", "Plaisance"), {"region": "emr"}),
    ("town", "crema", ("Crema", "Crema", "Crema"), {"province": "cr"}),
    ("town", "soresina", ("Soresina", "Soresina", "Soresina"), {"province": "cr"}),
    ("town", "rho", ("Rho", "Rho", "Rho"), {"province": "mi"}),
    ("town", "bobbio", ("Bobbio", "Bobbio", "Bobbio"), {"province": "pc"}),
    ("yes_no", "yes", ("Sì", "Yes", "Oui"), {}),
    ("yes_no", "no", ("No", "No", "Non"), {}),
    ("income", "work", ("Lavoro", "Work", "Travail"), {}),
    ("income", "pension", ("Pensione", "Pension", "Retraite"), {}),
    ("income", "benefits", ("Sussidi", "Benefits", "Aides"), {}),
    ("income", "none", ("Nessuno", "None", "Aucun"), {}),
]

SETTINGS = {"form_title": "Indagine sulle famiglie", "form_id": "famiglie", "version": "2026120101",
            "default_language": L[0], "scenari_title::English (en)": "Household survey",
            "scenari_title::Français (fr)": "Enquête sur les ménages"}


def write_sheet(sheet, rows: list[dict[str, str]]) -> None:
    columns: dict[str, None] = {}
    for row in rows:
        columns.update(dict.fromkeys(row))
    sheet.append(list(columns))
    for row in rows:
        sheet.append([row.get(column, "") for column in columns])


def household_form(path: Path, survey: list[dict[str, str]] | None = None, settings: dict[str, str] | None = None) -> Path:
    """The household survey (or ``survey`` rows instead) as an .xlsx file at ``path``."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "survey"
    write_sheet(sheet, survey if survey is not None else SURVEY)
    choices = [
        {"list_name": name, "name": value, **{f"label::{L[i]}": text for i, text in enumerate(labels)}, **extra}
        for name, value, labels, extra in CHOICES
    ]
    write_sheet(workbook.create_sheet("choices"), choices)
    write_sheet(workbook.create_sheet("settings"), [settings if settings is not None else SETTINGS])
    workbook.save(path)
    return path


def import_household(folder: Path) -> Path:
    """Write the household workbook in ``folder`` and import it as an author does, with
    `scenari questionnaires import`, into ``folder/questionnaires``: the folder a deployment's
    SCENARI_QUESTIONNAIRES_DIR names to serve it beside the plan's own questionnaires."""
    from tests.support.cli import scenari

    questionnaires = folder / "questionnaires"
    folder.mkdir(parents=True, exist_ok=True)
    form = household_form(folder / "famiglie.xlsx")
    result = scenari("questionnaires", "import", str(form), "--out", str(questionnaires / "famiglie.yaml"))
    assert result.returncode == 0, result.stderr
    return questionnaires
