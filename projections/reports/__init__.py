"""The reports: one module per report, each defining its command (see ``projections.plugin``)."""
