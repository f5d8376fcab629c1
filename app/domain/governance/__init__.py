"""Registry rules as code: a model's promotion to a stage or an alias may need approvals
from reviewers with a role and checks (a metric bound of the source run, no open alert at
a severity, its datasets verified), enforced in the transition's own transaction."""
