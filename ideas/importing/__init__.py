"""Bringing history from another idea platform: the neutral format (``neutral``) and adapters that
turn a platform's own export into it (``openideo`` is the example). See docs/import.md."""
