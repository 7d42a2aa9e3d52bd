"""The regulator's audit (监管审计): every anchor on chain reconciled with every document of a node.

The chain's history is rebuilt from its logs alone (``history``); a node's
documents, anchoring records, certificates and event log come from its
database or from the export file it writes (``export``, ``export_format``);
``reconcile`` checks one against the other and names every discrepancy as a
finding with its severity and evidence (``findings``), and ``report`` writes
the JSON and HTML reports.
"""
