import pytest

from events.identity import (
    InvalidIdentity,
    is_patient_key,
    luhn_check_digit,
    parse_identity,
    patient_key,
    resolve_patient,
    workflow_id_for,
)


def test_personnummer_with_and_without_hyphen_is_the_same_patient() -> None:
    assert parse_identity("19091231-9803") == parse_identity("190912319803")
    assert parse_identity("19091231-9803").kind == "personnummer"


def test_wrong_check_digit_is_refused_without_echoing_the_number() -> None:
    with pytest.raises(InvalidIdentity, match="check digit") as caught:
        parse_identity("19091231-9804")
    assert "9804" not in str(caught.value)


def test_samordningsnummer_has_sixty_added_to_the_day() -> None:
    nine = "090191980"  # 1909-01-31 + 60 -> day 91
    number = f"19{nine}{luhn_check_digit(nine)}"
    assert parse_identity(number).kind == "samordningsnummer"


def test_impossible_date_is_refused() -> None:
    nine = "090230980"
    with pytest.raises(InvalidIdentity, match="real date"):
        parse_identity(f"19{nine}{luhn_check_digit(nine)}")


def test_reservnummer_has_a_letter_and_no_check_digit() -> None:
    assert parse_identity("19450101-R123").kind == "reservnummer"
    with pytest.raises(InvalidIdentity):
        parse_identity("19451301-R123")


def test_patient_key_is_stable_keyed_and_carries_no_identity() -> None:
    identity = parse_identity("19091231-9803")
    key = patient_key(identity, "secret-a")
    assert key == patient_key(parse_identity("190912319803"), "secret-a")
    assert key != patient_key(identity, "secret-b")
    assert is_patient_key(key) and "19091231" not in key
    assert resolve_patient(key, "ignored") == key
    assert resolve_patient("19091231-9803", "secret-a") == key
    assert workflow_id_for(key) == f"pathway-{key}"
    assert "9803" not in repr(identity)
