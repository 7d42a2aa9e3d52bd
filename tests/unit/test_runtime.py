"""The composition root: keyring and store from settings, the heap after start-up."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest

from node.config import AttachmentSettings, load_settings
from node.domain.calendar import SystemClock
from node.errors import ConfigurationError
from node.runtime import (
    GC_THRESHOLDS,
    centre_of,
    freeze_startup_heap,
    keyring_from,
    open_store,
)

KEY = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"


def test_no_keys_means_no_keyring() -> None:
    assert keyring_from(AttachmentSettings()) is None


def test_keys_from_settings_build_the_keyring_with_its_current_key() -> None:
    settings = AttachmentSettings.model_validate(
        {"keys": {"2025": KEY[:32], "2026": "0x" + KEY}, "current_key": "2026"}
    )
    keyring = keyring_from(settings)
    assert keyring is not None and keyring.current == "2026"
    assert keyring.key("2026") == bytes.fromhex(KEY) and len(keyring.key("2025")) == 16


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"keys": {"k": KEY}}, "current_key"),
        ({"keys": {"k": "not hex"}, "current_key": "k"}, "attachments.keys.k"),
    ],
)
def test_bad_attachment_settings_are_configuration_errors(
    settings: dict[str, object], message: str
) -> None:
    with pytest.raises(ConfigurationError, match=message):
        keyring_from(AttachmentSettings.model_validate(settings))


def test_the_store_is_migrated_and_the_centre_built_from_settings(tmp_path: Path) -> None:
    settings = load_settings(data_dir=tmp_path / "data")
    store = open_store(settings, SystemClock())
    with store.unit_of_work() as uow:
        assert uow.applications.list_by_applicant("nobody") == []
    assert (tmp_path / "data" / "dataprop.db").is_file()
    centre = centre_of(settings)
    assert centre.region_code.value == settings.centre.region_code
    assert centre.notice_working_days == settings.workflow.notice_working_days


@pytest.fixture
def collector() -> Iterator[None]:
    """The garbage collector's settings put back after the test."""
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


def test_the_startup_heap_is_frozen_and_collections_made_rarer(collector: None) -> None:
    gc.unfreeze()
    freeze_startup_heap()
    assert gc.get_freeze_count() > 0
    assert gc.get_threshold() == GC_THRESHOLDS
    assert GC_THRESHOLDS[0] > 700  # Python's default first threshold
