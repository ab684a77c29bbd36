"""Docebo Learn: the enrollment API of `https://<subdomain>.docebosaas.com`, under `/docebo`.

Simulated (specs/docebo.yaml):
- `POST /oauth2/token`: password, client_credentials and refresh_token grants; 40-hex
  access tokens valid 3,600 s on the simulated clock; refresh tokens (14 days) rotate.
- `GET/POST/PUT/DELETE /learn/v1/enrollments`: list with Docebo's page envelope; bulk
  enroll, bulk update ("Multiple update") and bulk unenroll of every user x every course,
  at most 1,000 users per call, one transaction per call, set-based SQL.
- `POST/GET/PUT/DELETE /learn/v1/enrollments/{course_id}/{user_id}`.
- `GET /manage/v1/user[/{user_id}]`, `GET /manage/v1/user/session` (who am I),
  `GET /learn/v1/courses`, `GET /course/v1/courses[/{course_id}]`.
- `POST /oauth2/token` takes a form, multipart or JSON body; `page=0` is the first page;
  a path that matches no operation (or a non-numeric id segment) is a 404.
- Status codes -2..4 and levels 1..7 (states.py); lists show names, single views codes.
- `X-Docebo-Api-Version: 1.0.0` on every response; an optional rate-limit profile of
  1,000 calls per hour per IP (auth.py).

Inferred (the sources are silent; see docs/vendors/docebo.md for the full table):
- error bodies: `{"message", "version", "_links"}` for API errors, RFC 6749
  `{"error", "error_description"}` from the OAuth2 layer (errors.py);
- pairs not enrolled in a multiple update are reported in `not_updated` with HTTP 200;
  unknown users/courses in bulk calls are reported the same way, not as 404;
- single enroll of an existing enrollment is 409; single view/unenroll of a pair that
  is not enrolled is 404, the single update reports it as the multiple update does (200;
  an unknown course or user in its path stays 404);
- the bulk-enroll answer carries both readings public clients use (`enrolled` as user ids,
  `errors[0].enrolled` as the pairs); see docs/vendors/docebo.md for the evidence;
- leaving status 2 clears `date_complete`; status 1 stamps `date_first_access` if empty;
- at most 100 courses per bulk call; page size 1..200 (default 200), pages from 1;
- a plain user's token (level "user") may only list and view its own enrollments (403);
- the users and courses endpoints and their field sets.

Not simulated: groups and branches in bulk enroll, learning plans (the `type[]` value
is accepted and matches nothing), ILT sessions, `enrollment/batch`, webhooks, the
`deadline`/`rating`/`channel` list filters, fine-grained power-user permission profiles
(a power user may do what a superadmin may), the `cursor` paging of newer Docebo versions, and the
rarely used enrollment fields of the update schema (session_id, edition_id, rule_log,
...), which are accepted and ignored.

Fixture section (`tenants.<tenant>.docebo`):

    clients: [{client_id, client_secret, grants: [password, client_credentials, refresh_token]}]
    users: [{id, username, firstname, lastname, email, role: godadmin|poweruser|user,
             password (only accounts that log in), active, created_at}]
    courses: [{id, name, code, type: elearning|classroom|webinar, description,
               lang_code, duration (minutes), created_at}]
    enrollments: [{course_id, user_id, status (code or name), level (code or name),
                   date_inscr, date_first_access, date_last_access, date_complete,
                   date_begin_validity, date_expire_validity, score}]

Client ids are unique across tenants (the token endpoint finds the tenant by them).
Times accept "@now-P30D" and friends; a completed enrollment without `date_complete`
is completed "@now".
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from simulator.core.tenants import CloneRules
from simulator.core.vendor import Credential, VendorPlugin
from simulator.vendors.docebo import dashboard, generate
from simulator.vendors.docebo.auth import (
    RATE_LIMIT_PROFILES,
    authenticate,
    set_rate_limit_profile,
)
from simulator.vendors.docebo.errors import render_error, validation_error
from simulator.vendors.docebo.fixtures import load_tenant
from simulator.vendors.docebo.models import DoceboClient, DoceboToken, DoceboUser
from simulator.vendors.docebo.routes import operations


def credentials(session: Session) -> list[Credential]:
    """Each tenant's OAuth2 clients, with the first superadmin account that has a password."""
    out: list[Credential] = []
    for client in session.scalars(select(DoceboClient).order_by(DoceboClient.tenant, DoceboClient.client_id)):
        admins = session.scalars(
            select(DoceboUser)
            .where(DoceboUser.tenant == client.tenant, DoceboUser.role == "godadmin", DoceboUser.password.is_not(None))
            .order_by(DoceboUser.id)
        ).all()
        values = {"client_id": client.client_id, "client_secret": client.client_secret}
        if admins:
            values.update({"username": admins[0].username, "password": admins[0].password or ""})
        out.append(
            Credential(
                tenant=client.tenant,
                kind="oauth2 client",
                values=values,
                note="POST /docebo/oauth2/token with grant_type=password (or client_credentials), scope=api",
            )
        )
    return out


VENDOR = VendorPlugin(
    name="docebo",
    title="Docebo Learn API",
    spec_file="docebo.yaml",
    upstream_url="https://<subdomain>.docebosaas.com",
    operations=operations,
    authenticate=authenticate,
    render_error=render_error,
    validation_error=validation_error,
    load_tenant=load_tenant,
    credentials=credentials,
    secret_operations=frozenset({"requestToken"}),
    # An access token's answer is its row and its user's name and level: remembered per
    # process until one of these tables changes (a token issued or spent, a user edited).
    credential_tables=frozenset({DoceboToken.__tablename__, DoceboUser.__tablename__}),
    extra={"rate_limit_profiles": sorted(RATE_LIMIT_PROFILES), "set_rate_limit_profile": set_rate_limit_profile},
    clone_rules=CloneRules(credential_fields=frozenset({"client_id", "client_secret"})),
    generate=generate.generate,
    dashboard=dashboard.HOOKS,
)
