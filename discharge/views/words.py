"""The pathway's codes in the words people use, shared by the web page and the report.

English source words marked with ``N_`` for the catalogue (docs/translations.md); translate them where
they are shown, with ``label``.
"""

from __future__ import annotations

from discharge.i18n import N_, gettext as _

#: Escalation reasons (the contract's codes) in words.
REASONS = {
    "discharged_without_risk_assessment": N_("Utskrivning without a risk assessment"),
    "discharged_before_planning_complete": N_("Utskrivning before joint planning was complete"),
    "planning_not_confirmed": N_("Joint planning not confirmed by LMV or the vårdcentral"),
    "first_contact_overdue": N_("No LMV physician contact yet"),
    "extension_decision_overdue": N_("Extension decision overdue"),
    "handover_not_accepted": N_("The vårdcentral has not accepted the handover"),
    "municipal_concern": N_("The municipality raised a concern"),
    "consult_not_answered": N_("Consult with the beredskapsjour not answered"),
    "not_delivered": N_("Delivery not acknowledged by its receiver"),
    "delivery_rejected": N_("Delivery rejected by its receiver"),
}


def label(table: dict[str, str], code: str | None) -> str:
    """``code``'s words in the current language; an unknown code as itself, without underscores."""
    if code is None:
        return "–"
    known = table.get(code)
    return _(known) if known is not None else code.replace("_", " ")
