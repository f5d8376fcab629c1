"""training health: rules that watch runs, alerts about runs, signs of life

health_rules: a project's (or one experiment's) rules over its runs' metrics, each kind
with its own parameters (a CHECK keeps the others NULL), tenancy and row-level security
from this first revision. Alerts may be about a run (run_id) and opened by a health rule
(health_rule_id), at most one open per rule and run; their policy gains both parents; the
alert type training_health joins the alerts' and notification rules' checks.
runs.last_logged_at and training_jobs.heartbeat_at: when points or a worker's heartbeat
last arrived (the stall rule). projects.rules_version: bumped by every rule change, read
with the run's lock at ingest (no rules: nothing more is asked).

Revision ID: 0045
Revises: 0044
Create Date: 2026-12-06 22:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0045"
down_revision = "0044"
branch_labels = None
depends_on = None

UPGRADE = [
    "CREATE TABLE health_rules (\n\tproject_id UUID NOT NULL, \n\texperiment_id UUID, \n\tname VARCHAR(200) NOT NULL, \n\tkind VARCHAR(20) NOT NULL, \n\tmetric_key VARCHAR(250), \n\tsteps INTEGER, \n\tz_score FLOAT(53), \n\trise FLOAT(53), \n\tseconds INTEGER, \n\tfraction FLOAT(53), \n\tpercent FLOAT(53), \n\tseverity VARCHAR(20) NOT NULL, \n\tcancel_job BOOLEAN NOT NULL, \n\tenabled BOOLEAN NOT NULL, \n\tcreated_by_id UUID, \n\tid UUID NOT NULL, \n\torganization_id UUID NOT NULL, \n\tcreated_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL, \n\tupdated_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL, \n\tdeleted_at TIMESTAMP WITH TIME ZONE, \n\tCONSTRAINT pk_health_rules PRIMARY KEY (id), \n\tCONSTRAINT ck_health_rules_kind_valid CHECK (kind IN ('non_finite', 'spike', 'divergence', 'stall', 'throughput_drop', 'idle_gpu')), \n\tCONSTRAINT ck_health_rules_severity_valid CHECK (severity IN ('low', 'medium', 'high', 'critical')), \n\tCONSTRAINT ck_health_rules_kind_shape CHECK ((kind = 'non_finite' AND steps IS NULL AND z_score IS NULL AND rise IS NULL AND seconds IS NULL AND fraction IS NULL AND percent IS NULL) OR (kind = 'spike' AND metric_key IS NOT NULL AND steps IS NOT NULL AND z_score IS NOT NULL AND rise IS NULL AND seconds IS NULL AND fraction IS NULL AND percent IS NULL) OR (kind = 'divergence' AND metric_key IS NOT NULL AND steps IS NOT NULL AND rise IS NOT NULL AND z_score IS NULL AND seconds IS NULL AND fraction IS NULL AND percent IS NULL) OR (kind = 'stall' AND metric_key IS NULL AND seconds IS NOT NULL AND steps IS NULL AND z_score IS NULL AND rise IS NULL AND fraction IS NULL AND percent IS NULL) OR (kind = 'throughput_drop' AND metric_key IS NOT NULL AND fraction IS NOT NULL AND steps IS NULL AND z_score IS NULL AND rise IS NULL AND seconds IS NULL AND percent IS NULL) OR (kind = 'idle_gpu' AND metric_key IS NULL AND percent IS NOT NULL AND seconds IS NOT NULL AND steps IS NULL AND z_score IS NULL AND rise IS NULL AND fraction IS NULL)), \n\tCONSTRAINT fk_health_rules_project_id_projects FOREIGN KEY(project_id) REFERENCES projects (id) ON DELETE CASCADE, \n\tCONSTRAINT fk_health_rules_experiment_id_experiments FOREIGN KEY(experiment_id) REFERENCES experiments (id) ON DELETE CASCADE, \n\tCONSTRAINT fk_health_rules_created_by_id_users FOREIGN KEY(created_by_id) REFERENCES users (id) ON DELETE SET NULL, \n\tCONSTRAINT fk_health_rules_organization_id_organizations FOREIGN KEY(organization_id) REFERENCES organizations (id) ON DELETE CASCADE\n)",
    "CREATE INDEX ix_health_rules_organization_id ON health_rules (organization_id)",
    "CREATE INDEX ix_health_rules_project_id_live ON health_rules (project_id, id) WHERE deleted_at IS NULL",
    "ALTER TABLE health_rules ENABLE ROW LEVEL SECURITY",
    "CREATE POLICY tenancy ON health_rules TO mlgraph_app USING ((SELECT mlgraph_system()) OR (organization_id = ANY ((SELECT mlgraph_orgs())::uuid[]) AND (cardinality((SELECT mlgraph_hidden())::uuid[]) = 0 OR (NOT coalesce(health_rules.project_id = ANY((SELECT mlgraph_hidden())::uuid[]), false))))) WITH CHECK ((SELECT mlgraph_system()) OR (organization_id = ANY ((SELECT mlgraph_orgs())::uuid[]) AND (cardinality((SELECT mlgraph_hidden())::uuid[]) = 0 OR (NOT coalesce(health_rules.project_id = ANY((SELECT mlgraph_hidden())::uuid[]), false)))))",
    "ALTER TABLE alerts ADD COLUMN run_id UUID",
    "ALTER TABLE alerts ADD COLUMN health_rule_id UUID",
    "ALTER TABLE alerts ADD CONSTRAINT fk_alerts_run_id_runs FOREIGN KEY(run_id) REFERENCES runs (id) ON DELETE CASCADE",
    "ALTER TABLE alerts ADD CONSTRAINT fk_alerts_health_rule_id_health_rules FOREIGN KEY(health_rule_id) REFERENCES health_rules (id) ON DELETE SET NULL",
    "CREATE INDEX ix_alerts_run_id ON alerts (run_id, id) WHERE run_id IS NOT NULL",
    "CREATE UNIQUE INDEX uq_alerts_health_rule_id_run_id_open ON alerts (health_rule_id, run_id) WHERE status IN ('open', 'acknowledged') AND health_rule_id IS NOT NULL",
    "ALTER TABLE alerts DROP CONSTRAINT ck_alerts_alert_type_valid",
    "ALTER TABLE alerts ADD CONSTRAINT ck_alerts_alert_type_valid CHECK (alert_type IN ('metric_threshold', 'performance_degradation', 'data_drift', 'high_latency', 'error_rate', 'custom', 'training_health'))",
    "ALTER TABLE notification_rules DROP CONSTRAINT ck_notification_rules_alert_types",
    "ALTER TABLE notification_rules ADD CONSTRAINT ck_notification_rules_alert_types CHECK (alert_types <@ ARRAY['metric_threshold', 'performance_degradation', 'data_drift', 'high_latency', 'error_rate', 'custom', 'training_health']::varchar[] AND cardinality(alert_types) > 0)",
    "DROP POLICY tenancy ON alerts",
    "CREATE POLICY tenancy ON alerts TO mlgraph_app USING ((SELECT mlgraph_system()) OR (organization_id = ANY ((SELECT mlgraph_orgs())::uuid[]) AND (cardinality((SELECT mlgraph_hidden())::uuid[]) = 0 OR ((alerts.deployment_id IS NULL OR EXISTS (SELECT 1 FROM deployments vp0_0 WHERE vp0_0.id = alerts.deployment_id AND NOT coalesce(vp0_0.project_id = ANY((SELECT mlgraph_hidden())::uuid[]), false))) AND (alerts.rule_id IS NULL OR EXISTS (SELECT 1 FROM alert_rules vp0_1 WHERE vp0_1.id = alerts.rule_id AND NOT coalesce(vp0_1.project_id = ANY((SELECT mlgraph_hidden())::uuid[]), false) AND (vp0_1.deployment_id IS NULL OR EXISTS (SELECT 1 FROM deployments vp1_1 WHERE vp1_1.id = vp0_1.deployment_id AND NOT coalesce(vp1_1.project_id = ANY((SELECT mlgraph_hidden())::uuid[]), false))))) AND (alerts.run_id IS NULL OR EXISTS (SELECT 1 FROM runs vp0_2 WHERE vp0_2.id = alerts.run_id AND NOT coalesce(vp0_2.project_id = ANY((SELECT mlgraph_hidden())::uuid[]), false))) AND (alerts.health_rule_id IS NULL OR EXISTS (SELECT 1 FROM health_rules vp0_3 WHERE vp0_3.id = alerts.health_rule_id AND NOT coalesce(vp0_3.project_id = ANY((SELECT mlgraph_hidden())::uuid[]), false))))))) WITH CHECK ((SELECT mlgraph_system()) OR (organization_id = ANY ((SELECT mlgraph_orgs())::uuid[]) AND (cardinality((SELECT mlgraph_hidden())::uuid[]) = 0 OR ((alerts.deployment_id IS NULL OR EXISTS (SELECT 1 FROM deployments vp0_0 WHERE vp0_0.id = alerts.deployment_id AND NOT coalesce(vp0_0.project_id = ANY((SELECT mlgraph_hidden())::uuid[]), false))) AND (alerts.rule_id IS NULL OR EXISTS (SELECT 1 FROM alert_rules vp0_1 WHERE vp0_1.id = alerts.rule_id AND NOT coalesce(vp0_1.project_id = ANY((SELECT mlgraph_hidden())::uuid[]), false) AND (vp0_1.deployment_id IS NULL OR EXISTS (SELECT 1 FROM deployments vp1_1 WHERE vp1_1.id = vp0_1.deployment_id AND NOT coalesce(vp1_1.project_id = ANY((SELECT mlgraph_hidden())::uuid[]), false))))) AND (alerts.run_id IS NULL OR EXISTS (SELECT 1 FROM runs vp0_2 WHERE vp0_2.id = alerts.run_id AND NOT coalesce(vp0_2.project_id = ANY((SELECT mlgraph_hidden())::uuid[]), false))) AND (alerts.health_rule_id IS NULL OR EXISTS (SELECT 1 FROM health_rules vp0_3 WHERE vp0_3.id = alerts.health_rule_id AND NOT coalesce(vp0_3.project_id = ANY((SELECT mlgraph_hidden())::uuid[]), false)))))))",
    "ALTER TABLE runs ADD COLUMN last_logged_at TIMESTAMP WITH TIME ZONE",
    "ALTER TABLE projects ADD COLUMN rules_version INTEGER DEFAULT 0 NOT NULL",
    "ALTER TABLE training_jobs ADD COLUMN heartbeat_at TIMESTAMP WITH TIME ZONE",
]

DOWNGRADE = [
    "ALTER TABLE training_jobs DROP COLUMN heartbeat_at",
    "ALTER TABLE projects DROP COLUMN rules_version",
    "ALTER TABLE runs DROP COLUMN last_logged_at",
    "DROP POLICY tenancy ON alerts",
    "DELETE FROM alerts WHERE alert_type = 'training_health'",
    "UPDATE notification_rules SET alert_types = array_remove(alert_types, 'training_health') WHERE 'training_health' = ANY(alert_types)",
    "DELETE FROM notification_rules WHERE cardinality(alert_types) = 0",
    "ALTER TABLE notification_rules DROP CONSTRAINT ck_notification_rules_alert_types",
    "ALTER TABLE notification_rules ADD CONSTRAINT ck_notification_rules_alert_types CHECK (alert_types <@ ARRAY['metric_threshold', 'performance_degradation', 'data_drift', 'high_latency', 'error_rate', 'custom']::varchar[] AND cardinality(alert_types) > 0)",
    "ALTER TABLE alerts DROP CONSTRAINT ck_alerts_alert_type_valid",
    "ALTER TABLE alerts ADD CONSTRAINT ck_alerts_alert_type_valid CHECK (alert_type IN ('metric_threshold', 'performance_degradation', 'data_drift', 'high_latency', 'error_rate', 'custom'))",
    "ALTER TABLE alerts DROP COLUMN health_rule_id",
    "ALTER TABLE alerts DROP COLUMN run_id",
    "CREATE POLICY tenancy ON alerts TO mlgraph_app USING ((SELECT mlgraph_system()) OR (organization_id = ANY ((SELECT mlgraph_orgs())::uuid[]) AND (cardinality((SELECT mlgraph_hidden())::uuid[]) = 0 OR ((alerts.deployment_id IS NULL OR EXISTS (SELECT 1 FROM deployments vp0_0 WHERE vp0_0.id = alerts.deployment_id AND NOT coalesce(vp0_0.project_id = ANY((SELECT mlgraph_hidden())::uuid[]), false))) AND (alerts.rule_id IS NULL OR EXISTS (SELECT 1 FROM alert_rules vp0_1 WHERE vp0_1.id = alerts.rule_id AND NOT coalesce(vp0_1.project_id = ANY((SELECT mlgraph_hidden())::uuid[]), false) AND (vp0_1.deployment_id IS NULL OR EXISTS (SELECT 1 FROM deployments vp1_1 WHERE vp1_1.id = vp0_1.deployment_id AND NOT coalesce(vp1_1.project_id = ANY((SELECT mlgraph_hidden())::uuid[]), false))))))))) WITH CHECK ((SELECT mlgraph_system()) OR (organization_id = ANY ((SELECT mlgraph_orgs())::uuid[]) AND (cardinality((SELECT mlgraph_hidden())::uuid[]) = 0 OR ((alerts.deployment_id IS NULL OR EXISTS (SELECT 1 FROM deployments vp0_0 WHERE vp0_0.id = alerts.deployment_id AND NOT coalesce(vp0_0.project_id = ANY((SELECT mlgraph_hidden())::uuid[]), false))) AND (alerts.rule_id IS NULL OR EXISTS (SELECT 1 FROM alert_rules vp0_1 WHERE vp0_1.id = alerts.rule_id AND NOT coalesce(vp0_1.project_id = ANY((SELECT mlgraph_hidden())::uuid[]), false) AND (vp0_1.deployment_id IS NULL OR EXISTS (SELECT 1 FROM deployments vp1_1 WHERE vp1_1.id = vp0_1.deployment_id AND NOT coalesce(vp1_1.project_id = ANY((SELECT mlgraph_hidden())::uuid[]), false)))))))))",
    "DROP TABLE health_rules",
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
