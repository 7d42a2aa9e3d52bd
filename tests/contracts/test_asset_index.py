"""The asset index as issuance reads it (ChainAssetIndex), on both chains."""

from __future__ import annotations

from node.chain.asset_index import ChainAssetIndex
from node.chain.types import CertificateStatus
from tests.contracts.conftest import Consortium
from tests.contracts.helpers import b32


def test_the_index_names_the_centre_of_an_active_certificate_only(consortium: Consortium) -> None:
    a, b = consortium.a, consortium.b
    index_of_b = ChainAssetIndex(b, consortium.keys[1].address)
    assert index_of_b.own_centre_id() == 2
    assert index_of_b.holder_centre(b32("asset")) is None

    a.certificates.register_certificates([b32("cert")], [b32("asset")])
    assert index_of_b.holder_centre(b32("asset")) == 1
    assert ChainAssetIndex(a, consortium.keys[0].address).own_centre_id() == 1

    a.certificates.set_status(b32("cert"), CertificateStatus.REVOKED, b32("decision"))
    assert index_of_b.holder_centre(b32("asset")) is None
