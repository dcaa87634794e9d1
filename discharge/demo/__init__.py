"""Demo patients: realistic pathways a newcomer sees the moment the stack is up.

The demo publishes CloudEvents on ``events.<type>`` exactly as a hospital, LMV, a VC, a municipality
or a coordinator would. Their clinical times lie in the past relative to now, so the pathways (which
compute every deadline from clinical time) are at once in interesting states with the default
durations: an extension review due, an extension recorded, an overdue handover, an escalation ...

`patients.py` holds the patients' scripts (data), `loader.py` publishes them and paces the rounds.
"""
