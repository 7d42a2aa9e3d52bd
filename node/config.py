"""Settings of a node, read from environment variables and an optional TOML file.

Precedence, highest first: keyword arguments, environment variables
(``DATAPROP_`` prefix, ``__`` between nested names, e.g.
``DATAPROP_CHAIN__RPC_URL``), the TOML file, the defaults below. Secrets are
``SecretStr`` so that printing the settings never shows them.
"""

from __future__ import annotations

import os
from contextvars import ContextVar
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from node.errors import ConfigurationError

REPO_ROOT = Path(__file__).resolve().parent.parent
CONFIG_FILE_VARIABLE = "DATAPROP_CONFIG_FILE"
_config_file: ContextVar[Path | None] = ContextVar("config_file", default=None)


class ChainBackend(StrEnum):
    """Which chain the node talks to."""

    EMBEDDED = "embedded"
    RPC = "rpc"


class ChainSettings(BaseModel):
    """How to reach the chain."""

    backend: ChainBackend = Field(
        ChainBackend.EMBEDDED,
        description="`embedded` (in-process eth-tester) or `rpc` (any JSON-RPC URL)",
    )
    rpc_url: str = Field("http://127.0.0.1:8545", description="JSON-RPC URL for `rpc`")
    request_timeout: float = Field(10.0, gt=0, description="seconds per JSON-RPC request")
    confirmations: int = Field(1, ge=0, description="blocks on top before a tx counts as final")
    poll_interval: float = Field(0.05, gt=0, description="seconds between receipt polls")
    anvil_port: int = Field(8545, ge=1, le=65535, description="port of `dataprop chain up`")
    anvil_block_time: float = Field(
        1.0,
        gt=0,
        description="anvil block time of `dataprop chain up` in seconds: blocks keep coming, "
        "so transactions reach `chain.confirmations` without other traffic",
    )


class CentreSettings(BaseModel):
    """The registration centre (登记机构) this node runs for."""

    key: SecretStr | None = Field(
        None, description="hex private key of the centre's chain account (its signing key)"
    )
    region_code: str = Field("370200", description="6-digit administrative region code")
    name: str = Field("青岛示例数据资产登记评价中心", description="the centre's name")
    endpoint: str = Field("http://127.0.0.1:8000", description="the centre's public API URL")

    @field_validator("region_code")
    @classmethod
    def _six_digits(cls, value: str) -> str:
        if len(value) != 6 or not value.isdigit() or value.startswith("0"):
            raise ValueError("must be a 6-digit administrative region code")
        return value


class AnchoringSettings(BaseModel):
    """Batching of document digests into Merkle roots."""

    batch_size: int = Field(256, ge=1, le=65536, description="leaves per Merkle batch")
    max_batch_age: float = Field(5.0, gt=0, description="seconds before a partial batch is sent")
    cycle_interval: float = Field(
        1.0, gt=0, description="seconds the worker waits between cycles when it has nothing to do"
    )
    receipt_timeout: float = Field(
        60.0,
        gt=0,
        description="seconds without a receipt before a sent transaction is broadcast again "
        "(its fate is unknown, never failed)",
    )
    reorg_window: int = Field(
        64, ge=0, description="blocks during which confirmed transactions are checked for reorgs"
    )


class ApiSettings(BaseModel):
    """Where `dataprop node run` serves the HTTP API."""

    host: str = Field("127.0.0.1", description="address the API listens on")
    port: int = Field(8000, ge=1, le=65535, description="port the API listens on")
    rate_limit: str = Field(
        "600/minute",
        pattern=r"^\d+\s*/\s*(\d+\s*)?(second|minute|hour|day)s?$",
        description="requests per API key (and per address for anonymous writes)",
    )
    max_body_bytes: int = Field(
        1_048_576, ge=1024, description="longest request body (413 above it)"
    )
    max_json_depth: int = Field(32, ge=2, le=256, description="deepest JSON nesting accepted")


class FederationSettings(BaseModel):
    """Requests between centre nodes (互认)."""

    peer_request_window: float = Field(
        60.0,
        gt=0,
        le=3600,
        description="seconds a signed peer request stays valid either side of its timestamp",
    )
    peer_timeout: float = Field(3.0, gt=0, description="seconds a peer node gets to answer")


class AttachmentSettings(BaseModel):
    """AES-GCM keys of confidential attachments; rotate by adding a key and making it current."""

    keys: dict[str, SecretStr] = Field(
        default_factory=dict,
        description="key id → hex key of 16, 24 or 32 bytes (JSON object in the variable)",
    )
    current_key: str | None = Field(None, description="the key id new attachments are sealed with")


class ReportSettings(BaseModel):
    """Documents for people: the certificate PDF and the fonts it is set in."""

    font_dir: Path = Field(
        Path("/usr/share/fonts/opentype/noto"),
        description="folder of the Noto Sans CJK collections (Debian's `fonts-noto-cjk`)",
    )
    font_cache_dir: Path | None = Field(
        None,
        description="where the fonts cut to common characters are kept (built once, a few "
        "seconds); default data_dir/fonts",
    )


