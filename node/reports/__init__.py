"""Reports of the node: the registry's annual report (yearbook)."""
