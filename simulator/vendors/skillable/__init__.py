"""Skillable TMS (Training Management System): class enrollments with capacity and waitlists.

Simulated under `/skillable` (the real host is not published; the spec's server is
inferred). Every operation is a GET with query parameters, writes included, and every
answer is HTTP 200 with a body status: 0 Success, 10 Error (with `error` text), 20 Not
found, 30 Invalid integration key. Create/Update answer lower-case `status`/`error`;
Get/Search answer `Status`/`Error`/`Results`. Auth is the organization's key in the
`api_key` header; another organization's records are "not found" (20).

Operations: CreateClassEnrollment, UpdateClassEnrollment/{id} (documented),
GetClassEnrollment/{id}, GetClassEnrollmentByClassAndUser, SearchClassEnrollments
(documented on the fact sheet), GetClass/{id} and SearchClasses (inferred shapes).

Inferred (the docs are silent; chosen here and marked `x-provenance: inferred`):
- Enroll (60) and Audit (50) hold a seat; `Used` counts them against `Size`.
- A create asking for 60/50 in a full class lands on Waitlist (20); an update asking for
  one is status 10 and changes nothing (status 0 only when the change was applied); a
  freed seat promotes the longest-waiting enrollment (earliest waitlisting, then lowest
  id) to Enroll (60).
- A seat holder cancelling at or after `Start - LateCancelWindowHours` (simulated
  clock) gets `LateCancel: true`; a client may also send lateCancel=true with a cancel.
- Every documented status and completion code is accepted from any status (the docs show
  no rules). The vendor option `strict_transitions` (off by default) turns on the
  simulator's own rules: `states.TRANSITIONS`, no new enrollment as Cancel, completion
  statuses other than Unknown only with Enroll/Audit.
- lateCancel=true only with Cancel; a second create for the same class and user is
  status 10; cancelled/denied classes take no new enrollments.
- Query parameter names bind case-insensitively (ASP.NET model binding).
- Update requires classId/userId to match the enrollment (no moving between classes);
  optional parameters that are not sent keep their stored value.
- Errors carry text only with status 10 (documented); Results is [] on failures;
  searches add `TotalCount`; Grade is 0-100, HoursSpent/ClassroomId are non-negative,
  pageSize 1-1000; createdAfter/createdBefore are exclusive.
- A path matching no operation is HTTP 404 (405 for a wrong method) with an ASP.NET-style
  `{"Message": ...}` body: the web framework answers, not the API. Paths match
  case-insensitively.
- Search `sort` accepts Name, Starts, Expires, Size, Used, Created, LastModified (each
  optionally + " DESC"); for enrollments the first five refer to the class. Ties by Id.

Not simulated: users, classrooms and programs as resources (users only exist as
fixtures), class writes (UpdateClass), the sort fields Program, CompanyOrganization,
Owner and Company, webhooks, rate limits.

Fixture section format: see `simulator.vendors.skillable.fixtures`.
"""

from __future__ import annotations

from simulator.core.tenants import CloneRules
from simulator.core.vendor import VendorPlugin
from simulator.vendors.skillable import dashboard, generate, models
from simulator.vendors.skillable.auth import authenticate, credentials
from simulator.vendors.skillable.errors import render_error, validation_error
from simulator.vendors.skillable.fixtures import load_tenant
from simulator.vendors.skillable.routes import operations

VENDOR = VendorPlugin(
    name="skillable",
    title="Skillable TMS API",
    spec_file="skillable.yaml",
    upstream_url="https://tms.skillable.com/api",
    operations=operations,
    authenticate=authenticate,
    render_error=render_error,
    validation_error=validation_error,
    load_tenant=load_tenant,
    credentials=credentials,
    # ASP.NET-style routing matches paths case-insensitively. [inferred]
    case_insensitive_paths=True,
    # ASP.NET model binding matches query parameter names case-insensitively too. [inferred]
    case_insensitive_names=True,
    # Create and Update are GETs: they need the write lock and the savepoint that undoes a
    # failed call's writes. The reads are plain reads.
    writes_on_get=frozenset({"createClassEnrollment", "updateClassEnrollment"}),
    clone_rules=CloneRules(credential_fields=frozenset({"Key"}), int_id_fields=frozenset({"Id", "ClassId", "UserId"})),
    generate=generate.generate,
    dashboard=dashboard.HOOKS,
    # Keys are remembered per process (auth.py) until this table changes.
    credential_tables=frozenset({models.SkillableApiKey.__tablename__}),
)
