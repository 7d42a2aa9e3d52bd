"""Cross-city mutual recognition (互认): the consortium as a node reads it, peer requests
signed with the centre's chain key, recognition filings and the duplicate-asset check."""
