"""An email backend for the real-worker test: a slow mail server that writes one file per message.

- `REMINDER_TEST_SEND_DELAY_MS`: how long each message takes, like an SMTP conversation.
- `REMINDER_TEST_HOLD_AFTER`: once this many messages exist, every further send hangs
  before the message is accepted (a mail server that stopped answering) and leaves a
  `held-*` marker, so the test can SIGKILL the worker while each of its processes is
  mid-send.

A message counts as sent when its `.eml` file appears: it is written under a temporary
name and renamed, so the test never reads half a message.
"""

import os
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend

from cop_platform.settings.env import env_int

HOLD_SECONDS = 120


class EmailBackend(BaseEmailBackend):
    def __init__(self, *args, file_path=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.directory = Path(file_path or settings.EMAIL_FILE_PATH)
        self.delay = env_int("REMINDER_TEST_SEND_DELAY_MS", 0) / 1000
        self.hold_after = env_int("REMINDER_TEST_HOLD_AFTER", 0)

    def send_messages(self, email_messages):
        for message in email_messages:
            self._deliver(message)
        return len(email_messages)

    def _deliver(self, message) -> None:
        data = message.message().as_bytes(linesep="\n")
        name = uuid.uuid4().hex
        if self.hold_after and sum(1 for _ in self.directory.glob("*.eml")) >= self.hold_after:
            (self.directory / f"held-{os.getpid()}-{name}").touch()
            time.sleep(HOLD_SECONDS)
        time.sleep(self.delay)
        partial = self.directory / f".{name}.tmp"
        partial.write_bytes(data)
        os.replace(partial, self.directory / f"{name}.eml")
