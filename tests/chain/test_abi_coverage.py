"""Every custom error and event of the compiled contracts has its Python class."""

from __future__ import annotations

from dataclasses import fields

from node.chain.compiler import Build
from node.chain.contracts import CONTRACT_NAMES
from node.chain.events import ChainEvent
from node.chain.naming import snake_case
from node.chain.revert_errors import ContractRevertError, revert_decoder


def abi_items(build: Build, kind: str) -> dict[str, dict[str, object]]:
    return {
        str(item["name"]): item
        for name in CONTRACT_NAMES
        for item in build.artifact(name).abi
        if item["type"] == kind
    }


def test_every_custom_error_has_an_exception_class(build: Build) -> None:
    errors = abi_items(build, "error")
    assert set(errors) <= set(ContractRevertError.registry)
    stale = (
        set(ContractRevertError.registry)
        - set(errors)
        - {"ContractRevert", "UnknownContractRevert"}
    )
    assert not stale, f"exception classes without a custom error: {stale}"


def test_every_event_has_a_dataclass_with_the_same_fields(build: Build) -> None:
    events = abi_items(build, "event")
    assert set(events) == set(ChainEvent.registry)
    base = {item.name for item in fields(ChainEvent)}
    for name, item in events.items():
        expected = [snake_case(str(p["name"])) for p in item["inputs"]]  # type: ignore[attr-defined]
        actual = [f.name for f in fields(ChainEvent.registry[name]) if f.name not in base]
        assert actual == expected, name


def test_revert_data_decodes_to_the_named_exception(build: Build) -> None:
    from eth_abi.abi import encode
    from eth_utils.crypto import keccak

    decode = revert_decoder([build.artifact(name).abi for name in CONTRACT_NAMES])
    digest = bytes(range(32))
    data = keccak(text="AnchorRegistryAlreadyAnchored(bytes32)")[:4] + encode(["bytes32"], [digest])
    error = decode(data)
    assert type(error).__name__ == "AnchorRegistryAlreadyAnchoredError"
    assert error is not None and error.digest == digest  # type: ignore[attr-defined]
    assert decode(b"\xde\xad\xbe\xef") is None
