"""The coordinators of `bench/web.py` for Locust: each signs in once, then refreshes the inbox's live part
every 5 s (as the page's live.js does) and opens a patient's page every 30 s.

Run by `bench/web.py` as ``locust -f bench/web_locust.py --headless``; the patients whose pages are opened
are in the file named by ``BENCH_WEB_PATIENTS`` (one patient_key a line), the user to sign in as in
``BENCH_WEB_USER``. Every request is named by its page, so Locust's figures are per page.
"""

from __future__ import annotations

import os
import random
import time
from pathlib import Path

from locust import HttpUser, constant_pacing, task

INBOX_EVERY = 5.0
PATIENT_EVERY = 30.0


class Coordinator(HttpUser):
    wait_time = constant_pacing(1.0)

    def on_start(self) -> None:
        self.patients = Path(os.environ["BENCH_WEB_PATIENTS"]).read_text().split()
        self.next_inbox = time.monotonic() + random.uniform(0, INBOX_EVERY)  # not all at the same second
        self.next_patient = time.monotonic() + random.uniform(0, PATIENT_EVERY)
        self._sign_in(os.environ["BENCH_WEB_USER"])

    def _sign_in(self, hsa_id: str) -> None:
        """The real code flow at the development IdP, as a person clicks through it."""
        start = self.client.get("/auth/login?next=/", allow_redirects=False, name="sign-in")
        chosen = self.client.post(
            start.headers["location"], data={"sub": hsa_id}, allow_redirects=False, name="sign-in (IdP)"
        )
        self.client.get(chosen.headers["location"], allow_redirects=False, name="sign-in (callback)")

    @task
    def tick(self) -> None:
        now = time.monotonic()
        if now >= self.next_inbox:
            self.next_inbox += INBOX_EVERY
            self.client.get("/inbox/live", name="inbox")
        if now >= self.next_patient and self.patients:
            self.next_patient += PATIENT_EVERY
            self.client.get(f"/patients/{random.choice(self.patients)}", name="patient")
