"""Read models of the ledger: one module per model, each a pure fold over domain events."""
