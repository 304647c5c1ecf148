"""The audit layer: flags, findings, risk, and their presentation (reports, maps, widgets)."""
__version__ = "0.1.0"
