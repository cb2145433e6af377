#!/usr/bin/env python3
"""Trims Gr4vy's OpenAPI document to the operations cardvault serves and the
schemas they reference, for spec_test.go:

    python3 testdata/trim-spec.py ../../../../shared/reference/gr4vy-openapi.json > testdata/gr4vy-openapi.json
"""
import json, sys

SERVED = ["/payment-methods", "/payment-methods/{payment_method_id}",
          "/payment-methods/{payment_method_id}/payment-service-tokens",
          "/payment-methods/{payment_method_id}/payment-service-tokens/{payment_service_token_id}",
          "/payment-methods/{payment_method_id}/network-tokens",
          "/payment-methods/{payment_method_id}/network-tokens/{network_token_id}",
          "/payment-methods/{payment_method_id}/network-tokens/{network_token_id}/cryptogram",
          "/payment-methods/{payment_method_id}/network-tokens/{network_token_id}/suspend",
          "/payment-methods/{payment_method_id}/network-tokens/{network_token_id}/resume",
          "/buyers", "/buyers/{buyer_id}", "/buyers/payment-methods",
          "/buyers/{buyer_id}/shipping-details", "/buyers/{buyer_id}/shipping-details/{shipping_details_id}",
          "/checkout/sessions", "/checkout/sessions/{session_id}", "/checkout/sessions/{session_id}/fields",
          "/checkout/sessions/{session_id}/card-details"]

doc = json.load(open(sys.argv[1]))
paths = {p: doc["paths"][p] for p in SERVED}
schemas = doc["components"]["schemas"]
keep, todo = set(), [paths]
while todo:
    node = todo.pop()
    if isinstance(node, dict):
        ref = node.get("$ref", "")
        if ref.startswith("#/components/schemas/"):
            name = ref.rsplit("/", 1)[1]
            if name not in keep:
                keep.add(name)
                todo.append(schemas[name])
        todo.extend(node.values())
    elif isinstance(node, list):
        todo.extend(node)
out = {k: v for k, v in doc.items() if k not in ("paths", "components")}
out["paths"] = paths
out["components"] = {"schemas": {k: schemas[k] for k in sorted(keep)}}
for k, v in doc["components"].items():
    if k != "schemas":
        out["components"][k] = v
json.dump(out, sys.stdout, indent=1, sort_keys=True)
print()
