"""Fuzzing the JSON API and the form endpoints with hypothesis: whatever arrives, never a 500.

One app on a SQLite database with the hand-made city, one logged-in analyst and one citizen
with a session; hypothesis throws paths, query strings, headers, tokens and form bodies at
them (valid CSRF tokens too, so the requests get past the gate and into the handlers). Bounded:
a few hundred requests in total, about 20 s.
"""

from __future__ import annotations

import asyncio
import re
import time
from pathlib import Path
from urllib.parse import quote

import httpx
from hypothesis import HealthCheck, given, settings, strategies as st

from bot.settings import Settings
from bot.web import create_app
from bot.web.auth import hash_password, new_token
from storage import Database, analysts, upgrade_database
from tests.support.convergence_city import build_city

PASSWORD = "a long analyst password"
FUZZ = settings(max_examples=350, deadline=None, database=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])

text = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=80)
names = st.one_of(st.sampled_from(["convergence", "visions", "activity", "quotes", "README", "..", "%00", ""]), text)
field_names = st.sampled_from(["csrf", "username", "password", "table", "choice", "text", "action", "selected",
                               "key", "run", "consent", "start", "lang", "next", "confirm", "go"])
forms = st.lists(st.tuples(field_names, text), max_size=8)


def test_no_request_gets_a_500(tmp_path: Path):
    loop = asyncio.new_event_loop()
    db = Database(f"sqlite+aiosqlite:///{tmp_path / 'fuzz.db'}")
    token, digest = new_token()

    async def setup() -> tuple[httpx.AsyncClient, httpx.AsyncClient, httpx.AsyncClient, dict[str, str]]:
        await upgrade_database(db)
        await build_city(db)
        async with db.transaction() as session:
            await analysts.add_analyst(session, "anna", hash_password(PASSWORD))
            await analysts.set_token_hash(session, "anna", digest)
        app = create_app(Settings(SCENARI_SECRET_KEY="fuzz-secret-key-0123456789abcdef"), db,  # type: ignore[call-arg]
                         key_file=tmp_path / "k")
        transport = httpx.ASGITransport(app=app)
        analyst = httpx.AsyncClient(transport=transport, base_url="http://scenari.test")
        citizen = httpx.AsyncClient(transport=transport, base_url="http://scenari.test")
        anonymous = httpx.AsyncClient(transport=transport, base_url="http://scenari.test")
        login = await analyst.get("/analisi/accesso")
        csrf = re.search(r'name="csrf" value="([^"]+)"', login.text).group(1)  # type: ignore[union-attr]
        await analyst.post("/analisi/accesso", data={"csrf": csrf, "username": "anna", "password": PASSWORD})
        dashboard = await analyst.get("/analisi")
        acsrf = re.search(r'action="/analisi/pubblica">\s*<input type="hidden" name="csrf" value="([^"]+)"',
                          dashboard.text).group(1)  # type: ignore[union-attr]
        page = await citizen.get("/q/visione")
        ccsrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)  # type: ignore[union-attr]
        await citizen.post("/q/visione", data={"csrf": ccsrf, "consent": "yes"})
        return analyst, citizen, anonymous, {"analyst": acsrf, "citizen": ccsrf, "login": csrf}

    analyst, citizen, anonymous, tokens = loop.run_until_complete(setup())
    seen: dict[int, int] = {}

    def send(client: httpx.AsyncClient, method: str, path: str, **kwargs: object) -> httpx.Response:
        response = loop.run_until_complete(client.request(method, path, **kwargs))  # type: ignore[arg-type]
        seen[response.status_code] = seen.get(response.status_code, 0) + 1
        assert response.status_code < 500, (method, path, kwargs, response.status_code, response.text[:300])
        return response

    started = time.monotonic()
    try:
        @FUZZ
        @given(name=names, query=text, auth=st.one_of(st.none(), text, st.just(f"Bearer {token}"),
                                                      text.map(lambda t: "Bearer " + t)))
        def api(name: str, query: str, auth: str | None) -> None:
            headers = {"authorization": auth.encode("utf-8")} if auth else {}
            for path in (f"/api/tables/{quote(name, safe='')}", f"/api/tables?{quote(query)}", "/api/openapi.json",
                         f"/api/{quote(name, safe='/')}"):
                send(anonymous, "GET", path, headers=headers)
            send(analyst, "GET", f"/api/tables/{quote(name, safe='')}")

        @FUZZ
        @given(section=names, fmt=names, query=text)
        def dashboard_pages(section: str, fmt: str, query: str) -> None:
            send(analyst, "GET", f"/analisi/{quote(section, safe='')}?{quote(query)}")
            send(analyst, "GET", f"/analisi/scarica/{quote(section, safe='')}.{quote(fmt, safe='')}")
            send(anonymous, "GET", f"/risultati?{quote(query)}")

        @FUZZ
        @given(fields=forms, csrf=st.sampled_from(["analyst", "citizen", "login", "none"]),
               path=st.sampled_from(["/analisi/pubblica", "/analisi/accesso", "/q/visione", "/q/imprese", "/lingua",
                                     "/privacy", "/q/ascolto?t=abc"]),
               content_type=st.sampled_from(["application/x-www-form-urlencoded", "multipart/form-data", "text/plain",
                                             "application/json"]))
        def form_posts(fields: list[tuple[str, str]], csrf: str, path: str, content_type: str) -> None:
            data = list(fields) + ([("csrf", tokens[csrf])] if csrf != "none" else [])
            body = "&".join(f"{quote(k)}={quote(v)}" for k, v in data).encode()
            client = analyst if path.startswith("/analisi") and path != "/analisi/accesso" else citizen
            send(client, "POST", path, content=body, headers={"content-type": content_type})

        api()
        dashboard_pages()
        form_posts()
    finally:
        async def close() -> None:
            for client in (analyst, citizen, anonymous):
                await client.aclose()
            await db.dispose()

        loop.run_until_complete(close())
        loop.close()
    elapsed = time.monotonic() - started
    assert sum(seen.values()) > 500, seen
    print(f"fuzz: {sum(seen.values())} requests in {elapsed:.1f} s, statuses {dict(sorted(seen.items()))}")
