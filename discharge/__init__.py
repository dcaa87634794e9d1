"""Discharge orchestrator: Region Halland physician-at-home pathway after discharge."""
