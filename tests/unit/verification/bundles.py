"""Signed certificate documents and bundles for the bundle and verifier tests."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_utils.address import to_checksum_address

from node.documents.builders import certificate_document
from node.documents.bundle import CertificateBundle, certificate_bundle
from node.documents.canonical import document_digest, keccak256
from node.documents.merkle import StandardMerkleTree
from node.documents.schemas import CentreRef, CertificateDocument, as_json
from node.documents.signing import SignedFields, SigningDomain, sign_document
from node.domain.certificate import Certificate
from node.domain.values import ApplicationContent
from tests.unit.domain.builders import ALL_RIGHTS, asset, cst, holder, number

CENTRE_KEY: LocalAccount = Account.from_key(b"\x11" * 32)
PEER_KEY: LocalAccount = Account.from_key(b"\x22" * 32)
OUTSIDER_KEY: LocalAccount = Account.from_key(b"\x33" * 32)
CHAIN_ID = 31337
CENTRE_REGISTRY = to_checksum_address("0x" + "c1" * 20)
ANCHOR_REGISTRY = to_checksum_address("0x" + "a1" * 20)
CERTIFICATE_REGISTRY = to_checksum_address("0x" + "e1" * 20)
DOMAIN = SigningDomain(CHAIN_ID, ANCHOR_REGISTRY)
ISSUED_ON = date(2026, 3, 2)
VALID_UNTIL = date(2029, 3, 1)
ANCHOR_BLOCK = 10
OTHER_DIGESTS = (keccak256(b"another certificate"), keccak256(b"a notice"))
TRANSACTION_HASH = keccak256(b"the anchoring transaction")


def certificate(
    signer: str = CENTRE_KEY.address,
    serial: int = 1,
    asset_name: str | None = None,
    holder_name: str | None = None,
) -> CertificateDocument:
    """A Qingdao (370200) certificate naming ``signer`` as the centre's key.

    Certificates of one ``asset_name`` (default: the same for every serial) share an asset key.
    """
    name = asset().name if asset_name is None else asset_name
    owner = holder() if holder_name is None else holder(name=holder_name)
    return certificate_document(
        Certificate.issue(
            number(serial),
            ApplicationContent(owner, asset(name), ALL_RIGHTS),
            issued_on=ISSUED_ON,
        ),
        centre=CentreRef(region_code="370200", name="青岛市数据资产登记评价中心", signer=signer),
        created_at=cst(2026, 3, 2),
        application_id="app-1",
        compliance_report_digest=None,
        notice_digest=None,
    )


def sign(document: CertificateDocument, key: LocalAccount, domain: SigningDomain = DOMAIN) -> bytes:
    """The EIP-712 signature a centre puts on ``document``."""
    fields = SignedFields(
        kind=document.kind.value,
        subject=document.subject,
        digest=document_digest(as_json(document)),  # type: ignore[arg-type]
        schema_version=document.schema_version,
    )
    return sign_document(key.key, domain, fields)


def batch_of(
    document: CertificateDocument, others: Sequence[bytes] = OTHER_DIGESTS
) -> StandardMerkleTree:
    """The Merkle batch the document is anchored in: its digest first, then ``others``."""
    digest = document_digest(as_json(document))  # type: ignore[arg-type]
    return StandardMerkleTree.of([[digest], *([other] for other in others)], ["bytes32"])


def bundle(
    document: CertificateDocument | None = None,
    *,
    key: LocalAccount = CENTRE_KEY,
    domain: SigningDomain = DOMAIN,
    proof_of: int = 0,
) -> CertificateBundle:
    """A bundle of ``document`` signed by ``key`` and anchored in :func:`batch_of` at block 10.

    ``proof_of`` picks whose proof the bundle carries (0: the document's own).
    """
    document = certificate() if document is None else document
    tree = batch_of(document)
    return certificate_bundle(
        document,
        signature=sign(document, key, domain),
        domain=domain,
        root=tree.root,
        proof=tree.proof(proof_of),
        leaf_index=proof_of,
        transaction_hash=TRANSACTION_HASH,
        block_number=ANCHOR_BLOCK,
        certificate_registry=CERTIFICATE_REGISTRY,
        centre_registry=CENTRE_REGISTRY,
    )
