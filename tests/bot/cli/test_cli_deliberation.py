"""`scenari statements …` and `scenari round …` as an operator runs them (the installed command)."""

from __future__ import annotations

from pathlib import Path

from tests.support.cli import query, scenari


def test_cli_deliberation_statements_and_a_round(tmp_path: Path) -> None:
    db = tmp_path / "scenari.db"
    added = scenari("statements", "add", "Più piste ciclabili sicure verso le scuole", db=db)
    assert added.returncode == 0, added.stderr
    assert "Added #1 (approved)" in added.stdout
    dup = scenari("statements", "add", "Piste ciclabili più sicure verso le scuole", db=db)
    assert "near-duplicate of #1" in dup.stdout
    merged = scenari("statements", "merge", "2", "1", db=db)
    assert merged.returncode == 0 and "Merged #2 into #1 (0 votes moved)" in merged.stdout
    assert scenari("statements", "add", "x" * 141, db=db).returncode == 2
    query(db, "INSERT INTO statements (text, status, source, lemmas, created_at) "
              "VALUES ('Un mercato contadino ogni sabato', 'pending', 'participant', '', '2026-01-01')")
    listed = scenari("statements", "list", "--status", "pending", db=db)
    assert "#3" in listed.stdout and "pending" in listed.stdout and "1 statements" in listed.stdout
    approved = scenari("statements", "approve", "3", "--text", "Un mercato contadino in piazza ogni sabato", db=db)
    assert "Approved #3: Un mercato contadino in piazza ogni sabato" in approved.stdout
    assert query(db, "SELECT original_text FROM statements WHERE id = 3") == [("Un mercato contadino ogni sabato",)]
    assert "Rejected #3" in scenari("statements", "reject", "3", db=db).stdout
    assert scenari("statements", "propose", db=db).stdout.startswith("Proposed 0 statements")

    opened = scenari("round", "open", "giugno", "--segment", "lang=it", "--until", "2099-06-30 18:00",
                     "--min-votes", "4", db=db)
    assert opened.returncode == 0, opened.stderr
    assert "Opened round #1 'giugno' for lang=it (1 approved statements)" in opened.stdout
    assert "Invited 0 participants" in opened.stdout
    assert scenari("round", "open", "giugno", db=db).returncode == 2  # the name is taken
    status = scenari("round", "status", "giugno", db=db)
    assert "'giugno' open" in status.stdout and "min votes 4, per category 3" in status.stdout
    closed = scenari("round", "close", "giugno", db=db)
    assert "Closed round 'giugno'" in closed.stdout and "0 personal summaries" in closed.stdout
    assert "'giugno' closed" in scenari("round", "status", db=db).stdout
