"""Indicator 7's input: ``primarycare.patient_experience_reported`` (the patient's own experience).

LMV or the VC asks the patient how the support at home was and reports a score. A free-text
``comment`` may come with it (the sender's form has one); it is accepted so that such senders are not
refused, and dropped as it is validated: it is never forwarded to the pathway, stored or logged, because
free text about a patient can identify them and the indicator needs only the score.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field, field_validator

from events.fields import HsaId, PatientRef, StrictModel


class PatientExperienceReportedData(StrictModel):
    patient: PatientRef
    score: int = Field(ge=1, le=5, strict=True, description="1 = very poor ... 5 = very good")
    collected_by: HsaId
    comment: str | None = Field(
        None,
        max_length=4000,
        description="free text: accepted, never forwarded, stored or logged (always empty once received)",
    )

    @field_validator("comment", mode="after")
    @classmethod
    def _drop_comment(cls, value: Any) -> None:
        # Validated for its length (a sender learns of a wrong field), then forgotten at once.
        return None
