"""The pathways page's search box: a personnummer (or other identity), a patient_key, an episode or a VC."""

from __future__ import annotations

import re
from dataclasses import dataclass

from discharge.i18n import gettext as _
from discharge.principal import Principal
from discharge.views.visibility import RUNNING, pathways_query, patient_query, quoted
from events.fields import HSA_ID_PATTERN
from events.identity import InvalidIdentity, is_patient_key, parse_identity, patient_key
from workers.web.access import may_see_identity, scoped
from workflows.names import WORKFLOW_TYPE

#: What a personnummer, samordningsnummer or reservnummer looks like (validated after): YYYYMMDD-NNNN, ...
_IDENTITY_SHAPE = re.compile(r"\d{8}-?[0-9A-Z]\d{3}")


class SearchRefused(Exception):
    pass


@dataclass(frozen=True)
class Search:
    query: str
    kind: str  # "all", "identity", "patient_key", "vardcentral", "episode"
    patient_key: str | None = None  # set when an identity was searched for (to audit it)


def build_search(text: str, principal: Principal, secret: str, *, by_identity: bool) -> Search:
    """The listing's query for ``text``; an identity only when ``by_identity`` (the POSTed form)."""
    text = text.strip()
    if not text:
        return Search(scoped(RUNNING, principal), "all")
    if is_patient_key(text):
        return Search(scoped(patient_query(text), principal), "patient_key")
    if re.match(HSA_ID_PATTERN, text):
        return Search(scoped(pathways_query(vardcentral=text), principal), "vardcentral")
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
        return Search(scoped(patient_query(key), principal), "identity", key)
    try:
        episode = quoted(text)
    except ValueError:
        raise SearchRefused(
            _("search by personnummer, patient_key (pk_…), episode id or the vårdcentral's HSA-id")
        ) from None
    return Search(
        scoped(f"WorkflowType = {quoted(WORKFLOW_TYPE)} AND EpisodeId = {episode}", principal), "episode"
    )
