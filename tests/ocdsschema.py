"""The OCDS release schema with the bids extension applied, from shared/ocds/schema."""
from __future__ import annotations

import json
from pathlib import Path

SCHEMA = Path(__file__).resolve().parents[2] / "shared" / "ocds" / "schema"


def merge_patch(target, patch):
    """JSON Merge Patch (RFC 7386), as OCDS extensions are applied."""
    if not isinstance(patch, dict):
        return patch
    out = dict(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if v is None:
            out.pop(k, None)
        else:
            out[k] = merge_patch(out.get(k), v)
    return out


def release_schema_with_bids() -> dict:
    release = json.loads((SCHEMA / "release-schema.json").read_text(encoding="utf-8"))
    patch = json.loads((SCHEMA / "bid-extension" / "release-schema.json").read_text(encoding="utf-8"))
    return merge_patch(release, patch)
