"""Use cases: what applicants, operators and the centre do, one transaction each.

Services take a :class:`~node.services.context.NodeContext` and reach storage
only through the unit of work of ``node.store.ports`` and the chain only
through the outbox (chain actions written in the same transaction) and the
read port :class:`~node.services.context.AssetIndex`.
"""
