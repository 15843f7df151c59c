"""A credit bureau that answers slowly, for the worker-kill test: a worker started with
LOANHUB_CREDIT_BUREAU=tests.applications.slow_bureau.SlowBureau touches the file named by
LOANHUB_TEST_BUREAU_MARKER when a scoring has reached the bureau (inside the scoring transaction,
the request locked) and then waits LOANHUB_TEST_BUREAU_SECONDS before answering as the local one."""

from __future__ import annotations

import os
import time
from pathlib import Path

from risk.bureau import BureauReport, LocalCreditBureau


class SlowBureau(LocalCreditBureau):
    def fetch(self, *, id_number: str) -> BureauReport:
        Path(os.environ["LOANHUB_TEST_BUREAU_MARKER"]).touch()
        time.sleep(float(os.environ.get("LOANHUB_TEST_BUREAU_SECONDS", "60")))
        return super().fetch(id_number=id_number)
