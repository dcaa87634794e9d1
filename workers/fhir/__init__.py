"""`discharge fhir`: who holds the patient now, as a read-only FHIR R4 API (docs/fhir.md)."""
