"""Every demo patient: the everyday pathways, then the corrections and the on-call specialist."""

from __future__ import annotations

from discharge.demo.corrections import CORRECTION_PATIENTS
from discharge.demo.patients import PATIENTS as EVERYDAY_PATIENTS, DemoPatient

PATIENTS: tuple[DemoPatient, ...] = (*EVERYDAY_PATIENTS, *CORRECTION_PATIENTS)
