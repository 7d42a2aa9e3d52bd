"""The store's bulk methods on the in-memory fake and on a SQLite file."""

from __future__ import annotations

from tests.unit.store.bulk_contract import (
    BulkApplicationContract,
    BulkCertificateContract,
    BulkDocumentContract,
    BulkEventLogContract,
)


class TestBulkApplications(BulkApplicationContract):
    """add_many, get_many, save_many."""


class TestBulkDocuments(BulkDocumentContract):
    """add_many_with_anchor_jobs, list_by_subjects."""


class TestBulkCertificates(BulkCertificateContract):
    """add_many, find_by_asset_keys."""


class TestBulkEventLog(BulkEventLogContract):
    """append_many."""
