"""The payload codec: encrypted with the active key, readable after rotation, old payloads pass through."""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.api.common.v1 import Payload
from temporalio.api.failure.v1 import Failure
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter, WorkflowSerializationContext
from temporalio.exceptions import ApplicationError

from discharge.codec import (
    ENCODING,
    KEY_ID,
    REFUSED_PLAINTEXT,
    WORKFLOW_ID,
    EncryptionCodec,
    PayloadDecryptError,
    encrypted_data_converter,
)
from discharge.keyring import KeyRing, KeyRingError, add_key, new_ring, read_ring, write_ring

IDENTITY = b"190912319803"


def plain(data: bytes = b'{"patient":{"id":"190912319803"}}') -> Payload:
    return Payload(metadata={"encoding": b"json/plain"}, data=data)


async def test_a_payload_is_sealed_with_the_active_key_and_names_it() -> None:
    ring = new_ring()
    [sealed] = await EncryptionCodec(ring).encode([plain()])
    assert sealed.metadata["encoding"] == ENCODING
    assert sealed.metadata[KEY_ID] == ring.active.encode()
    assert IDENTITY not in sealed.SerializeToString()
    assert await EncryptionCodec(ring).decode([sealed]) == [plain()]


async def test_rotation_new_payloads_use_the_new_key_and_old_ones_still_decrypt(tmp_path: Path) -> None:
    path = tmp_path / "ring.json"
    first = add_key(path)
    [old] = await EncryptionCodec(first).encode([plain()])
    rotated = add_key(path)  # `discharge keys new` on an existing ring
    assert rotated.active != first.active and set(first.keys) < set(rotated.keys)
    assert read_ring(path) == rotated
    [new] = await EncryptionCodec(rotated).encode([plain()])
    assert new.metadata[KEY_ID] == rotated.active.encode()
    assert await EncryptionCodec(rotated).decode([old, new]) == [plain(), plain()]
    # A process still on the old ring cannot read what the new key wrote: restart every part after rotating.
    with pytest.raises(PayloadDecryptError, match="not in the key ring"):
        await EncryptionCodec(first).decode([new])


async def test_a_payload_not_encrypted_with_the_ring_is_refused_not_read() -> None:
    [refused] = await EncryptionCodec(new_ring()).decode([plain()])
    assert refused.metadata["encoding"] == REFUSED_PLAINTEXT and refused.data == b""
    # Only the Replayer of histories from before encryption reads them as they are.
    assert await EncryptionCodec(new_ring(), accept_plaintext=True).decode([plain()]) == [plain()]


async def test_an_altered_or_relabelled_payload_is_refused() -> None:
    ring = new_ring()
    [sealed] = await EncryptionCodec(ring).encode([plain()])
    tampered = Payload(metadata=dict(sealed.metadata), data=sealed.data[:-1] + bytes([sealed.data[-1] ^ 1]))
    with pytest.raises(PayloadDecryptError, match="fails authentication"):
        await EncryptionCodec(ring).decode([tampered])
    other = ring.with_new_active_key()
    relabelled = Payload(metadata={**sealed.metadata, KEY_ID: other.active.encode()}, data=sealed.data)
    with pytest.raises(PayloadDecryptError):
        await EncryptionCodec(other).decode([relabelled])


async def test_failure_messages_and_stack_traces_are_encrypted_too() -> None:
    converter = encrypted_data_converter(new_ring())
    failure = Failure()
    try:
        raise ApplicationError("could not publish for 19091231-9803")
    except ApplicationError as error:
        await converter.encode_failure(error, failure)
    assert b"19091231-9803" not in failure.SerializeToString()
    assert (
        failure.message == "Encoded failure" and failure.encoded_attributes.metadata["encoding"] == ENCODING
    )
    decoded = await converter.decode_failure(failure)
    assert "19091231-9803" in str(decoded)


