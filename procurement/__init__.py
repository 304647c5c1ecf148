"""The adapter layer: read, validate and store the inspectors' inputs (data-contract.md)."""
