"""The ACK (original acknowledgment mode) of one message: ``MSA-1`` AA, AE or AR, ``MSA-2`` = its ``MSH-10``.

AE and AR carry the reason in ``MSA-3`` (text message) and an ``ERR`` segment (v2.5: ERR-2 the location,
ERR-3 the code from HL7 table 0357, ERR-4 severity ``E``, ERR-8 the reason for a person). The reason never
quotes a value of the message: it names the field and the rule. Written with the standard separators
(``|^~\\&``) and our text escaped, so a reason can never break the ACK's own structure.
"""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

#: HL7 table 0357 codes used here, with their names.
ERROR_NAMES = {
    "100": "Segment sequence error",
    "101": "Required field missing",
    "102": "Data type error",
    "103": "Table value not found",
    "200": "Unsupported message type",
    "201": "Unsupported event code",
    "207": "Application internal error",
}
_ESCAPES = str.maketrans(
    {"\\": "\\E\\", "|": "\\F\\", "^": "\\S\\", "&": "\\T\\", "~": "\\R\\", "\r": " ", "\n": " "}
)
_SEQUENCE = itertools.count(1)
APPLICATION = "DISCHARGE"
#: MSA-3 is 80 characters in v2.3-v2.5: longer text goes in ERR-8 only.
MSA_TEXT_LIMIT = 80


def escape(text: str) -> str:
    return text.translate(_ESCAPES)


def copied(field: str) -> str:
    """A field of the message copied as it was sent (already HL7 text), minus what would end it."""
    return field.replace("|", "").replace("\r", "").replace("\n", "")


def ack(
    *,
    code: str,
    control_id: str,
    trigger: str = "",
    receiving: tuple[str, str] = ("", ""),
    version: str = "2.5",
    reason: str = "",
    error_code: str = "207",
    location: str = "",
) -> bytes:
    """The ACK's bytes (segments ending in ``\\r``), ready for MLLP framing; ``receiving`` is the message's
    own MSH-3 and MSH-4 as sent."""
    now = datetime.now(UTC).strftime("%Y%m%d%H%M%S+0000")
    own_id = f"ACK{now[:14]}{next(_SEQUENCE):06d}"
    msh = "|".join(
        [
            "MSH",
            "^~\\&",
            APPLICATION,
            "",
            copied(receiving[0]),
            copied(receiving[1]),
            now,
            "",
            f"ACK^{escape(trigger)}^ACK" if trigger else "ACK",
            own_id,
            "P",
            escape(version) or "2.5",
        ]
    )
    msa = ["MSA", code, escape(control_id)]
    segments = [msh]
    if reason:
        text = escape(reason)
        msa.append(text if len(text) <= MSA_TEXT_LIMIT else text[: MSA_TEXT_LIMIT - 3] + "...")
        segments.append("|".join(msa))
        error = f"{error_code}^{ERROR_NAMES.get(error_code, 'Error')}^HL70357"
        segments.append("|".join(["ERR", "", location, error, "E", "", "", "", text]))
    else:
        segments.append("|".join(msa))
    return ("\r".join(segments) + "\r").encode()
