"""The codec server writes one access-log line per look at a patient, not one per decode request."""

from workers.codec_server.looks import Looks

OPS = "SE2321000131-E000000000900"


def test_a_look_is_one_line_until_the_window_passes_and_each_patient_and_person_has_their_own() -> None:
    now = [0.0]
    looks = Looks(window=60, clock=lambda: now[0])
    assert looks.new(OPS, ["pk_a"]) == ["pk_a"]
    assert looks.new(OPS, ["pk_a"]) == []  # the UI's next request of the same page
    assert looks.new(OPS, ["pk_a", "pk_b"]) == ["pk_b"]
    assert looks.new("SE2321000131-E000000000300", ["pk_a"]) == ["pk_a"]
    now[0] = 61.0
    assert looks.new(OPS, ["pk_a"]) == ["pk_a"]


def test_a_line_that_could_not_be_written_covers_nothing() -> None:
    looks = Looks()
    assert looks.new(OPS, [None]) == [None]
    looks.forget(OPS, [None])
    assert looks.new(OPS, [None]) == [None]
