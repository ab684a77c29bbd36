"""MSPortal Public API v1 — the Training endpoints, under `/msportal`.

Simulated: `PATCH /api/public/v1/training/enrollments/{id}`, `POST .../enrollments/bulk`,
`GET .../certificates` and `PATCH .../courses/{id}` as documented; `GET .../enrollments`,
`GET .../enrollments/{id}`, `GET .../courses` and `GET .../courses/{id}` inferred from the
documented naming and pagination. Bearer API keys with the scopes `training:read` and
`training:write` (scope names inferred), `X-Request-Id` on every response, rate-limit
headers with a per-key, per-minute limit counted on the simulated clock
(`--option msportal.rate_limit_per_minute=N`, default 600, 0 turns it off).

Inferred behaviour (see states.py): startedAt/completedAt stamping, certificate issue on
completion when the score reaches the course's passingScore and revocation when an
enrollment leaves `completed`; bulk enroll answers 201 and refuses unknown users or
companies with 404 (details name them).

Not simulated: the other MSPortal tags (Budgets, Calendar, Tickets, ...), single-user
enroll and unenroll, certificate files behind `certificateUrl`/`imageUrl`, SCORM.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from simulator.core.tenants import CloneRules
from simulator.core.vendor import Credential, VendorPlugin
from simulator.vendors.msportal import auth, dashboard, errors, fixtures, generate, models, routes


def credentials(session: Session) -> list[Credential]:
    keys = session.scalars(select(models.MspApiKey).order_by(models.MspApiKey.tenant, models.MspApiKey.key))
    return [
        Credential(k.tenant, "api key", {"Authorization": f"Bearer {k.key}"}, note=" ".join(k.scopes)) for k in keys
    ]


VENDOR = VendorPlugin(
    name="msportal",
    title="MSPortal Public API",
    spec_file="msportal.yaml",
    upstream_url="https://app.msportal.ai",
    operations=routes.operations,
    authenticate=auth.authenticate,
    render_error=errors.render_error,
    validation_error=errors.validation_error,
    load_tenant=fixtures.load_tenant,
    credentials=credentials,
    clone_rules=CloneRules(credential_fields=frozenset({"key"})),
    generate=generate.generate,
    dashboard=dashboard.HOOKS,
    credential_tables=frozenset({models.MspApiKey.__tablename__}),
)
