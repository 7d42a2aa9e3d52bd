"""Everything that talks to the chain: compiler, connection, deployment, contract clients.

This package is the only place that imports web3 or catches its exceptions.
"""
