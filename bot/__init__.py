"""The running service: settings, CLI and transports (terminal, Telegram)."""
