"""The e-mail channel (issue 19): invitations and reminders to the register's contacts, over SMTP.

A transport beside :mod:`bot.telegram` and :mod:`bot.web`: :mod:`bot.mail.sender` delivers the
outbox's e-mail rows (queued by :mod:`bot.service.mailing`) through aiosmtplib. People answer in
the browser, from the link; nothing is read from a mailbox.
"""
