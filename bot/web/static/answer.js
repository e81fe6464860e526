/* The questionnaire's page without a page load per answer (bot.web.citizen).

   Without this script the answer form is a plain POST → 303 → GET of the page, which works in
   every browser. With it, an answer is sent with fetch() asking for a fragment
   (X-Scenari-Fragment: answer): the server answers with what the answer changed — the question
   and answer now read back in the thread, and the next question's form — which is put into the
   page in place of the old form. Anything else the server sends (a whole page: the end of the
   questionnaire, "back", an error page) replaces the page's <main>; a redirect is followed as a
   navigation. If the request fails, the form is submitted the plain way.

   Reload and back stay safe: fetch() never puts the POST in the history, so a reload is a GET of
   the question the run stands at now and "back" leaves the questionnaire's page; an answer sent
   twice carries the question it answered, which the server refuses once that question is closed.
*/
(function () {
  "use strict";
  var busy = false;

  function focusQuestion(root) {
    var section = root.querySelector("#domanda");
    if (!section) return;
    var heading = section.querySelector("#domanda-h") || section;
    heading.focus({ preventScroll: true });
    section.scrollIntoView({ block: "start" });
  }

  function texts(list) {
    var seen = new Set();
    list.querySelectorAll(".bubble .text").forEach(function (node) { seen.add(node.textContent); });
    return seen;
  }

  function placeFragment(html) {
    var template = document.createElement("template");
    template.innerHTML = html;
    var fresh = template.content;
    var question = fresh.querySelector("#domanda");
    var current = document.getElementById("domanda");
    if (!question || !current) return false;
    var added = fresh.querySelector("section.conversation");
    var thread = document.querySelector("main ol.thread");
    if (added && added.querySelector(".bubble")) {
      if (thread) {
        var already = texts(thread);
        Array.prototype.slice.call(added.querySelectorAll("ol.thread > li")).forEach(function (item) {
          // a message said once (not part of the run's thread) is not repeated, as the page would not
          if (item.hasAttribute("data-once") && already.has(item.querySelector(".text").textContent)) return;
          item.removeAttribute("data-once");
          thread.appendChild(item);
        });
      } else {
        current.parentNode.insertBefore(added, current);
      }
    }
    current.replaceWith(question);
    focusQuestion(document);
    return true;
  }

  function placePage(html) {
    var page = new DOMParser().parseFromString(html, "text/html");
    var main = page.querySelector("main");
    if (!main) return false;
    document.title = page.title;
    document.querySelector("main").replaceWith(document.adoptNode(main));
    if (document.getElementById("domanda")) focusQuestion(document);
    else document.querySelector("main").focus();
    return true;
  }

  function plainly(form, submitter) {
    form.setAttribute("data-plain", "");
    if (form.requestSubmit) form.requestSubmit(submitter || undefined);
    else form.submit();
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.classList.contains("answer") || form.hasAttribute("data-plain")) return;
    if (!form.closest("#domanda") || !window.fetch || !window.URLSearchParams) return;
    event.preventDefault();
    if (busy) return;  // a double click sends one answer
    var submitter = event.submitter && event.submitter.form === form ? event.submitter : null;
    var body = new URLSearchParams();
    new FormData(form).forEach(function (value, name) { body.append(name, value); });
    if (submitter && submitter.name) body.append(submitter.name, submitter.value);
    busy = true;
    form.setAttribute("aria-busy", "true");
    // the attribute, not form.action: a field named "action" (the back and skip buttons) hides that property
    fetch(form.getAttribute("action") || window.location.pathname, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "X-Scenari-Fragment": "answer" },
    }).then(function (response) {
      if (response.redirected) {  // another page (e.g. the questionnaire a menu started)
        window.location.assign(response.url);
        return;
      }
      return response.text().then(function (html) {
        var placed = response.headers.get("X-Scenari-Fragment") === "answer" ? placeFragment(html) : placePage(html);
        if (!placed) { window.location.reload(); return; }
        // how many answers this page took in place: what a test (or an assistive script) can wait for,
        // since an answer put in place fires no page load
        var root = document.documentElement;
        root.setAttribute("data-answered", String((+root.getAttribute("data-answered") || 0) + 1));
      });
    }).catch(function () {
      plainly(form, submitter);
    }).finally(function () {
      busy = false;
      form.removeAttribute("aria-busy");
    });
  });
})();
