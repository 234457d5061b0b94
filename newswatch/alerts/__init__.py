"""Alerts: tell the analyst when an on-topic story breaks or spreads, through Apprise.

    config.py  the alerts file (TOML): channels, their Apprise URLs, topics and modes
    select.py  what is due for a channel: new stories, stories that spread, digests
    render.py  what an alert says, in plain text and HTML
    send.py    recording before sending, sending, recording the result, retrying with back-off
"""
