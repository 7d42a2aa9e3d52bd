"""The asset index as issuance reads it (ChainAssetIndex, one ``activeHolderCentres`` call for
all the keys), on both chains."""

from __future__ import annotations

from node.chain.asset_index import ChainAssetIndex
from node.chain.types import CertificateStatus
from tests.contracts.conftest import Consortium
from tests.contracts.helpers import b32


def test_the_index_names_the_centre_of_an_active_certificate_only(consortium: Consortium) -> None:
    a, b = consortium.a, consortium.b
    index_of_b = ChainAssetIndex(b, consortium.keys[1].address)
    assert index_of_b.own_centre_id() == 2
    assert index_of_b.holder_centres([b32("asset")]) == {}

    a.certificates.register_certificates([b32("cert")], [b32("asset")])
    assert index_of_b.holder_centres([b32("asset")]) == {b32("asset"): 1}
    assert ChainAssetIndex(a, consortium.keys[0].address).own_centre_id() == 1

    a.certificates.set_status(b32("cert"), CertificateStatus.REVOKED, b32("decision"))
    assert index_of_b.holder_centres([b32("asset")]) == {}


def test_many_keys_are_read_at_once_in_any_order(consortium: Consortium) -> None:
    a, b = consortium.a, consortium.b
    a.certificates.register_certificates([b32("cert-a")], [b32("asset-a")])
    b.certificates.register_certificates(
        [b32("cert-b"), b32("cert-gone")], [b32("asset-b"), b32("asset-gone")]
    )
    b.certificates.set_status(b32("cert-gone"), CertificateStatus.CANCELLED, b32("decision"))
    keys = [b32("free"), b32("asset-b"), b32("asset-gone"), b32("asset-a"), b32("asset-b")]
    index = ChainAssetIndex(a, consortium.keys[0].address)
    assert index.holder_centres(keys) == {b32("asset-b"): 2, b32("asset-a"): 1}
    assert index.holder_centres([]) == {}


def test_a_key_approved_for_transfer_here_is_free_only_here(consortium: Consortium) -> None:
    a, b, c = consortium.a, consortium.b, consortium.c
    index_of_b = ChainAssetIndex(b, consortium.keys[1].address)
    index_of_c = ChainAssetIndex(c, consortium.keys[2].address)
    a.certificates.register_certificates([b32("cert")], [b32("asset")])
    a.certificates.approve_transfer(b32("cert"), 2)
    assert index_of_b.holder_centres([b32("asset")]) == {}
    assert index_of_c.holder_centres([b32("asset")]) == {b32("asset"): 1}
    b.certificates.register_certificates([b32("cert-at-b")], [b32("asset")])
    assert a.certificates.certificate(b32("cert")).status is CertificateStatus.SUPERSEDED
    assert index_of_c.holder_centres([b32("asset")]) == {b32("asset"): 2}


def test_the_holder_is_named_with_the_number_its_node_gives(consortium: Consortium) -> None:
    a = consortium.a
    a.certificates.register_certificates([b32("cert")], [b32("asset")])
    asked: list[tuple[str, bytes, bytes]] = []

    def numbers(endpoint: str, asset_key: bytes, certificate_id: bytes) -> str | None:
        asked.append((endpoint, asset_key, certificate_id))
        return "370200-2026-000001-X"

    holder = ChainAssetIndex(consortium.c, consortium.keys[2].address, numbers).holder_of(
        b32("asset")
    )
    assert asked == [("http://127.0.0.1:9001", b32("asset"), b32("cert"))]
    assert (holder.certificate_id, holder.centre_id) == (b32("cert"), 1)
    assert str(holder) == (
        "certificate 370200-2026-000001-X of centre #1 青岛市数据资产登记评价中心 (370200)"
    )
    unnamed = ChainAssetIndex(consortium.c, consortium.keys[2].address).holder_of(b32("asset"))
    assert str(unnamed).startswith(f"certificate 0x{b32('cert').hex()} (its node did not name it)")
