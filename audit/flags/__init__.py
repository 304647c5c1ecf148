"""One module per flag of the catalogue (shared/spec/flags.md), registered with
:func:`audit.registry.flag`.  Modules whose name starts with ``_`` hold shared helpers."""
