"""Outbound events: what the pathway tells LMV, the VC, on-call units and coordinators (``discharge.<type>``).

One pydantic model per outbound type, each the ``data`` of one CloudEvent (``source``
``urn:discharge-orchestrator``). Every ``data`` carries ``patient_key`` and ``episode_id``; the patient's
identity (``patient``) only where a receiver must act on it.

The interface, for the publisher, the read model, the web page and delivery to each receiver:

- ``names``: ``OutboundType`` (the short type names), ``OUTBOUND_TYPES``, ``EscalationReason``,
  ``OUTBOUND_SOURCE``.
- ``data``: ``OutboundData``, the base of every model (``RECEIVERS``, ``receivers()``, ``published()``);
  ``Receives``, ``Recipient``, ``Party``.
- ``pathway``, ``support``, ``handover``, ``escalation``: the models, e.g. ``HandoverRequested``; each names
  its ``TYPE``.
- ``catalogue``: ``OUTBOUND_MODELS`` (type → model), ``outbound_data(type, data)``.
- ``event``: ``OutboundEvent`` (``id``, ``type``, ``time``, typed ``data``; ``cloudevent()``,
  ``from_cloudevent()``) and ``OutboundPublisher``.

Receivers: each model declares, in the class attribute ``RECEIVERS``, a ``Receives(party, field, identity,
acts)`` per party: ``party`` is ``lmv`` (the LMV unit taking part), ``vardcentral`` (the listed vårdcentral),
``oncall`` (the on-call unit or rota a consult or a night-time concern is routed to) or ``coordination``
(the coordinators' inbox and the read model: no HSA-id, no delivery); ``field`` is the event's own field
that holds the party's HSA-id; ``identity`` whether the party needs the patient's identity; ``acts`` whether
the event asks it to act (its delivery awaits a receipt). ``event.data.receivers(lmv_unit=None)`` gives the
``Recipient``s of one event (``hsa_id``, ``party``, ``identity``, ``acts``): only parties the event holds an
HSA-id for and addresses (``to``, where a type has it, picks one party per event), each HSA-id once.
``lmv_unit`` (the region's, ``DISCHARGE_LMV_UNIT``) stands in for an event addressed to ``lmv`` that does
not name the LMV unit itself.
"""
