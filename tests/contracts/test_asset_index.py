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
