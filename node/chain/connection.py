"""One interface over the two chain backends: embedded (eth-tester) and rpc (JSON-RPC).

Both give a ``Web3`` object; everything above this module is backend-blind. The
embedded chain lives in this process only (a fresh chain each time), so it
suits tests and the demo; ``rpc`` reaches anvil here and a consortium EVM chain
in production.
"""

from __future__ import annotations

from dataclasses import dataclass

import requests
from eth_account import Account
from eth_account.signers.local import LocalAccount
from eth_tester import EthereumTester, PyEVMBackend
from web3 import EthereumTesterProvider, HTTPProvider, Web3
from web3.exceptions import Web3Exception

from node.config import ChainBackend, ChainSettings
from node.errors import ChainError

ANVIL_MNEMONIC = "test test test test test test test test test test test junk"
DEV_ACCOUNT_COUNT = 10


class ChainUnreachableError(ChainError, ConnectionError):
    """The chain's JSON-RPC endpoint did not answer."""

    code = "chain_unreachable"


@dataclass(frozen=True)
class ChainConnection:
    """A connected chain: the web3 handle plus what it is."""

    w3: Web3
    backend: ChainBackend
    url: str
    chain_id: int

    def describe(self) -> str:
        """One line naming the chain, for logs and CLI output."""
        return f"{self.backend.value} chain {self.chain_id} at {self.url}"


def connect(settings: ChainSettings) -> ChainConnection:
    """Connect to the configured chain and check that it answers."""
    if settings.backend is ChainBackend.EMBEDDED:
        tester = EthereumTester(PyEVMBackend())
        w3 = Web3(EthereumTesterProvider(tester))
        return ChainConnection(w3, settings.backend, "embedded://eth-tester", w3.eth.chain_id)
    return connect_rpc(settings.rpc_url, timeout=settings.request_timeout)


def connect_rpc(url: str, *, timeout: float = 10.0) -> ChainConnection:
    """Connect to a JSON-RPC endpoint; a one-line ChainUnreachableError if it is down."""
    w3 = Web3(HTTPProvider(url, request_kwargs={"timeout": timeout}))
    try:
        chain_id = w3.eth.chain_id
    except (requests.RequestException, Web3Exception, OSError, ValueError) as exc:
        raise ChainUnreachableError(f"cannot reach the chain at {url}: {_first_line(exc)}") from exc
    return ChainConnection(w3, ChainBackend.RPC, url, chain_id)


def dev_accounts(connection: ChainConnection) -> list[LocalAccount]:
    """The pre-funded development accounts of the embedded chain or of anvil."""
    if connection.backend is ChainBackend.EMBEDDED:
        keys = [i.to_bytes(32, "big") for i in range(1, DEV_ACCOUNT_COUNT + 1)]
        return [Account.from_key(key) for key in keys]
    Account.enable_unaudited_hdwallet_features()
    return [
        Account.from_mnemonic(ANVIL_MNEMONIC, account_path=f"m/44'/60'/0'/0/{index}")
        for index in range(DEV_ACCOUNT_COUNT)
    ]


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    if "Connection refused" in text:
        return "connection refused"
    if "timed out" in text.lower():
        return "timed out"
    return text.splitlines()[0][:200]
