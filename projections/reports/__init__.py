"""The reports: one module per report, each defining its command (named in ``projections.commands.REPORTS``)."""
