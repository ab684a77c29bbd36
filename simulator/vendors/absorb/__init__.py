"""Absorb LMS Integration API v2 — the enrollment surface, under `/absorb`.

Simulated (paths as the real gateway `https://rest.myabsorb.com`, matched
case-insensitively): `POST /authenticate`; course enrollments per user, per course, by
id, in bulk, for "my" (the token's) user; create, create-or-update, re-enroll and
un-enroll; chapter and lesson enrollments; lesson attempts (start, finish) with the
roll-up attempt -> lesson -> chapter -> course; ILC session enrollments with seat
capacity and a waitlist; and the reads to find ids (`/users` with Absorb's user field set,
`/departments`, `/courses`). Query parameter and JSON property names bind
case-insensitively, as ASP.NET does (`_Filter`, `{"Username": ...}`).
`specs/absorb.yaml` marks each operation `documented` or `inferred` after the fact
sheet; `docs/vendors/absorb.md` lists every choice made where the docs are silent.

Auth (see auth.py): `x-api-key` on every call; a 4-hour token per user from
`/authenticate`, sent as `Authorization: Bearer <t>` or bare; a newer token replaces the
older. Errors use Absorb's `{validations, code, message, term, _meta}` envelope.
Lists: `_filter` (OData v2 subset, see odata.py), `_sort`, `_limit` (1-1000, default 20)
and `_offset` (a page index, 0-65535), plus the deprecated `limit`/`offset`/`status`/
`modifiedSince`.

Inferred choices (the docs are silent): enrolling again without `reEnroll` returns the
active enrollment unchanged (201; option `absorb.duplicate_enrollment=error` gives 422);
un-enroll deletes the listed active enrollments and everything under them and answers
204, or 422 listing unknown ids with no change; learners may only use the "my"
operations (403); attempt statuses reuse the enrollment enum (1, 3, 5); a course's score
is the mean of its lesson scores, and it ends Failed (5) once every lesson has an outcome
and one is failed; dates are stored to the second they are shown; a full ILC session puts
the learner (and the ILC enrollment, if NotStarted) on the waitlist (8).

Not simulated: OAuth 2.0 (`/oauth/*`), multi-session ILCs (unsupported by the real API
too), enrollment keys, certificates, curricula and course bundles, custom fields
(nested `customFields/...` filters), user and course writes, webhooks.

Fixture section (`fixtures/demo/absorb.yaml`): see fixtures.py for the format.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from simulator.core.vendor import Credential, VendorPlugin
from simulator.vendors.absorb import auth, dashboard, errors, fixtures, generate, models, routes


def credentials(session: Session) -> list[Credential]:
    out = []
    portals = session.scalars(select(models.AbsorbPortal).order_by(models.AbsorbPortal.tenant))
    for portal in portals:
        users = session.scalars(
            select(models.AbsorbUser)
            .where(models.AbsorbUser.tenant == portal.tenant, models.AbsorbUser.password.is_not(None))
            .order_by(models.AbsorbUser.is_admin.desc(), models.AbsorbUser.username)
        )
        for user in users:
            out.append(
                Credential(
                    portal.tenant,
                    "authenticate",
                    {
                        "x-api-key": portal.api_key,
                        "username": user.username,
                        "password": user.password or "",
                        "privateKey": portal.api_key,
                    },
                    note="admin" if user.is_admin else "learner",
                )
            )
    return out


VENDOR = VendorPlugin(
    name="absorb",
    title="Absorb LMS Integration API v2",
    spec_file="absorb.yaml",
    upstream_url="https://rest.myabsorb.com",
    operations=routes.operations,
    authenticate=auth.authenticate,
    render_error=errors.render_error,
    validation_error=errors.validation_error,
    load_tenant=fixtures.load_tenant,
    credentials=credentials,
    case_insensitive_paths=True,
    case_insensitive_names=True,
    secret_operations=frozenset({"authenticate"}),
    generate=generate.generate,
    dashboard=dashboard.HOOKS,
    # What a remembered credential depends on (auth.py): the key, the token, and the token
    # user's active status and admin flag. Users change only through the control plane and
    # /authenticate (which replaces a token anyway), so watching them costs no request.
    credential_tables=frozenset(
        {models.AbsorbPortal.__tablename__, models.AbsorbToken.__tablename__, models.AbsorbUser.__tablename__}
    ),
)
