"""The pathways listing's ``?page=`` token: where the next page starts, signed by us and bound to the search.

A token the page did not hand out (typed, truncated, taken from another search or scope) is refused at once
with a 400, before anything is read. (The listing paged through Temporal's visibility before issue 26, whose
own answer to a garbled token was an error after its retries; it now pages through the read model, and the
token carries the last row's place in the listing's order: workers/web/data.py.)
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

from discharge.i18n import N_, gettext as _

_SEPARATOR = "."
_MAC_BYTES = 16


NOT_A_PAGE = N_("not a page of this listing: start again from the first page")


class PageRefused(Exception):
    pass


def _mac(raw: bytes, query: str, secret: str) -> bytes:
    message = hashlib.sha256(query.encode("utf-8")).digest() + raw
    return hmac.new(secret.encode("utf-8"), b"page:" + message, hashlib.sha256).digest()[:_MAC_BYTES]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode("ascii").rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def page_token(raw: bytes | None, query: str, secret: str) -> str | None:
    """The link's token for the next-page position ``raw`` of ``query`` (None: no next page)."""
    if not raw:
        return None
    return _b64(raw) + _SEPARATOR + _b64(_mac(raw, query, secret))


def next_page(token: str | None, query: str, secret: str) -> bytes | None:
    """The next-page position from a link's ``token``; ``PageRefused`` for any we did not hand out."""
    if not token:
        return None
    body, _sep, mac = token.partition(_SEPARATOR)
    try:
        raw, sent = _unb64(body), _unb64(mac)
    except (binascii.Error, ValueError):
        raise PageRefused(_(NOT_A_PAGE)) from None
    if not raw or not hmac.compare_digest(sent, _mac(raw, query, secret)):
        raise PageRefused(_(NOT_A_PAGE))
    return raw
