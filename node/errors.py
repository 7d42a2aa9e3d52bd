"""The exception hierarchy: one root, one branch per layer.

Each branch also inherits the builtin a caller would naturally catch, as web3.py
does, so ``except ValueError`` still sees bad domain input.
"""


class NodeError(Exception):
    """Root of every error the node raises on purpose."""

    code = "node_error"


class DomainError(NodeError, ValueError):
    """A rule of the registration domain was broken by the input or the action."""

    code = "domain_error"


class PersistenceError(NodeError, RuntimeError):
    """The store could not read or write what was asked."""

    code = "persistence_error"


class ChainError(NodeError, RuntimeError):
    """The chain, or the node's view of it, could not do what was asked."""

    code = "chain_error"


class ToolchainError(NodeError, RuntimeError):
    """A build tool (the Solidity compiler, anvil) failed or is missing."""

    code = "toolchain_error"


class ConfigurationError(NodeError, ValueError):
    """The node's settings are missing, malformed or inconsistent."""

    code = "configuration_error"


class AuthenticationError(NodeError):
    """The caller did not prove who it is: no credential, or one that is wrong or spent."""

    code = "unauthenticated"


class PermissionDeniedError(NodeError):
    """The caller is known but may not do this, or may not touch this object."""

    code = "forbidden"
