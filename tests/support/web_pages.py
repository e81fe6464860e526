"""A tiny browser for the web channel's plain HTML forms: read a page, fill and submit its forms.

It does what a browser with JavaScript off does: it sends the fields a form holds (hidden
inputs, the ticked checkboxes, the typed text and the name/value of the pressed button) with
the cookies the site set, and follows the redirect.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser

import httpx


@dataclass
class Button:
    name: str
    value: str
    text: str = ""


@dataclass
class Checkbox:
    name: str
    value: str
    id: str
    checked: bool
    label: str = ""


@dataclass
class Form:
    action: str
    method: str
    hidden: dict[str, str] = field(default_factory=dict)
    buttons: list[Button] = field(default_factory=list)
    checkboxes: list[Checkbox] = field(default_factory=list)
    fields: list[str] = field(default_factory=list)  # text inputs and textareas, by name

    def button(self, text: str) -> Button:
        for button in self.buttons:
            if button.text == text:
                return button
        raise LookupError(f"no button {text!r}; buttons: {[b.text for b in self.buttons]}")


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.labels: dict[str, str] = {}
        self._form: Form | None = None
        self._button: Button | None = None
        self._label_for: str | None = None
        self._label_text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            self._form = Form(a.get("action", ""), a.get("method", "get").lower())
            self.forms.append(self._form)
        elif tag == "input" and self._form is not None:
            kind = a.get("type", "text")
            if kind == "hidden":
                self._form.hidden[a["name"]] = a.get("value", "")
            elif kind == "checkbox":
                self._form.checkboxes.append(Checkbox(a["name"], a.get("value", "on"), a.get("id", ""), "checked" in a))
            elif kind in ("text", "number", "date"):
                self._form.fields.append(a["name"])
        elif tag == "textarea" and self._form is not None:
            self._form.fields.append(a["name"])
        elif tag == "button" and self._form is not None:
            self._button = Button(a.get("name", ""), a.get("value", ""))
            self._form.buttons.append(self._button)
        elif tag == "label" and "for" in a:
            self._label_for, self._label_text = a["for"], []

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "button" and self._button is not None:
            self._button.text = " ".join(self._button.text.split())
            self._button = None
        elif tag == "label" and self._label_for is not None:
            self.labels[self._label_for] = " ".join("".join(self._label_text).split())
            self._label_for = None

    def handle_data(self, data: str) -> None:
        if self._button is not None:
            self._button.text += data
        if self._label_for is not None:
            self._label_text.append(data)


@dataclass
class Page:
    response: httpx.Response

    @property
    def html(self) -> str:
        return self.response.text

    @property
    def status(self) -> int:
        return self.response.status_code

    @property
    def text(self) -> str:
        """The visible text of <main>, tags stripped, whitespace collapsed."""
        match = re.search(r"<main\b.*?</main>", self.html, re.S)
        body = match.group(0) if match else self.html
        return " ".join(unescape(re.sub(r"<[^>]+>", " ", body)).split())

    @property
    def lang(self) -> str:
        match = re.search(r'<html lang="([^"]+)"', self.html)
        return match.group(1) if match else ""

    def forms(self) -> list[Form]:
        parser = _Parser()
        parser.feed(self.html)
        for form in parser.forms:
            for box in form.checkboxes:
                box.label = parser.labels.get(box.id, "")
        return parser.forms

    def question_form(self) -> Form:
        """The form of the current question (or consent, or start): the one after the thread."""
        current = self.html.split('id="domanda"', 1)
        if len(current) != 2:
            raise LookupError(f"no current question on the page: {self.text[:500]}")
        sub = Page(httpx.Response(200, text=current[1]))
        return sub.forms()[0]

    @property
    def question(self) -> str:
        """The text of the current question (legend or label)."""
        match = re.search(r'id="domanda".*?<(legend|label for="answer")[^>]*>(.*?)</(legend|label)>', self.html, re.S)
        return " ".join(unescape(match.group(2)).split()) if match else ""

    @property
    def errors(self) -> list[str]:
        return [" ".join(unescape(re.sub(r"<[^>]+>", " ", m)).split())
                for m in re.findall(r'class="field-error"[^>]*>(.*?)</div>', self.html, re.S)]


def asgi_client(app: object) -> httpx.AsyncClient:
    """An httpx client talking to the ASGI ``app`` in this event loop (no server, no sockets)."""
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://scenari.test", follow_redirects=True  # type: ignore[arg-type]
    )


#: The password the web tests give their analyst accounts.
ANALYST_PASSWORD = "correct horse battery staple"


def csrf_of(html: str, action: str) -> str:
    """The CSRF token of the form on ``html`` that posts to ``action``."""
    match = re.search(rf'action="{re.escape(action)}"[^>]*>\s*<input type="hidden" name="csrf" value="([^"]+)"', html)
    assert match, f"no form posting to {action}"
    return match.group(1)


async def log_in(client: httpx.AsyncClient, username: str = "anna", password: str = ANALYST_PASSWORD) -> httpx.Response:
    """Log an analyst in through the dashboard's login form, as a browser would."""
    page = await client.get("/analisi/accesso")
    return await client.post("/analisi/accesso", data={
        "csrf": csrf_of(page.text, "/analisi/accesso"), "username": username, "password": password})


class WebUser:
    """One browser (one cookie jar) answering through the forms, JavaScript off."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client
        self.page: Page | None = None

    async def get(self, path: str) -> Page:
        self.page = Page(await self.client.get(path))
        return self.page

    async def submit(self, form: Form, extra: dict[str, str | list[str]] | None = None) -> Page:
        data: dict[str, str | list[str]] = dict(form.hidden)
        data.update(extra or {})
        self.page = Page(await self.client.post(form.action, data=data))
        return self.page

    async def press(self, label: str) -> Page:
        """Press a button of the current question's form by its visible text."""
        assert self.page is not None
        form = self.page.question_form()
        button = form.button(label)
        return await self.submit(form, {button.name: button.value})

    async def type(self, text: str) -> Page:
        assert self.page is not None
        form = self.page.question_form()
        return await self.submit(form, {form.fields[0]: text, "action": "answer"})

    async def tick(self, *labels: str) -> Page:
        """Tick exactly these checkboxes (by label) and confirm."""
        assert self.page is not None
        form = self.page.question_form()
        wanted = [box.value for box in form.checkboxes if box.label in labels]
        assert len(wanted) == len(labels), f"labels {labels} not all among {[b.label for b in form.checkboxes]}"
        return await self.submit(form, {"selected": wanted, "action": "done"})

    def cookie(self, name: str) -> str | None:
        return self.client.cookies.get(name)
