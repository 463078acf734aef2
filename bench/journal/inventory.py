#!/usr/bin/env python3
"""A sites.yaml for the benchmark journal: 100 clients, SITES sites, journal in REPO.
usage: inventory.py REPO [SITES]"""
import sys

repo = sys.argv[1]
sites = int(sys.argv[2]) if len(sys.argv) > 2 else 500
print("version: 1\nagency: {name: Bench Agency, timezone: UTC, currency: EUR}")
print(f"journal: {{repository: '{repo}'}}")
print("clients:")
for c in range(100):
    print(f"  client-{c:02}: {{name: Client {c}, contract: {{model: on_demand, rate: 90.00}}}}")
print("sites:")
for i in range(sites):
    print(f"  site-{i:03}: {{client: client-{i % 100:02}, cms: wordpress, "
          f"environments: {{prod: {{url: 'https://site-{i:03}.example'}}}}}}")
