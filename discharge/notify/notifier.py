"""From an outbound event to the e-mails it causes: who needs it, who opted in, who was not told lately.

One e-mail per person per ``interval`` at most: a burst of events (a morning's escalations, a late history)
gives one "something new" e-mail, not one per event; the page shows them all.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

from discharge.notify.audience import audience
from discharge.notify.mail import message
from discharge.notify.optins import OptIns

Send = Callable[[EmailMessage], Awaitable[None]]
#: At most one e-mail per person this often.
DEFAULT_INTERVAL = timedelta(minutes=15)


@dataclass
class Notifier:
    optins: OptIns
    send: Send
    sender: str
    link: str
    interval: timedelta = DEFAULT_INTERVAL

    async def handle(self, document: Mapping[str, Any], now: datetime) -> int:
        """Send what ``document`` causes; the number of e-mails sent."""
        sent = 0
        for wanted in audience(document):
            for person in self.optins.matching(wanted.role, wanted.unit):
                if person.last_sent_at is not None and now - person.last_sent_at < self.interval:
                    continue
                await self.send(message(self.sender, person.email, self.link))
                self.optins.mark_sent(person.hsa_id, now)
                sent += 1
        return sent
