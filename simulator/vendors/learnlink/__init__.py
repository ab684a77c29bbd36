"""Learn.link — Thrive Learning's public API (`https://public.api.learn.link`), mounted at `/learnlink`.

Simulated: the enrolment GETs (documented), assignments, completions, audiences,
users, contents and activities (paths from third-party clients), and the OAuth2 token endpoint; HTTP Basic
(Tenant ID : API secret) and Bearer tokens with the documented scopes; the error
envelope `{"status", "error", "message"}`; and the enrolment status machine on the
simulated clock, with its event log (`history`).

Status machine (docs give the statuses; the transitions are inferred):
  unassigned -> open (or -> scheduled while the assignment's start is in the future)
  scheduled -> open on availableDate; open -> overdue once dueDate has passed
  open/overdue -> complete on a completion of the primary or an alternative content
  (a late completion from overdue also completes: inferred)
  recurring: complete until the next period opens (the end of the completed period, or the
  new availableDate = completion + recurrence days if sooner), then -> scheduled
  any -> archived when the user leaves the audience or the assignment is deleted;
  archived -> open again when the user rejoins (inferred).
  History entries are stamped with the moment the transition happened (the due date
  itself), never with the moment somebody read it.

Choices where the docs are silent (all `x-provenance: inferred` in the spec):
  - history entry `type`s: assigned, available, due, completed, recurred, updated, archived;
  - POST /assignments answers 201 with the assignment, PATCH 200, DELETE 204;
  - one live assignment per (audience, primary content): a second one is 409;
  - PATCH/DELETE `audienceId` must be the assignment's audience (else 409); a new
    completionPeriod moves the due date of pending enrolments (overdue may reopen);
    a new recurrence applies from the next completion;
  - a completion counts only for open/overdue enrolments (scheduled ones ignore it),
    and completions recorded before the enrolment existed are not applied to it;
  - POST /learning/completions is idempotent on (userId, contentId, completedAt),
    answers `{"statementId"}` with 201/200, and accepts any completedAt;
  - validation failures are 422, an unparseable body 400, bad credentials 401, a
    missing scope 403 (Basic secrets carry scopes too), another tenant's ids 404;
  - enrolments of a deleted assignment are no longer readable (404), like the assignment;
  - tokens are 64-hex opaque strings; the token endpoint uses the same error envelope;
  - `perPage` up to 1000 on the `{results, pagination}` lists (100 on assignments and
    enrolments); activities are the tenant's completions (type `completed`);
  - enrolment ids are derived from (assignment id, user id): one enrolment per pair;
  - rate limiting (429) is off unless `rate_limit_per_minute` is set for the vendor;
  - webhooks: payload `{event, tenantId, timestamp, data}`; events `assignment.assigned|
    updated|removed`, `enrolment.<new status>`, `content.completed`; subscriptions are
    managed through the admin API (no documented public endpoint).

Not simulated: `/rest/v2` user lifecycle, activity kinds other than completions, audience member
endpoints of the public API (membership changes go through the admin API), smart
audiences, `content.passed`, RPL imports, regional hosts, webhook token hosts.

Fixture section (`tenants.<name>.learnlink`):
    tenantId: eu-west-2_AcmeDemo01
    credentials: [{secret: acme-secret, scopes: [api/all, ...]}]   # scopes default to all
    historyStart: "@now-P730D"         # when audiences and their first members begin
    users:      [{key, id?, ref?, firstName?, lastName?, email?, role?, status? (active)}]
    contents:   [{key, id?, title, type?, description?, author?}]
    audiences:  [{key, id?, name, reference?, apiControlled? (true), members: [user key or id]}]
    assignments: [{key, id?, audience, content, alternatives?, completionPeriod?, recurrence?,
                   hideAlternativeContent?, assignedAt, availableFrom?}]
    completions: [{user, content, completedAt}]
    joins / departures: [{audience, user, at}]
    webhooks:   [{kind, targetUrl, secret, events?}]
Memberships, assignments, completions, joins and departures are replayed in time order
through the API's own rules, so fixture enrolments carry a real history.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from simulator.core.tenants import CloneRules
from simulator.core.vendor import Credential, VendorPlugin
from simulator.vendors.learnlink import dashboard, delivery, generate
from simulator.vendors.learnlink import models as _models  # noqa: F401  (registers the tables)
from simulator.vendors.learnlink.admin import admin_operations
from simulator.vendors.learnlink.auth import authenticate
from simulator.vendors.learnlink.backend.enrolments import catch_up
from simulator.vendors.learnlink.errors import render_error, validation_error
from simulator.vendors.learnlink.fixtures import load_tenant
from simulator.vendors.learnlink.models import LearnlinkCredential, LearnlinkToken
from simulator.vendors.learnlink.routes import operations


def credentials(session: Session) -> list[Credential]:
    rows = session.scalars(select(LearnlinkCredential).order_by(LearnlinkCredential.tenant, LearnlinkCredential.id))
    return [
        Credential(
            tenant=row.tenant,
            kind="basic / oauth2 client",
            # The same pair under its OAuth2 names too (client_id is the Tenant ID), so a client
            # (or `lms-sim contract --auth demo`) can take the token flow without knowing that.
            values={
                "tenantId": row.tenant_id,
                "secret": row.secret,
                "client_id": row.tenant_id,
                "client_secret": row.secret,
                "scopes": " ".join(row.scopes),
            },
            note=f"Basic {row.tenant_id}:{row.secret}, or POST /oauth2/token/{row.tenant_id}",
        )
        for row in rows
    ]


VENDOR = VendorPlugin(
    name="learnlink",
    title="Learn.link (Thrive) Public API",
    spec_file="learnlink.yaml",
    upstream_url="https://public.api.learn.link",
    operations=operations,
    authenticate=authenticate,
    render_error=render_error,
    validation_error=validation_error,
    load_tenant=load_tenant,
    catch_up=catch_up,
    credentials=credentials,
    secret_operations=frozenset({"getToken"}),  # token responses never reach the journal
    admin_operations=admin_operations,
    clone_rules=CloneRules(credential_fields=frozenset({"tenantId", "secret"})),
    generate=generate.generate,
    dashboard=dashboard.HOOKS,
    close=delivery.stop_for,
    extra={"discard_pending_work": delivery.discard_pending},
    # Basic secrets and issued tokens are remembered per process until one of these changes.
    credential_tables=frozenset({LearnlinkCredential.__tablename__, LearnlinkToken.__tablename__}),
)
