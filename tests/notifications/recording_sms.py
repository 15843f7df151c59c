"""An SMS gateway for the worker-kill test, in the worker's process: every attempt is appended to
the file named by LOANHUB_TEST_SMS_OUTBOX (one JSON line: key, to, body), as a gateway's inbound log
would show it. An attempt whose body contains LOANHUB_TEST_SMS_STALL_ON touches the file named by
LOANHUB_TEST_SMS_MARKER after it was recorded (the gateway has the message; the row is not marked
sent yet) and then waits 60 s, so the test can kill the worker there."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path


class RecordingSmsBackend:
    def send(self, *, to: str, body: str, key: str = "") -> None:
        with Path(os.environ["LOANHUB_TEST_SMS_OUTBOX"]).open("a", encoding="utf-8") as outbox:
            outbox.write(json.dumps({"key": key, "to": to, "body": body}) + "\n")
        stall_on = os.environ.get("LOANHUB_TEST_SMS_STALL_ON")
        if stall_on and stall_on in body:
            Path(os.environ["LOANHUB_TEST_SMS_MARKER"]).touch()
            time.sleep(60)
