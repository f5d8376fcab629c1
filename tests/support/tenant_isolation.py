"""Shared by the tests of security/tenant_isolation and others (from tests/security/test_tenant_isolation.py)."""

from __future__ import annotations

SNAPSHOT = """
query($slug: String!) {
  organization(slug: $slug) {
    members { totalCount nodes { role } }
    environments { totalCount nodes { name } }
    auditLogs(first: 100) { totalCount }
    notificationChannels(first: 5) { nodes { name rules(first: 5) { nodes { trigger } } } }
    projects(first: 5) { totalCount nodes {
      slug name description
      alertRules(first: 5) { nodes { threshold enabled } }
      experiments(first: 5) { nodes { name runs(first: 5) { nodes {
        status tags params metricSummary { key count last } } } } }
      models(first: 5) { totalCount nodes {
        name tags
        versions(first: 5) { totalCount nodes {
          version stage
          deployments(first: 5) { totalCount nodes {
            name status maxInstances trafficPercentage embeddingDimension
            monitoringMetrics(first: 1) { totalCount }
            alerts(first: 5) { nodes { status } }
            driftReports(first: 1) { totalCount }
            predictionStats { count }
          } }
        } }
      } }
    } }
  }
}"""
