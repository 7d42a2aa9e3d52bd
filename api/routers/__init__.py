"""One router per user of the node (DESIGN.md section 1)."""
