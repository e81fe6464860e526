"""Test support code: an in-process Telegram Bot API stand-in and simulated users.

See :mod:`fake_bot_api` (``FakeBotAPI``, ``SimulatedUser``).
"""
