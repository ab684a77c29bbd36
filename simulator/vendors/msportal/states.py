"""MSPortal enrollment statuses and what each one implies.

The documented enum is not_started | in_progress | completed. The rules below are our
reconstruction (the public docs describe the fields, not the lifecycle):
- entering in_progress, or any progress above 0, stamps startedAt once;
- entering completed stamps completedAt, sets progress to 100 and issues a certificate
  when the score reaches the course's passingScore (or the course has none);
- leaving completed clears completedAt and revokes the certificate;
- setting not_started clears progress and startedAt;
- a progress that contradicts the status (completed and not 100, set not_started and not
  0, or a completed enrollment's progress changed without a new status) is a 400.
"""

from __future__ import annotations

NOT_STARTED = "not_started"
IN_PROGRESS = "in_progress"
COMPLETED = "completed"
STATUSES = (NOT_STARTED, IN_PROGRESS, COMPLETED)

READ_SCOPE = "training:read"
WRITE_SCOPE = "training:write"
SCOPES = (READ_SCOPE, WRITE_SCOPE)
