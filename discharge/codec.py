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

import dataclasses
import os
from collections.abc import Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter, DefaultFailureConverterWithEncodedAttributes, PayloadCodec

from discharge.keyring import KeyRing

ENCODING = b"binary/encrypted"
#: What a payload that the ring did not encrypt decodes to: nothing a converter reads.
REFUSED_PLAINTEXT = b"binary/refused-plaintext"
KEY_ID = "encryption-key-id"
NONCE_BYTES = 12


class PayloadDecryptError(ValueError):
    """A payload names a key the ring lacks, or was altered; never retried into success."""


class EncryptionCodec(PayloadCodec):
    def __init__(self, ring: KeyRing, accept_plaintext: bool = False) -> None:
        self._ring = ring
        self._accept_plaintext = accept_plaintext  # replaying histories from before encryption only
        self._ciphers = {key_id: AESGCM(ring.key(key_id) or b"") for key_id in ring.keys}

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        key_id = self._ring.active
        cipher = self._ciphers[key_id]
        encoded = []
        for payload in payloads:
            nonce = os.urandom(NONCE_BYTES)
            # The key id is authenticated too: a payload cannot be relabelled to another key.
            sealed = nonce + cipher.encrypt(nonce, payload.SerializeToString(), key_id.encode())
            encoded.append(Payload(metadata={"encoding": ENCODING, KEY_ID: key_id.encode()}, data=sealed))
        return encoded

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self.decode_one(payload) for payload in payloads]

    def decode_one(self, payload: Payload) -> Payload:
        if payload.metadata.get("encoding") != ENCODING:
            if self._accept_plaintext:
                return payload
            return Payload(metadata={"encoding": REFUSED_PLAINTEXT})
        key_id = payload.metadata.get(KEY_ID, b"").decode()
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise PayloadDecryptError(f"payload encrypted with key {key_id!r}, which is not in the key ring")
        nonce, sealed = payload.data[:NONCE_BYTES], payload.data[NONCE_BYTES:]
        try:
            return Payload.FromString(cipher.decrypt(nonce, sealed, key_id.encode()))
        except InvalidTag:
            raise PayloadDecryptError(f"payload under key {key_id!r} fails authentication") from None


def encrypted_data_converter(ring: KeyRing, accept_plaintext: bool = False) -> DataConverter:
    """The project's converter (pydantic) with the codec, and failure messages and stack traces encoded.

    ``accept_plaintext`` is for replaying histories written before encryption, never for a worker.
    """
    return dataclasses.replace(
        pydantic_data_converter,
        payload_codec=EncryptionCodec(ring, accept_plaintext),
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )
