"""The channel-neutral application: what the bot does, whatever carries the messages."""
