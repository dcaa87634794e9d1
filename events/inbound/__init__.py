"""The inbound events of the contract: one pydantic model per CloudEvents ``type``.

Every event is a CloudEvents 1.0 envelope in JSON structured mode whose ``data`` is the model
for its ``type``; ``InboundEvent`` parses any of them through a discriminated union on ``type``.
The JSON Schema and AsyncAPI documents under ``docs/`` are generated from these classes.

``data`` holds each type's payload model, ``envelopes`` the CloudEvents envelope and the typed events,
``parsing`` turns raw bytes into an event (or a reason). Import each name from the module that defines it.
"""
