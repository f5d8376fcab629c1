"""sweeps: trials of a search space as training jobs

sweeps (per experiment: method, metric and goal, search space, limits, early stopping,
the job each trial runs, counts kept by whoever makes or ends a trial) and sweep_trials
(one per training job: params, status, objective, ASHA rung values). Tenancy and
row-level security from this first revision (trials through their sweep). A run's
training jobs get an index: an early stop or a health rule cancels them by run.

Revision ID: 0048
Revises: 0047
Create Date: 2026-12-07 01:00:00
"""

from __future__ import annotations

from alembic import op

revision = "0048"
down_revision = "0047"
branch_labels = None
depends_on = None

UPGRADE = [
    "CREATE TABLE sweeps (\n\tproject_id UUID NOT NULL, \n\texperiment_id UUID NOT NULL, \n\tenvironment_id UUID NOT NULL, \n\tname VARCHAR(200) NOT NULL, \n\tmethod VARCHAR(20) NOT NULL, \n\tmetric_key VARCHAR(250) NOT NULL, \n\tgoal VARCHAR(20) NOT NULL, \n\tspace JSONB NOT NULL, \n\tseed BIGINT NOT NULL, \n\tmax_trials INTEGER NOT NULL, \n\tmax_parallel INTEGER NOT NULL, \n\tearly_stopping VARCHAR(20) NOT NULL, \n\tstopping_min_step BIGINT NOT NULL, \n\tstopping_eta INTEGER, \n\tstopping_startup INTEGER, \n\tjob_spec JSONB NOT NULL, \n\tstatus VARCHAR(20) NOT NULL, \n\tstop_reason TEXT, \n\tended_at TIMESTAMP WITH TIME ZONE, \n\ttrials_made INTEGER NOT NULL, \n\ttrials_active INTEGER NOT NULL, \n\ttrials_completed INTEGER NOT NULL, \n\ttrials_pruned INTEGER NOT NULL, \n\ttrials_failed INTEGER NOT NULL, \n\ttrials_cancelled INTEGER NOT NULL, \n\tbest_value FLOAT(53), \n\tbest_trial_id UUID, \n\tcreated_by_id UUID, \n\tstatus_version INTEGER DEFAULT 0 NOT NULL, \n\tid UUID NOT NULL, \n\torganization_id UUID NOT NULL, \n\tcreated_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL, \n\tupdated_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL, \n\tCONSTRAINT pk_sweeps PRIMARY KEY (id), \n\tCONSTRAINT ck_sweeps_method_valid CHECK (method IN ('grid', 'random', 'tpe')), \n\tCONSTRAINT ck_sweeps_goal_valid CHECK (goal IN ('minimize', 'maximize')), \n\tCONSTRAINT ck_sweeps_early_stopping_valid CHECK (early_stopping IN ('none', 'median', 'asha')), \n\tCONSTRAINT ck_sweeps_status_valid CHECK (status IN ('running', 'finished', 'stopped')), \n\tCONSTRAINT ck_sweeps_stopping_shape CHECK ((early_stopping = 'none' AND stopping_eta IS NULL AND stopping_startup IS NULL) OR (early_stopping = 'median' AND stopping_startup IS NOT NULL AND stopping_eta IS NULL) OR (early_stopping = 'asha' AND stopping_eta IS NOT NULL AND stopping_startup IS NULL AND stopping_min_step >= 1)), \n\tCONSTRAINT ck_sweeps_max_trials_range CHECK (max_trials BETWEEN 1 AND 1000), \n\tCONSTRAINT ck_sweeps_max_parallel_range CHECK (max_parallel BETWEEN 1 AND 100), \n\tCONSTRAINT fk_sweeps_project_id_projects FOREIGN KEY(project_id) REFERENCES projects (id) ON DELETE CASCADE, \n\tCONSTRAINT fk_sweeps_experiment_id_experiments FOREIGN KEY(experiment_id) REFERENCES experiments (id) ON DELETE CASCADE, \n\tCONSTRAINT fk_sweeps_environment_id_environments FOREIGN KEY(environment_id) REFERENCES environments (id) ON DELETE CASCADE, \n\tCONSTRAINT fk_sweeps_created_by_id_users FOREIGN KEY(created_by_id) REFERENCES users (id) ON DELETE SET NULL, \n\tCONSTRAINT fk_sweeps_organization_id_organizations FOREIGN KEY(organization_id) REFERENCES organizations (id) ON DELETE CASCADE\n)",
    "CREATE INDEX ix_sweeps_experiment_id ON sweeps (experiment_id, id)",
    "CREATE INDEX ix_sweeps_organization_id ON sweeps (organization_id)",
    "CREATE INDEX ix_sweeps_project_id ON sweeps (project_id, id)",
    "CREATE INDEX ix_sweeps_project_id_stopping ON sweeps (project_id) WHERE status = 'running' AND early_stopping <> 'none'",
    "ALTER TABLE sweeps ENABLE ROW LEVEL SECURITY",
    "CREATE POLICY tenancy ON sweeps TO mlgraph_app USING ((SELECT mlgraph_system()) OR (organization_id = ANY ((SELECT mlgraph_orgs())::uuid[]) AND (cardinality((SELECT mlgraph_hidden())::uuid[]) = 0 OR (NOT coalesce(sweeps.project_id = ANY((SELECT mlgraph_hidden())::uuid[]), false))))) WITH CHECK ((SELECT mlgraph_system()) OR (organization_id = ANY ((SELECT mlgraph_orgs())::uuid[]) AND (cardinality((SELECT mlgraph_hidden())::uuid[]) = 0 OR (NOT coalesce(sweeps.project_id = ANY((SELECT mlgraph_hidden())::uuid[]), false)))))",
    "CREATE TABLE sweep_trials (\n\tsweep_id UUID NOT NULL, \n\tnumber INTEGER NOT NULL, \n\tparams JSONB NOT NULL, \n\ttraining_job_id UUID NOT NULL, \n\tstatus VARCHAR(20) NOT NULL, \n\tvalue FLOAT(53), \n\tpruned_step BIGINT, \n\tstop_reason TEXT, \n\trung_values FLOAT(53)[] DEFAULT '{}' NOT NULL, \n\tended_at TIMESTAMP WITH TIME ZONE, \n\tid UUID NOT NULL, \n\torganization_id UUID NOT NULL, \n\tcreated_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL, \n\tupdated_at TIMESTAMP WITH TIME ZONE DEFAULT now() NOT NULL, \n\tCONSTRAINT pk_sweep_trials PRIMARY KEY (id), \n\tCONSTRAINT ck_sweep_trials_status_valid CHECK (status IN ('active', 'completed', 'failed', 'pruned', 'cancelled')), \n\tCONSTRAINT uq_sweep_trials_sweep_id UNIQUE (sweep_id, number), \n\tCONSTRAINT uq_sweep_trials_training_job_id UNIQUE (training_job_id), \n\tCONSTRAINT fk_sweep_trials_sweep_id_sweeps FOREIGN KEY(sweep_id) REFERENCES sweeps (id) ON DELETE CASCADE, \n\tCONSTRAINT fk_sweep_trials_training_job_id_training_jobs FOREIGN KEY(training_job_id) REFERENCES training_jobs (id) ON DELETE CASCADE, \n\tCONSTRAINT fk_sweep_trials_organization_id_organizations FOREIGN KEY(organization_id) REFERENCES organizations (id) ON DELETE CASCADE\n)",
    "CREATE INDEX ix_sweep_trials_organization_id ON sweep_trials (organization_id)",
    "ALTER TABLE sweep_trials ENABLE ROW LEVEL SECURITY",
    "CREATE POLICY tenancy ON sweep_trials TO mlgraph_app USING ((SELECT mlgraph_system()) OR (organization_id = ANY ((SELECT mlgraph_orgs())::uuid[]) AND (cardinality((SELECT mlgraph_hidden())::uuid[]) = 0 OR (EXISTS (SELECT 1 FROM sweeps vp0_0 WHERE vp0_0.id = sweep_trials.sweep_id AND NOT coalesce(vp0_0.project_id = ANY((SELECT mlgraph_hidden())::uuid[]), false)))))) WITH CHECK ((SELECT mlgraph_system()) OR (organization_id = ANY ((SELECT mlgraph_orgs())::uuid[]) AND (cardinality((SELECT mlgraph_hidden())::uuid[]) = 0 OR (EXISTS (SELECT 1 FROM sweeps vp0_0 WHERE vp0_0.id = sweep_trials.sweep_id AND NOT coalesce(vp0_0.project_id = ANY((SELECT mlgraph_hidden())::uuid[]), false))))))",
    "CREATE INDEX ix_training_jobs_run_id ON training_jobs (run_id) WHERE run_id IS NOT NULL",
]

DOWNGRADE = [
    "DROP INDEX ix_training_jobs_run_id",
    "DROP TABLE sweep_trials",
    "DROP TABLE sweeps",
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
