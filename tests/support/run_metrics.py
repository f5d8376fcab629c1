"""Shared by the tests of api/run_metrics and others (from tests/api/test_run_metrics.py)."""

from __future__ import annotations

SUMMARY = """
query($id: ID!) { node(id: $id) { ... on Run {
  metricKeys
  metricSummary { key count min max last lastStep }
} } }"""


POINTS = """
query($id: ID!, $key: String!, $after: String, $first: Int) { node(id: $id) { ... on Run {
  metric(key: $key) { key summary { count } points(first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } nodes { step value } } }
} } }"""


HISTORY = """
query($id: ID!, $keys: [String!]!, $max: Int!, $from: Int, $to: Int) { node(id: $id) { ... on Run {
  metricHistory(keys: $keys, maxPoints: $max, stepFrom: $from, stepTo: $to) {
    key buckets { stepStart stepEnd min max last lastStep count } }
} } }"""
