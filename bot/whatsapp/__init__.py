"""The WhatsApp Cloud API channel (issue 19): the same conversation service as Telegram, the web and the terminal.

* :mod:`.webhook` — Meta's webhook: the GET verification, the POST checked against
  X-Hub-Signature-256, each message handled once (by its id) and its reply queued in the
  answer's own transaction before the webhook is acknowledged;
* :mod:`.chat` — what a message or a pressed button means to the conversation service;
* :mod:`.render` — the service's messages as Cloud API messages: reply buttons (≤ 3), lists
  (≤ 10 rows), longer lists paged and searchable by typing, numbered lists for multiple choices;
* :mod:`.sender` — the outbox's WhatsApp rows sent exactly once (storage.outbox.whatsapp), the
  24-hour window respected (templates outside it), reminders of idle runs;
* :mod:`.texts` — the channel's own words, Italian first.

docs/whatsapp.md tells an operator how to set it up.
"""
