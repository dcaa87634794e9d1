"""Demo patients for the hospital's corrections and the on-call specialist (issue 16), as data.

A discharge cancelled the same evening, a discharge time typed wrong and corrected, an admission
entered in error, and a doctor at home whose acute call to the on-call specialist goes unanswered.
Values of ``timedelta`` in a step's data are times "ago", like the steps' own times.
"""

from __future__ import annotations

from datetime import timedelta

from discharge.demo.patients import (
    HOSPITAL,
    LMV,
    LMV_DOCTOR,
    PAL,
    VC_ANDERSBERG,
    VC_CENTRUM,
    VC_VARBERG,
    DemoPatient,
    Step,
    _admitted,
    _d,
    _planned_high_risk,
    _risk,
    _src,
    personnummer,
)


def _consult(ago: timedelta, urgency: str) -> Step:
    data = {"party": "lmv", "requested_by": LMV_DOCTOR, "urgency": urgency}
    return Step(ago, "primarycare.consult_requested", _src(LMV), data)


CORRECTION_PATIENTS: tuple[DemoPatient, ...] = (
    DemoPatient(
        "discharge-cancelled",
        "joint_planning",
        personnummer("19061105", "318"),
        "high risk, discharge sent yesterday then cancelled (still on the ward): back in joint planning, "
        "LMV told to stop",
        [
            *_planned_high_risk("HS-DEMO-1012", VC_CENTRUM, admitted=4, discharged=1, home="own_home")[:-1],
            Step(_d(1, -2), "hospital.discharge_cancelled", HOSPITAL, {"episode_id": "HS-DEMO-1012"}),
        ],
    ),
    DemoPatient(
        "discharge-corrected",
        "lmv_support",
        personnummer("19030214", "429"),
        "high risk, discharge time typed a day late and corrected: support end, review and LMV moved",
        [
            *_planned_high_risk("HS-DEMO-1013", VC_ANDERSBERG, admitted=9, discharged=5, home="own_home"),
            Step(
                _d(4),
                "hospital.discharge_corrected",
                HOSPITAL,
                {"episode_id": "HS-DEMO-1013", "discharged_at": _d(6)},
            ),
        ],
    ),
    DemoPatient(
        "entered-in-error",
        "closed",
        personnummer("19020730", "531"),
        "admission entered in error after joint planning was asked for: withdrawn, not counted",
        [
            _admitted(_d(2), "HS-DEMO-1014", VC_VARBERG),
            _risk(_d(1, 6), "HS-DEMO-1014", "high"),
            Step(_d(1), "hospital.admission_cancelled", HOSPITAL, {"episode_id": "HS-DEMO-1014"}),
        ],
    ),
    DemoPatient(
        "consult-unanswered",
        "lmv_support",
        personnummer("19041017", "642"),
        "high risk at home: a non-acute consult answered yesterday; an acute one 2 hours ago "
        "unanswered: escalated to the on-call rota and the coordinator",
        [
            *_planned_high_risk("HS-DEMO-1015", VC_CENTRUM, admitted=7, discharged=3, home="own_home"),
            _consult(_d(1, 3), "non_acute"),
            Step(_d(1, 1), "hospital.consult_answered", HOSPITAL, {"answered_by": PAL}),
            _consult(_d(0, 2), "acute"),
        ],
    ),
)
