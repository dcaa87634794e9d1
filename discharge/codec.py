"""Temporal payloads encrypted with AES-256-GCM, so no history holds a readable identity.

Temporal stores every payload (workflow input, signals, activity arguments and results, memo,
summaries) and, with the encoded failure attributes, every failure message and stack trace. This codec
encrypts each payload whole (metadata and data) with the key ring's active key and records the key's
id in the outer payload's metadata; decoding looks the key up by that id, so a rotated ring still reads
old histories. Shape after Temporal's samples-python ``encryption/``.

Only someone holding the ring can act: a payload *not* encrypted with the ring (a signal or update sent
with Temporal access alone, e.g. `temporal workflow update` or the UI without our codec) decodes to a
payload of the encoding ``binary/refused-plaintext`` with no data, which no converter reads. The SDK then
rejects such an update, drops such a signal (logging it), and the pathway goes on; raising here instead
would fail every later workflow task of the pathway (the payload stays in its history), a stall anyone
with Temporal access could cause. Histories written before encryption are read only by the Replayer (a
replay writes nothing), with ``accept_plaintext=True`` (docs/operations.md, "Payload encryption").
"""

from __future__ import annotations

import copy
import dataclasses
import os
from collections.abc import Sequence
from typing import Self

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import (
    DataConverter,
    DefaultFailureConverterWithEncodedAttributes,
    PayloadCodec,
    SerializationContext,
    WithSerializationContext,
)

from discharge.keyring import KeyRing

ENCODING = b"binary/encrypted"
#: What a payload that the ring did not encrypt decodes to: nothing a converter reads.
REFUSED_PLAINTEXT = b"binary/refused-plaintext"
KEY_ID = "encryption-key-id"
#: The workflow a payload was sealed for (authenticated with it): what the codec server attributes by.
WORKFLOW_ID = "discharge-workflow-id"
NONCE_BYTES = 12


class PayloadDecryptError(ValueError):
    """A payload names a key the ring lacks, or was altered; never retried into success."""


def _associated_data(key_id: str, workflow_id: str | None) -> bytes:
    """What is authenticated beside the ciphertext: the key id, and the workflow when the payload names one
    (a payload cannot be relabelled to another key or another workflow; no key id starts with "wf")."""
    if workflow_id is None:
        return key_id.encode()
    return b"wf\0" + key_id.encode() + b"\0" + workflow_id.encode()


class EncryptionCodec(PayloadCodec, WithSerializationContext):
    """Seals payloads; with the SDK's serialization context it also seals in which workflow they belong.

    The workflow id goes in the outer metadata (``WORKFLOW_ID``, pseudonymous: ``pathway-<patient_key>``)
    and in the authenticated data, so the codec server can tell from a payload itself, not from anything
    its caller says, whose history is being read (workers/codec_server/app.py).
    """

    def __init__(self, ring: KeyRing, accept_plaintext: bool = False) -> None:
        self._ring = ring
        self._accept_plaintext = accept_plaintext  # replaying histories from before encryption only
        self._ciphers = {key_id: AESGCM(ring.key(key_id) or b"") for key_id in ring.keys}
        self._workflow_id: str | None = None

    def with_context(self, context: SerializationContext) -> EncryptionCodec:
        workflow_id = getattr(context, "workflow_id", None)
        if workflow_id == self._workflow_id:
            return self
        clone = copy.copy(self)
        clone._workflow_id = workflow_id if isinstance(workflow_id, str) else None
        return clone

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        key_id = self._ring.active
        cipher = self._ciphers[key_id]
        associated = _associated_data(key_id, self._workflow_id)
        metadata = {"encoding": ENCODING, KEY_ID: key_id.encode()}
        if self._workflow_id is not None:
            metadata[WORKFLOW_ID] = self._workflow_id.encode()
        encoded = []
        for payload in payloads:
            nonce = os.urandom(NONCE_BYTES)
            sealed = nonce + cipher.encrypt(nonce, payload.SerializeToString(), associated)
            encoded.append(Payload(metadata=metadata, data=sealed))
        return encoded

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.opened(payload)[0] for payload in payloads]

    def opened(self, payload: Payload) -> tuple[Payload, str | None]:
        """The payload decrypted, and the workflow it was sealed for (None: sealed without a context)."""
        if payload.metadata.get("encoding") != ENCODING:
            if self._accept_plaintext:
                return payload, None
            return Payload(metadata={"encoding": REFUSED_PLAINTEXT}), None
        key_id = payload.metadata.get(KEY_ID, b"").decode()
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise PayloadDecryptError(f"payload encrypted with key {key_id!r}, which is not in the key ring")
        named = payload.metadata.get(WORKFLOW_ID)
        workflow_id = named.decode() if named is not None else None
        nonce, sealed = payload.data[:NONCE_BYTES], payload.data[NONCE_BYTES:]
        try:
            plain = cipher.decrypt(nonce, sealed, _associated_data(key_id, workflow_id))
        except InvalidTag:
            raise PayloadDecryptError(f"payload under key {key_id!r} fails authentication") from None
        return Payload.FromString(plain), workflow_id


@dataclasses.dataclass(frozen=True)
class EncryptedDataConverter(DataConverter):
    """The SDK's converter, with a cheaper `with_context` when only the codec takes the context.

    Here only the codec does (the pydantic payload converter and the failure converter take none), yet the
    SDK's `with_context` clones with `dataclasses.replace`, which builds a new payload converter and failure
    converter only to put the old ones back. The gateway asks for a workflow's context at every signal and
    the worker at every activation and activity: about 8 % of the gateway's CPU per event under load
    (docs/benchmarks.md, "The worker's CPU per event, by step"). This copies the converter as it is, with
    the codec sealed for that workflow; anything else goes the SDK's way.
    """

    def with_context(self, context: SerializationContext) -> Self:
        codec = self.payload_codec
        others = (self.payload_converter, self.failure_converter, self.external_storage)
        if not isinstance(codec, EncryptionCodec) or any(
            isinstance(other, WithSerializationContext) and other.with_context(context) is not other
            for other in others
        ):
            return super().with_context(context)
        sealing = codec.with_context(context)
        if sealing is codec:
            return self
        clone = object.__new__(type(self))  # frozen: its fields set as `dataclasses.replace` would, no init
        clone.__dict__.update(self.__dict__, payload_codec=sealing)
        return clone


def encrypted_data_converter(ring: KeyRing, accept_plaintext: bool = False) -> DataConverter:
    """The project's converter (pydantic) with the codec, and failure messages and stack traces encoded.

    ``accept_plaintext`` is for replaying histories written before encryption, never for a worker.
    """
    return EncryptedDataConverter(
        payload_converter_class=pydantic_data_converter.payload_converter_class,
        payload_codec=EncryptionCodec(ring, accept_plaintext),
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
        external_storage=pydantic_data_converter.external_storage,
    )