class WorkflowSettings(BaseModel):
    """Defaults of the registration workflow."""

    notice_working_days: int = Field(10, ge=1, description="public notice (公示) period")
    validity_years: int = Field(3, ge=1, description="certificate validity")


class PledgeSettings(BaseModel):
    """Pledges (质押): the centre's confirmation policy and the expiry check."""

    confirm_on_consent: bool = Field(
        True,
        description="confirm a pledge request or extension as soon as the holder consents, "
        "without waiting for an operator",
    )
    expiry_interval: float = Field(
        60.0, gt=0, description="seconds between the worker's checks for pledges past their term"
    )


class Settings(BaseSettings):
    """All settings of a node; see the table in the README."""

    model_config = SettingsConfigDict(
        env_prefix="DATAPROP_",
        env_nested_delimiter="__",
        extra="forbid",
    )

    data_dir: Path = Field(Path(".dataprop"), description="where the node keeps its files")
    database_url: str | None = Field(
        None, description="SQLAlchemy URL; default SQLite file in the data folder"
    )
    contracts_dir: Path = Field(REPO_ROOT / "contracts", description="Solidity sources")
    local_chain_dir: Path = Field(
        REPO_ROOT / "hardhat-free-local-chain", description="where anvil is installed"
    )
    build_dir: Path | None = Field(None, description="compiler cache; default data_dir/build")
    deployer_key: SecretStr | None = Field(
        None, description="hex private key that deploys contracts; default the centre key"
    )
    proposal_lifetime: int = Field(
        7 * 24 * 3600, ge=60, description="seconds a consortium proposal stays open"
    )
    chain: ChainSettings = Field(default_factory=ChainSettings)
    centre: CentreSettings = Field(default_factory=CentreSettings)
    anchoring: AnchoringSettings = Field(default_factory=AnchoringSettings)
    workflow: WorkflowSettings = Field(default_factory=WorkflowSettings)
    attachments: AttachmentSettings = Field(default_factory=AttachmentSettings)
    api: ApiSettings = Field(default_factory=ApiSettings)
    pledges: PledgeSettings = Field(default_factory=PledgeSettings)
    reports: ReportSettings = Field(default_factory=ReportSettings)
    federation: FederationSettings = Field(default_factory=FederationSettings)

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        sources: list[PydanticBaseSettingsSource] = [init_settings, env_settings]
        config_file = _config_file.get() or os.environ.get(CONFIG_FILE_VARIABLE)
        if config_file:
            sources.append(TomlConfigSettingsSource(settings_cls, toml_file=Path(config_file)))
        return tuple(sources)

    @property
    def resolved_build_dir(self) -> Path:
        """The compiler cache folder."""
        return self.build_dir or self.data_dir / "build"

    @property
    def resolved_font_cache_dir(self) -> Path:
        """The folder of the font cuts."""
        return self.reports.font_cache_dir or self.data_dir / "fonts"

    @property
    def resolved_database_url(self) -> str:
        """The database URL, defaulting to a SQLite file in the data folder."""
        return self.database_url or f"sqlite:///{self.data_dir / 'dataprop.db'}"


def load_settings(config_file: Path | None = None, **overrides: Any) -> Settings:
    """Read the settings, turning every validation problem into a ConfigurationError."""
    if config_file is not None and not config_file.is_file():
        raise ConfigurationError(f"config file not found: {config_file}")
    token = _config_file.set(config_file)
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}"
            for error in exc.errors()
        )
        raise ConfigurationError(f"invalid settings: {problems}") from exc
    except (OSError, ValueError) as exc:
        raise ConfigurationError(f"cannot read settings: {exc}") from exc
    finally:
        _config_file.reset(token)


def settings_table() -> str:
    """The Markdown table of every setting, its variable, default and meaning (for the README)."""
    rows = ["| setting | environment variable | default | meaning |", "|---|---|---|---|"]
    for name, field_info, default in _walk_fields(Settings, ""):
        variable = "DATAPROP_" + name.upper().replace(".", "__")
        shown = "(unset)" if default is None else str(default).replace(str(REPO_ROOT), "<repo>")
        rows.append(f"| `{name}` | `{variable}` | `{shown}` | {field_info.description or ''} |")
    return "\n".join(rows)


def _walk_fields(model: type[BaseModel], prefix: str) -> list[tuple[str, Any, Any]]:
    found: list[tuple[str, Any, Any]] = []
    for name, field_info in model.model_fields.items():
        annotation = field_info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            found.extend(_walk_fields(annotation, f"{prefix}{name}."))
            continue
        default = field_info.get_default(call_default_factory=True)
        if isinstance(default, StrEnum):
            default = default.value
        found.append((f"{prefix}{name}", field_info, default))
    return found
