"""Temporal payloads encrypted with AES-256-GCM, so no history holds a readable identity.

Temporal stores every payload (workflow input, signals, activity arguments and results, memo,
summaries) and, with the encoded failure attributes, every failure message and stack trace. This codec
encrypts each payload whole (metadata and data) with the key ring's active key and records the key's
id in the outer payload's metadata; decoding looks the key up by that id, so a rotated ring still reads
old histories. A payload without our encoding (written before encryption) passes through unchanged,
which keeps the saved histories replaying. Shape after Temporal's samples-python ``encryption/``.
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
KEY_ID = "encryption-key-id"
NONCE_BYTES = 12


class PayloadDecryptError(ValueError):
    """A payload names a key the ring lacks, or was altered; never retried into success."""


class EncryptionCodec(PayloadCodec):
    def __init__(self, ring: KeyRing) -> None:
        self._ring = ring
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
            return payload  # not ours: written before encryption, or plain on purpose
        key_id = payload.metadata.get(KEY_ID, b"").decode()
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise PayloadDecryptError(f"payload encrypted with key {key_id!r}, which is not in the key ring")
        nonce, sealed = payload.data[:NONCE_BYTES], payload.data[NONCE_BYTES:]
        try:
            return Payload.FromString(cipher.decrypt(nonce, sealed, key_id.encode()))
        except InvalidTag:
            raise PayloadDecryptError(f"payload under key {key_id!r} fails authentication") from None


def encrypted_data_converter(ring: KeyRing) -> DataConverter:
    """The project's converter (pydantic) with the codec, and failure messages and stack traces encoded."""
    return dataclasses.replace(
        pydantic_data_converter,
        payload_codec=EncryptionCodec(ring),
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )
