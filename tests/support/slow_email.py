"""An e-mail backend for fault tests: writes a marker when sending starts, waits, then writes the
message atomically (rename), so a worker killed mid-send leaves no e-mail behind."""

import os
import time
from pathlib import Path

from django.core.mail.backends.base import BaseEmailBackend


class SlowFileBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        folder = Path(os.environ["SLOW_EMAIL_DIR"])
        folder.mkdir(parents=True, exist_ok=True)
        count = 0
        for message in email_messages:
            marker = folder / f"sending-{time.time_ns()}.marker"
            marker.write_text("started")
            time.sleep(float(os.environ.get("SLOW_EMAIL_SECONDS", "0")))
            temporary = folder / f".{time.time_ns()}.tmp"
            temporary.write_bytes(message.message().as_bytes())
            temporary.rename(folder / f"{time.time_ns()}.eml")
            count += 1
        return count
