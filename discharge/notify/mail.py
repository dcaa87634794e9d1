"""The notification e-mail, which says nothing about any patient, and sending it over SMTP.

The message is the same for every event and every person: a fixed subject, a fixed sentence and the web
page's address. Nothing in it (no patient key, no reason, no unit, no time of the event) tells a reader of
the mailbox, or of any mail server on the way, who the patient is or what happened: what is new is read
on the page, after signing in. Sent with the standard library's ``smtplib`` (STARTTLS when the server
offers it, or ``smtps://`` for TLS from the start), in a thread so the event loop goes on.
"""

from __future__ import annotations

import asyncio
import smtplib
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

SUBJECT = "Ny uppgift i utskrivningsstödet"
#: Seconds to wait for the SMTP server.
TIMEOUT = 20.0


def message(sender: str, to: str, link: str) -> EmailMessage:
    mail = EmailMessage()
    mail["Subject"] = SUBJECT
    mail["From"] = sender
    mail["To"] = to
    mail.set_content(
        "Hej!\n\n"
        "Något nytt väntar på dig i utskrivningsstödet (Läkarinsatser i hemmet efter utskrivning).\n"
        f"Logga in för att se det: {link}\n\n"
        "Meddelandet innehåller inga patientuppgifter. Du får det för att du har valt e-postaviseringar;\n"
        "du kan stänga av dem på sidan Aviseringar.\n"
    )
    return mail


def _send_now(url: str, mail: EmailMessage) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError("DISCHARGE_SMTP_URL must be smtp://host[:port] or smtps://host[:port]")
    port = parts.port or (465 if parts.scheme == "smtps" else 25)
    client_type = smtplib.SMTP_SSL if parts.scheme == "smtps" else smtplib.SMTP
    with client_type(parts.hostname, port, timeout=TIMEOUT) as smtp:
        if parts.scheme == "smtp":
            smtp.ehlo()
            if smtp.has_extn("starttls"):
                smtp.starttls()
                smtp.ehlo()
        if parts.username:
            smtp.login(unquote(parts.username), unquote(parts.password or ""))
        smtp.send_message(mail)


async def send(url: str, mail: EmailMessage) -> None:
    await asyncio.to_thread(_send_now, url, mail)
