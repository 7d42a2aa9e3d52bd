"""The composition root: a running node's parts built from its settings.

Only this module (and the CLI that calls it) knows which adapters stand behind
the ports: SQLAlchemy behind the unit of work, web3 behind the asset index and
the anchoring worker.
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta

from sqlalchemy import Engine

from node.chain.accounts import centre_account
from node.chain.anchoring import AnchoringWorker, WorkerSettings
from node.chain.asset_index import ChainAssetIndex
from node.chain.compiler import Build, compile_contracts
from node.chain.connection import ChainConnection, connect, connect_rpc
from node.chain.contracts import DatapropContracts, bind_contracts
from node.chain.deployment import DeploymentRecord, load_deployment
from node.chain.standing import ChainStanding
from node.config import AttachmentSettings, ChainBackend, Settings
from node.documents.signing import CentreSigner, SigningDomain
from node.domain.calendar import Clock, SystemClock
from node.domain.centre import Centre
from node.domain.identifiers import RegionCode
from node.errors import ConfigurationError
from node.federation.peer_client import PeerClient
from node.services.context import NodeContext
from node.services.node_services import NodeServices
from node.store.db import create_engine_for, session_factory
from node.store.keyring import Keyring
from node.store.migrate import upgrade_database
from node.store.ports import AbstractUnitOfWork
from node.store.sender_lock import sender_lock
from node.store.unit_of_work import SqlUnitOfWork
from node.verification.ports import ConsortiumAddresses

GC_THRESHOLDS = (50_000, 20, 20)
"""Allocations before a young collection, young and middle collections before an older one."""


def freeze_startup_heap() -> None:
    """Move what start-up built out of the garbage collector's sight, and collect less often.

    Start-up objects (libraries, contracts, the chain index) live as long as
    the process: frozen, no collection walks them again. Python 3.11 then runs a
    full collection at every tenth middle one (it compares the objects waiting
    with the few left unfrozen), walking the whole rest of the heap: issuing
    10,000 certificates ran 24 of them, about 15 % of its time. The thresholds
    above leave a handful of young collections instead.
    """
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def keyring_from(settings: AttachmentSettings) -> Keyring | None:
    """The attachment keyring, None when no key is configured."""
    if not settings.keys:
        return None
    if settings.current_key is None:
        raise ConfigurationError("attachments.current_key must name one of attachments.keys")
    keys: dict[str, bytes] = {}
    for key_id, secret in settings.keys.items():
        try:
            keys[key_id] = bytes.fromhex(secret.get_secret_value().removeprefix("0x"))
        except ValueError:
            raise ConfigurationError(f"attachments.keys.{key_id} is not hex") from None
    return Keyring(keys, settings.current_key)


@dataclass(frozen=True)
class Store:
    """The migrated database and how to open units of work on it."""

    engine: Engine
    unit_of_work: Callable[[], AbstractUnitOfWork]


def open_store(settings: Settings, clock: Clock) -> Store:
    """Migrate the configured database to the newest schema and open it."""
    url = settings.resolved_database_url
    if url.startswith("sqlite:///"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade_database(url)
    engine = create_engine_for(url)
    factory = session_factory(engine)
    keyring = keyring_from(settings.attachments)
    return Store(engine, lambda: SqlUnitOfWork(factory, clock=clock, keyring=keyring))


@dataclass(frozen=True)
class NodeChain:
    """The node's chain with the compiled contracts."""

    connection: ChainConnection
    build: Build


def node_chain(settings: Settings, rpc_url: str | None = None) -> NodeChain:
    """The configured chain (or ``rpc_url``) and the build whose ABIs read it.

    The embedded chain lives and dies with one process, so a worker or a verifier
    that outlives the command needs a JSON-RPC chain.
    """
    if rpc_url is not None:
        connection = connect_rpc(rpc_url, timeout=settings.chain.request_timeout)
    elif settings.chain.backend is ChainBackend.EMBEDDED:
        raise ConfigurationError(
            "the embedded chain lives inside one process and nothing outlives it there: "
            "set chain.backend = rpc (dataprop verify also takes --rpc URL)"
        )
    else:
        connection = connect(settings.chain)
    return NodeChain(
        connection, compile_contracts(settings.contracts_dir, settings.resolved_build_dir)
    )


