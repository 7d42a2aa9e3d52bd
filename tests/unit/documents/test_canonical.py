"""RFC 8785 canonical form and document digests."""

from __future__ import annotations

import json

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from node.documents.canonical import (
    CanonicalisationError,
    canonical_json,
    digest_hex,
    document_digest,
    keccak256,
    parse_digest,
)
from node.domain.frozen_json import freeze, thaw

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | st.text(),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=20,
)


def test_keys_are_sorted_and_whitespace_removed() -> None:
    assert canonical_json({"b": 1, "a": "中文", "c": [True, None]}) == (
        '{"a":"中文","b":1,"c":[true,null]}'.encode()
    )


def test_keys_sort_by_utf16_code_units_not_code_points() -> None:
    # U+1F600 is the surrogate pair D83D DE00, which sorts before U+FB33 in UTF-16.
    assert canonical_json({"\ufb33": 1, "\U0001f600": 2}) == (
        '{"\U0001f600":2,"\ufb33":1}'.encode()
    )


def test_the_digest_ignores_key_order_and_frozen_containers() -> None:
    document = {
        "holder": {"name": "青岛某公司", "code": "91370200MA3C5XXXXX"},
        "rights": ["持有权"],
    }
    reordered = json.loads(json.dumps(document, sort_keys=True, ensure_ascii=True))
    assert document_digest(document) == document_digest(reordered)
    assert document_digest(document) == document_digest(freeze(document))
    assert document_digest(document) == keccak256(canonical_json(document))


def test_a_changed_value_changes_the_digest() -> None:
    assert document_digest({"scale": "10.0"}) != document_digest({"scale": "10"})


def test_keccak_is_the_evm_hash_not_sha3() -> None:
    assert keccak256(b"").hex() == (
        "c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470"
    )


@pytest.mark.parametrize(
    ("value", "path"),
    [
        ({"amount": 1.5}, "$.amount"),
        ({"items": [1, {"x": 2**60}]}, "$.items[1].x"),
        ({"blob": b"raw"}, "$.blob"),
        ({1: "numeric key"}, "$"),
    ],
)
def test_values_without_one_canonical_form_are_refused_naming_the_path(
    value: object, path: str
) -> None:
    with pytest.raises(CanonicalisationError) as raised:
        canonical_json(value)  # type: ignore[arg-type]
    assert raised.value.path == path
    assert raised.value.code == "document_not_canonicalisable"


@given(json_values)
def test_canonical_form_is_valid_json_of_the_same_value(value: object) -> None:
    encoded = canonical_json(value)  # type: ignore[arg-type]
    assert json.loads(encoded) == value
    assert canonical_json(json.loads(encoded)) == encoded


def test_digest_hex_round_trips_and_refuses_malformed_text() -> None:
    digest = keccak256(b"x")
    assert parse_digest(digest_hex(digest)) == digest
    assert parse_digest(digest_hex(digest).upper().replace("0X", "0x")) == digest
    for bad in ("", "0x", digest.hex(), "0x" + "g" * 64, digest_hex(digest) + "00"):
        with pytest.raises(ValueError, match="64 hex digits"):
            parse_digest(bad)
    with pytest.raises(ValueError, match="32 bytes"):
        digest_hex(b"short")


any_text = st.text(st.characters(exclude_categories=["Cs"]), max_size=12)
tricky_keys = st.text(
    st.sampled_from(["a", "\x00", "中", "\ue000", "\ufb33", "\uffff", "\U00010000", "\U0001f600"]),
    max_size=3,
)
json_values_anywhere = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53) + 1, 2**53 - 1) | any_text,
    lambda children: (
        st.lists(children, max_size=4)
        | st.lists(children, max_size=3).map(tuple)
        | st.dictionaries(any_text | tricky_keys, children, max_size=4)
        | st.dictionaries(tricky_keys, children, max_size=3).map(freeze)
    ),
    max_leaves=25,
)


@settings(max_examples=500)
@given(json_values_anywhere)
def test_the_fast_path_writes_exactly_what_rfc8785_writes(value: object) -> None:
    assert canonical_json(value) == rfc8785.dumps(thaw(value))  # type: ignore[arg-type]


def test_sequences_of_pairs_stay_lists_and_control_characters_are_escaped() -> None:
    assert canonical_json({"pairs": (("a", 1),), "range": range(2)}) == (  # type: ignore[dict-item]
        b'{"pairs":[["a",1]],"range":[0,1]}'
    )
    assert canonical_json('\x00\x1f\x7f\b\t\n\f\r"\\/\u2028') == (
        b'"\\u0000\\u001f\x7f\\b\\t\\n\\f\\r\\"\\\\/\xe2\x80\xa8"'
    )


def test_a_lone_surrogate_is_refused() -> None:
    with pytest.raises(ValueError, match="non-UTF-8"):
        canonical_json({"text": "\ud800"})
