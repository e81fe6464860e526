"""Reading a register file into checked rows, before anything is stored (storage.register).

Register files (CSV with ``,`` or ``;``, or XLSX, first sheet) have a header row with
``organisation`` and ``category`` and optionally ``code``, ``contact_person``, ``contact_email``
and ``language`` (Italian headers work too: organizzazione, categoria, codice, referente, email,
lingua). Categories are the codes of
:data:`storage.register.CATEGORIES` or their Italian/English labels. Every bad row is reported
at once (:class:`storage.register.RegisterError`), so an operator fixes the file in one pass.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

from .register import CATEGORIES, CODE_PATTERN, ActorRow, RegisterError

HEADERS = {
    "code": "code", "codice": "code",
    "organisation": "organisation", "organization": "organisation", "organizzazione": "organisation",
    "ente": "organisation", "name": "organisation", "nome": "organisation",
    "category": "category", "categoria": "category",
    "contact_person": "contact_person", "contact": "contact_person", "referente": "contact_person",
    "contact_email": "contact_email", "email": "contact_email", "e-mail": "contact_email", "mail": "contact_email",
    "posta_elettronica": "contact_email", "indirizzo_email": "contact_email",
    "language": "language", "lang": "language", "lingua": "language",
}
# Deliberately loose (the SMTP server is the judge): one @, something on each side, a dot after it.
EMAIL_PATTERN = re.compile(r"^[^@\s<>,;\\\"]+@[^@\s<>,;\\\"]+\.[^@\s<>,;\\\".]+$")


def read_register(path: Path) -> list[ActorRow]:
    """The rows of a register file; raises :class:`RegisterError` listing every bad row."""
    table = _xlsx_rows(path) if path.suffix.lower() in (".xlsx", ".xlsm") else _csv_rows(path)
    if not table:
        raise RegisterError([f"{path.name}: the file is empty"])
    header_line, header = table[0]
    columns = [HEADERS.get(str(cell or "").strip().lower().replace(" ", "_")) for cell in header]
    missing = [name for name in ("organisation", "category") if name not in columns]
    if missing:
        raise RegisterError([f"riga {header_line}: missing column(s) {', '.join(missing)} (header: {', '.join(map(str, header))})"])
    labels = _category_labels()
    rows: list[ActorRow] = []
    errors: list[str] = []
    for line, cells in table[1:]:
        record: dict[str, str] = {}
        for name, cell in zip(columns, cells):
            if name is not None:
                record[name] = " ".join(str(cell).split()) if cell is not None else ""
        if not any(record.values()):
            continue  # a blank line
        row, problems = _checked_row(record, line, labels)
        if problems:
            errors.append(f"riga {line}: " + "; ".join(problems))
        elif row is not None:
            rows.append(row)
    if errors:
        raise RegisterError(errors)
    return rows


def _category_labels() -> dict[str, str]:
    """A category's code, Italian or English label (folded) → its code."""
    labels = {code: code for code in CATEGORIES}
    for code, (it, en) in CATEGORIES.items():
        labels[it.casefold()] = code
        labels[en.casefold()] = code
    return labels


def _checked_row(record: dict[str, str], line: int, labels: dict[str, str]) -> tuple[ActorRow | None, list[str]]:
    """The row of one record, or what is wrong with it."""
    problems = []
    organisation = record.get("organisation", "")
    if not organisation:
        problems.append("organisation is empty")
    elif len(organisation) > 200:
        problems.append("organisation is longer than 200 characters")
    category = labels.get(record.get("category", "").casefold().replace(" ", "_")) or labels.get(
        record.get("category", "").casefold()
    )
    if category is None:
        problems.append(f"unknown category {record.get('category', '')!r} (known: {', '.join(CATEGORIES)})")
    code = record.get("code", "").lower() or None
    if code is not None and not CODE_PATTERN.match(code):
        problems.append(f"code {code!r} must be 1-24 characters a-z, 0-9, _ or - (starting with a letter or digit)")
    contact = record.get("contact_person") or None
    if contact is not None and len(contact) > 200:
        problems.append("contact_person is longer than 200 characters")
    email = (record.get("contact_email") or "").strip() or None
    if email is not None and (len(email) > 254 or not EMAIL_PATTERN.match(email)):
        problems.append(f"contact_email {email!r} is not an e-mail address")
    language = (record.get("language") or "").strip().lower() or None
    if language is not None and not re.fullmatch(r"[a-z]{2}", language):
        problems.append(f"language {language!r} must be a two-letter code (it, en)")
    if problems or category is None:
        return None, problems
    return ActorRow(code, organisation, category, contact, line, email, language), []


def _csv_rows(path: Path) -> list[tuple[int, list[Any]]]:
    content = path.read_text(encoding="utf-8-sig")
    first = content.splitlines()[0] if content.strip() else ""
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.reader(io.StringIO(content), delimiter=delimiter)
    return [(reader.line_num, row) for row in reader if any(cell.strip() for cell in row)]


def _xlsx_rows(path: Path) -> list[tuple[int, list[Any]]]:
    from openpyxl import load_workbook  # ~0.3 s of imports that only XLSX registers need

    sheet = load_workbook(path, read_only=True, data_only=True).worksheets[0]
    return [
        (number, list(row))
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1)
        if any(cell not in (None, "") for cell in row)
    ]