def anchoring_worker(settings: Settings, clock: Clock) -> tuple[AnchoringWorker, Store]:
    """The centre key's anchoring worker on the configured chain and store."""
    chain = node_chain(settings)
    record = load_deployment(settings.data_dir, chain.connection)
    account = centre_account(settings, chain.connection)
    contracts = bind_contracts(
        chain.connection, record, chain.build, account, poll_interval=settings.chain.poll_interval
    )
    store = open_store(settings, clock)
    worker = AnchoringWorker(
        store.unit_of_work,
        contracts,
        sender_lock(store.engine, account.address),
        WorkerSettings.from_settings(settings),
        clock=clock,
    )
    return worker, store


def centre_of(settings: Settings) -> Centre:
    """The centre this node runs for, from ``centre`` and ``workflow`` settings."""
    return Centre(
        RegionCode.parse(settings.centre.region_code, "centre.region_code"),
        settings.centre.name,
        settings.centre.endpoint,
        notice_working_days=settings.workflow.notice_working_days,
        validity_years=settings.workflow.validity_years,
        confirm_pledges_on_consent=settings.pledges.confirm_on_consent,
    )


def node_context(
    settings: Settings,
    store: Store,
    connection: ChainConnection,
    record: DeploymentRecord,
    build: Build,
    *,
    clock: Clock | None = None,
) -> tuple[NodeContext, DatapropContracts]:
    """The services' context and the contracts bound to the centre's key."""
    account = centre_account(settings, connection)
    contracts = bind_contracts(connection, record, build, account)
    domain = SigningDomain(connection.chain_id, contracts.anchors.address)
    context = NodeContext(
        unit_of_work=store.unit_of_work,
        clock=clock or SystemClock(),
        centre=centre_of(settings),
        signer=CentreSigner(bytes(account.key), domain),
        anchor_within=timedelta(seconds=settings.anchoring.max_batch_age),
        asset_index=ChainAssetIndex(
            contracts,
            account.address,
            PeerClient(timeout=settings.federation.peer_timeout).registration_number_of,
        ),
        consortium=ConsortiumAddresses(
            centre_registry=contracts.centres.address,
            anchor_registry=contracts.anchors.address,
            certificate_registry=contracts.certificates.address,
        ),
        standing=ChainStanding(contracts, account.address),
    )
    return context, contracts


def node_services(
    settings: Settings, store: Store, chain: NodeChain, record: DeploymentRecord, clock: Clock
) -> NodeServices:
    """The node's use cases on ``store`` and the deployed contracts, with the admin's stored
    centre settings applied over the configured ones."""
    context, _ = node_context(settings, store, chain.connection, record, chain.build, clock=clock)
    services = NodeServices.of(context)
    return NodeServices.of(replace(context, centre=services.centre_settings.current()))


@dataclass(frozen=True)
class NodeParts:
    """A node's store, services context and key-bound contracts, on its configured chain."""

    settings: Settings
    store: Store
    context: NodeContext
    contracts: DatapropContracts


def node_parts(settings: Settings, clock: Clock | None = None) -> NodeParts:
    """The parts a command needs to act for the centre (the chain must outlive the command)."""
    clock = clock or SystemClock()
    chain = node_chain(settings)
    record = load_deployment(settings.data_dir, chain.connection)
    store = open_store(settings, clock)
    context, contracts = node_context(
        settings, store, chain.connection, record, chain.build, clock=clock
    )
    return NodeParts(settings, store, context, contracts)


def worker_of(parts: NodeParts) -> AnchoringWorker:
    """An anchoring worker on the parts' store and contracts (it sends only with the lock)."""
    contracts = parts.contracts
    assert contracts.sender is not None  # node_context binds the centre key
    return AnchoringWorker(
        parts.store.unit_of_work,
        contracts,
        sender_lock(parts.store.engine, contracts.sender.address),
        WorkerSettings.from_settings(parts.settings),
        clock=parts.context.clock,
    )
