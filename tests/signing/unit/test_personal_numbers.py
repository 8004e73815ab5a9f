"""Sealing personal numbers: only the same key opens one, and only in the row it was sealed for."""

import uuid

import pytest
from cryptography.exceptions import InvalidTag

from services.signing.personal_numbers import PersonalNumbers

NUMBER = "198001011234"


def test_a_sealed_number_opens_with_its_key_for_its_party_only() -> None:
    numbers, party, other = PersonalNumbers("key one"), uuid.uuid4(), uuid.uuid4()
    sealed = numbers.seal(party, NUMBER)

    assert numbers.open(party, sealed) == NUMBER
    with pytest.raises(InvalidTag):
        numbers.open(other, sealed)
    with pytest.raises(InvalidTag):
        PersonalNumbers("key two").open(party, sealed)
    with pytest.raises(InvalidTag):
        numbers.open(party, sealed[:-1] + bytes([sealed[-1] ^ 1]))


def test_sealing_twice_gives_two_ciphertexts_neither_holding_the_number() -> None:
    numbers, party = PersonalNumbers("key"), uuid.uuid4()
    first, second = numbers.seal(party, NUMBER), numbers.seal(party, NUMBER)
    assert first != second
    assert NUMBER.encode() not in first
