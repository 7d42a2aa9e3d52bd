"""Documents: canonical JSON (RFC 8785), keccak-256 digests, OpenZeppelin-style Merkle trees.

Nothing here touches a database or a chain connection: a document's digest and
its Merkle proof are pure functions of its content, so a verifier recomputes
them from a bundle alone.
"""
