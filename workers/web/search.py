"""The pathways page's search box: a personnummer (or other identity), a patient_key, an episode or a VC.

What it finds is read from the read model (discharge/readmodel/listing.py, issue 26), within the signed-in
person's scope (workers/web/access.py); ``binding`` is what a page token is signed for
(workers/web/paging.py), so a "next page" link serves only the search and the scope it was made for.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from discharge.i18n import gettext as _
from discharge.principal import Principal
from discharge.readmodel.listing import Wanted
from discharge.views.visibility import SAFE_VALUE
from events.fields import HSA_ID_PATTERN
from events.identity import InvalidIdentity, is_patient_key, parse_identity, patient_key
from workers.web.access import may_see_identity, read_model_scope

#: What a personnummer, samordningsnummer or reservnummer looks like (validated after): YYYYMMDD-NNNN, ...
_IDENTITY_SHAPE = re.compile(r"\d{8}-?[0-9A-Z]\d{3}")


class SearchRefused(Exception):
    pass


@dataclass(frozen=True)
class Search:
    wanted: Wanted
    kind: str  # "all", "identity", "patient_key", "vardcentral", "episode"
    binding: str  # the search and the scope, never an identity: what a page token is signed for
    patient_key: str | None = None  # set when an identity was searched for (to audit it)


def _search(kind: str, wanted: Wanted, principal: Principal, identity_key: str | None = None) -> Search:
    # An identity's search and its patient_key's are one search: its next-page link (GET) carries the key.
    phases, unit = read_model_scope(principal)
    found = f"{wanted.patient_key or ''}|{wanted.episode_id or ''}|{wanted.vardcentral or ''}"
    binding = f"{found}|{','.join(phases or ())}|{unit or ''}"
    return Search(wanted, kind, binding, identity_key)


def build_search(text: str, principal: Principal, secret: str, *, by_identity: bool) -> Search:
    """The listing's search for ``text``; an identity only when ``by_identity`` (the POSTed form)."""
    text = text.strip()
    if not text:
        return _search("all", Wanted(), principal)
    if is_patient_key(text):
        return _search("patient_key", Wanted(patient_key=text), principal)
    if re.match(HSA_ID_PATTERN, text):
        return _search("vardcentral", Wanted(vardcentral=text), principal)
    if _IDENTITY_SHAPE.fullmatch(text.upper()):
        if not by_identity:
            # A link (GET) can be made by another site: it must never make a look-up in the person's name.
            raise SearchRefused(_("search by personnummer with the search form, not with a link"))
        if not may_see_identity(principal):
            raise SearchRefused(
                _("your role does not search by personnummer: use a patient_key or an episode")
            )
        try:
            key = patient_key(parse_identity(text), secret)
        except InvalidIdentity:
            # Never echo the number back: it may be a real personnummer.
            raise SearchRefused(_("not a valid personnummer, samordningsnummer or reservnummer")) from None
        return _search("identity", Wanted(patient_key=key), principal, key)
    if not SAFE_VALUE.fullmatch(text):  # an episode id is letters, digits and _.:/-
        raise SearchRefused(
            _("search by personnummer, patient_key (pk_…), episode id or the vårdcentral's HSA-id")
        )
    return _search("episode", Wanted(episode_id=text), principal)
