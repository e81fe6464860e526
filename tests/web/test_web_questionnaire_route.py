"""/q/{qid} routed at the edge (bot/web/questionnaire_route.py): the same pages, headers and errors as through the router."""

from __future__ import annotations

import logging

import httpx
import pytest
from starlette.exceptions import HTTPException

from bot.web.edge import SECURITY_HEADERS
from tests.support.web_pages import WebUser, asgi_client


async def test_the_questionnaire_s_page_and_answers_carry_the_edge_s_headers(user: WebUser) -> None:
    page = await user.get("/q/visione")
    assert "Accetti di partecipare?" in page.html
    consented = await user.client.post("/q/visione", data={**page.forms()[-1].hidden, "consent": "yes"})
    assert consented.status_code == 200 and "quanti anni hai?" in consented.text
    for response in (page.response, consented, *consented.history):
        for name, value in SECURITY_HEADERS:
            assert response.headers.get(name.decode()) == value.decode(), (response.url, name)


async def test_paths_the_layer_leaves_to_the_router_answer_as_before(client: httpx.AsyncClient) -> None:
    head = await client.head("/q/visione")
    assert head.status_code == 200 and head.headers["content-type"].startswith("text/html")
    for path in ("/q/nessuno", "/q/", "/q/visione/altro"):  # unknown questionnaire, no id, deeper path
        missing = await client.get(path)
        assert missing.status_code == 404 and "Questa pagina non esiste" in missing.text, path
    put = await client.put("/q/visione", content=b"x")
    assert put.status_code == 405


async def test_a_failing_answer_gets_the_error_page_and_a_log_line(app, monkeypatch: pytest.MonkeyPatch,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    async def broken(*args: object, **kwargs: object) -> object:
        raise RuntimeError("the database went away")

    async def refused(*args: object, **kwargs: object) -> object:
        raise HTTPException(400, "no")

    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app, raise_app_exceptions=False),
                                 base_url="http://scenari.test") as client:
        user = WebUser(client)
        page = await user.get("/q/visione")
        monkeypatch.setattr(app.state.web, "checked_form", broken)
        with caplog.at_level(logging.ERROR, logger="scenari.web"):
            failed = await client.post("/q/visione", data={**page.forms()[-1].hidden, "consent": "yes"})
        assert failed.status_code == 500 and "qualcosa è andato storto dalla nostra parte" in failed.text
        assert dict(SECURITY_HEADERS)[b"x-frame-options"].decode() == failed.headers["x-frame-options"]
        assert any(record.getMessage() == "request failed" for record in caplog.records)
        monkeypatch.setattr(app.state.web, "checked_form", refused)
        bad = await client.post("/q/visione", data={"consent": "yes"})
        assert bad.status_code == 400 and "Il modulo è scaduto" in bad.text


async def test_a_second_app_routes_its_own_questionnaires(app, web_settings, db, tmp_path) -> None:
    """The layer holds its app's channel: two apps in one process do not answer for each other."""
    from bot.web import create_app

    other = create_app(web_settings, db, key_file=tmp_path / "other_key")
    async with asgi_client(app) as first, asgi_client(other) as second:
        a, b = WebUser(first), WebUser(second)
        await a.get("/q/visione")
        await b.get("/q/visione")
        assert (await a.press("Accetto")).question and (await b.press("Accetto")).question
