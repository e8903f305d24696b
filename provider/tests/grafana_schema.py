"""Reads dashboard JSON models with grafana-foundation-sdk (Grafana's own generated types)
and checks that nothing is lost or changed: every key and value of the input must survive
the SDK's typed decoding and encoding (panel options and field config by panel type).
Usage: grafana_schema.py FILE... ; prints one line per problem, exits 1 when any."""
import json
import sys

from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.cog import plugins
from grafana_foundation_sdk.models.dashboard import Dashboard

plugins.register_default_plugins()


def lost(ours, theirs, path):
    """Where `ours` is not kept in `theirs` (a subset check: the SDK adds defaults)."""
    if isinstance(ours, dict):
        if not isinstance(theirs, dict):
            return [f"{path}: object became {type(theirs).__name__}"]
        out = []
        for k, v in ours.items():
            if k not in theirs:
                out.append(f"{path}.{k}: not in Grafana's schema (dropped)")
            else:
                out.extend(lost(v, theirs[k], f"{path}.{k}"))
        return out
    if isinstance(ours, list):
        if not isinstance(theirs, list) or len(theirs) != len(ours):
            return [f"{path}: list changed"]
        out = []
        for i, (a, b) in enumerate(zip(ours, theirs)):
            out.extend(lost(a, b, f"{path}[{i}]"))
        return out
    if ours != theirs and not (ours is None and theirs is None):
        return [f"{path}: {ours!r} became {theirs!r}"]
    return []


problems = []
for name in sys.argv[1:]:
    with open(name) as f:
        ours = json.load(f)
    try:
        model = Dashboard.from_json(ours)
        theirs = json.loads(json.dumps(model, cls=JSONEncoder))
    except Exception as e:  # a type the SDK cannot decode
        problems.append(f"{name}: not decodable: {e!r}")
        continue
    problems.extend(f"{name}: {p}" for p in lost(ours, theirs, "$"))
for p in problems:
    print(p)
sys.exit(1 if problems else 0)