async def test_values_round_trip_through_the_project_converter() -> None:
    converter = encrypted_data_converter(new_ring())
    [payload] = await converter.encode([{"patient": {"id": "19091231-9803"}}])
    assert b"19091231" not in payload.SerializeToString()
    assert await converter.decode([payload], [dict]) == [{"patient": {"id": "19091231-9803"}}]
    # The same value through the plain converter (Temporal access without the ring) is not read.
    [old] = await pydantic_data_converter.encode(["x"])
    with pytest.raises(KeyError, match="refused-plaintext"):
        await converter.decode([old], [str])
    replaying = encrypted_data_converter(new_ring(), accept_plaintext=True)
    assert await replaying.decode([old], [str]) == ["x"]


def test_a_ring_file_is_private_and_an_invalid_one_is_named_not_shown(tmp_path: Path) -> None:
    path = tmp_path / "ring.json"
    write_ring(path, new_ring())
    assert path.stat().st_mode & 0o777 == 0o600
    path.write_text('{"active": "a", "keys": {"a": "c2hvcnQ="}}')  # 5 bytes: not AES-256
    with pytest.raises(KeyRingError, match="invalid") as caught:
        read_ring(path)
    assert "c2hvcnQ" not in str(caught.value)
    with pytest.raises(KeyRingError, match="discharge keys new"):
        read_ring(tmp_path / "missing.json")
    with pytest.raises(ValueError, match="not in the ring"):
        KeyRing(active="b", keys=new_ring().keys)


async def test_a_payload_sealed_in_a_workflows_context_names_that_workflow_and_cannot_be_relabelled() -> None:
    ring = new_ring()
    context = WorkflowSerializationContext(namespace="default", workflow_id="pathway-pk_" + "a" * 32)
    codec = EncryptionCodec(ring).with_context(context)
    [sealed] = await codec.encode([plain()])
    assert sealed.metadata[WORKFLOW_ID] == b"pathway-pk_" + b"a" * 32
    # Any codec with the ring (the codec server has no context) reads it, and learns whose it is.
    assert EncryptionCodec(ring).opened(sealed) == (plain(), "pathway-pk_" + "a" * 32)
    relabelled = Payload(
        metadata={**sealed.metadata, WORKFLOW_ID: b"pathway-pk_" + b"b" * 32}, data=sealed.data
    )
    stripped = Payload(
        metadata={k: v for k, v in sealed.metadata.items() if k != WORKFLOW_ID}, data=sealed.data
    )
    for altered in (relabelled, stripped):
        with pytest.raises(PayloadDecryptError, match="fails authentication"):
            await EncryptionCodec(ring).decode([altered])


async def test_a_workflows_context_reseals_only_the_codec_and_rebuilds_no_converter(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The gateway asks for a workflow's context at every signal, the worker at every activation: the SDK's
    own clone built a payload and a failure converter each time, only to replace them (docs/benchmarks.md)."""
    converter = encrypted_data_converter(new_ring())
    built: list[object] = []
    original = DataConverter._new_payload_converter

    def counted(self: DataConverter) -> object:
        built.append(self)
        return original(self)

    monkeypatch.setattr(DataConverter, "_new_payload_converter", counted)
    context = WorkflowSerializationContext(namespace="default", workflow_id="pathway-pk_" + "c" * 32)
    sealing = converter.with_context(context)
    assert built == []
    assert sealing.payload_converter is converter.payload_converter
    assert sealing.failure_converter is converter.failure_converter
    assert sealing.with_context(context) is sealing
    [payload] = await sealing.encode([{"patient": {"id": "19091231-9803"}}])
    assert payload.metadata[WORKFLOW_ID] == b"pathway-pk_" + b"c" * 32
    assert await converter.decode([payload], [dict]) == [{"patient": {"id": "19091231-9803"}}]
    assert converter.payload_codec is not None and sealing.payload_codec is not converter.payload_codec
