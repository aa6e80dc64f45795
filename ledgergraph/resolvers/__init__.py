"""Query, mutation and subscription logic, and the per-request dataloaders."""
