"""The node's chain accounts: the centre's signing key and the deploying key.

On a development chain (embedded, or anvil's chain id) a missing key falls back
to the chain's first pre-funded account, so the demo and tests need no setup;
on any other chain a missing key is a configuration error.
"""

from __future__ import annotations

from eth_account import Account
from eth_account.signers.local import LocalAccount
from pydantic import SecretStr

from node.chain.connection import ChainConnection, dev_accounts
from node.chain.local_chain import ANVIL_CHAIN_ID
from node.config import ChainBackend, Settings
from node.errors import ConfigurationError


def centre_account(settings: Settings, connection: ChainConnection) -> LocalAccount:
    """The account whose key signs certificates and sends the centre's transactions."""
    return _account(settings.centre.key, "centre.key", connection)


def deployer_account(settings: Settings, connection: ChainConnection) -> LocalAccount:
    """The account that deploys contracts: deployer_key, else the centre key."""
    if settings.deployer_key is not None:
        return _account(settings.deployer_key, "deployer_key", connection)
    return centre_account(settings, connection)


def is_development_chain(connection: ChainConnection) -> bool:
    """True for the embedded chain and for anvil, whose dev keys are public."""
    return connection.backend is ChainBackend.EMBEDDED or connection.chain_id == ANVIL_CHAIN_ID


def _account(key: SecretStr | None, setting: str, connection: ChainConnection) -> LocalAccount:
    if key is None:
        if is_development_chain(connection):
            return dev_accounts(connection)[0]
        raise ConfigurationError(f"{setting} is required on {connection.describe()}")
    try:
        account: LocalAccount = Account.from_key(key.get_secret_value())
    except (ValueError, TypeError):
        # never chain the original: its message may quote the key
        raise ConfigurationError(f"{setting} is not a valid private key") from None
    return account
