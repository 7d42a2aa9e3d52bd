"""Verification of a certificate bundle against the chain (DESIGN section 5).

The same code serves the CLI (``dataprop verify FILE``), the API and the public
verify page. It reads the chain only through the :class:`ChainFacts` port, so a
direct chain client or a local index of on-chain state can answer, and it never
needs the issuing node.
"""
