"""model versions: checksum, hyperparameters, training job; a job's runs

model_versions.checksum_algorithm + checksum (a hex digest of the algorithm's length),
hyperparameters (a JSON object) and training_job_id (the job that trained it, whose status
feeds the version's trainingStatus); runs.training_job_id (the job a run is an attempt
of: a job's retries are its runs), filled from each job's current run.

Revision ID: 0056
Revises: 0055
Create Date: 2026-12-07 06:30:00
"""

from __future__ import annotations

from alembic import op

revision = "0056"
down_revision = "0055"
branch_labels = None
depends_on = None

UPGRADE = [
    "ALTER TABLE model_versions ADD COLUMN checksum_algorithm VARCHAR(16)",
    "ALTER TABLE model_versions ADD COLUMN checksum VARCHAR(128)",
    "ALTER TABLE model_versions ADD COLUMN hyperparameters JSONB DEFAULT '{}'::jsonb NOT NULL",
    "ALTER TABLE model_versions ADD COLUMN training_job_id UUID",
    "ALTER TABLE model_versions ADD CONSTRAINT ck_model_versions_checksum_algorithm_valid "
    "CHECK (checksum_algorithm IN ('md5', 'sha1', 'sha256', 'sha512', 'blake2b'))",
    "ALTER TABLE model_versions ADD CONSTRAINT ck_model_versions_checksum_complete "
    "CHECK ((checksum_algorithm IS NULL) = (checksum IS NULL))",
    "ALTER TABLE model_versions ADD CONSTRAINT ck_model_versions_checksum_hex "
    "CHECK (checksum ~ '^[0-9a-f]+$')",
    "ALTER TABLE model_versions ADD CONSTRAINT fk_model_versions_training_job_id_training_jobs "
    "FOREIGN KEY(training_job_id) REFERENCES training_jobs (id) ON DELETE SET NULL",
    "CREATE INDEX ix_model_versions_training_job_id ON model_versions (training_job_id) "
    "WHERE training_job_id IS NOT NULL",
    "ALTER TABLE runs ADD COLUMN training_job_id UUID",
    "ALTER TABLE runs ADD CONSTRAINT fk_runs_training_job_id_training_jobs "
    "FOREIGN KEY(training_job_id) REFERENCES training_jobs (id) ON DELETE SET NULL",
    "CREATE INDEX ix_runs_training_job_id ON runs (training_job_id, id) "
    "WHERE training_job_id IS NOT NULL",
    "UPDATE runs r SET training_job_id = j.id FROM training_jobs j WHERE j.run_id = r.id",
]

DOWNGRADE = [
    "ALTER TABLE runs DROP COLUMN training_job_id",
    "ALTER TABLE model_versions DROP COLUMN training_job_id",
    "ALTER TABLE model_versions DROP COLUMN hyperparameters",
    "ALTER TABLE model_versions DROP COLUMN checksum",
    "ALTER TABLE model_versions DROP COLUMN checksum_algorithm",
]


def upgrade() -> None:
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    for statement in DOWNGRADE:
        op.execute(statement)
