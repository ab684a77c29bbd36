// lms-simulator sandbox: a little plain JavaScript over server-rendered HTML.
// State changes and the journal go through the control API (/_sim); the dashboard's own
// routes (/_dashboard/...) only render fragments and figures /_sim does not offer.
"use strict";

const token = document.querySelector('meta[name="lms-sim-admin-token"]').content;
const statuses = JSON.parse(document.getElementById("vendor-statuses").textContent);
const $ = (selector, root = document) => root.querySelector(selector);
const $$ = (selector, root = document) => Array.from(root.querySelectorAll(selector));

function headers(extra = {}) {
  return token ? { ...extra, Authorization: `Bearer ${token}` } : extra;
}

function say(text, isError = false) {
  const box = $("#status-message");
  box.textContent = text;
  box.classList.toggle("error", isError);
}

// A call to the control API; throws with the API's own error message. State-changing calls
// are always declared JSON (the control API refuses anything else: a cross-site form cannot send it).
async function sim(method, path, body) {
  const changes = method !== "GET" && method !== "HEAD";
  const init = { method, headers: headers(changes ? { "Content-Type": "application/json" } : {}) };
  if (body !== undefined) init.body = JSON.stringify(body);
  const response = await fetch(`/_sim${path}`, init);
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.error || `${method} /_sim${path}: HTTP ${response.status}`);
  return data;
}

// Replace an element's content with a server-rendered fragment, unless a newer request for
// the same element was made meanwhile (its answer must not be overwritten by an older one).
const latest = new WeakMap();

async function fragment(element, path, params = {}) {
  const query = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== "" && v != null));
  const mine = (latest.get(element) || 0) + 1;
  latest.set(element, mine);
  const response = await fetch(`/_dashboard/partials/${path}?${query}`, { headers: headers() });
  const html = await response.text();
  if (latest.get(element) !== mine) return;
  element.innerHTML = html;
  if (!response.ok) throw new Error(element.textContent.trim());
}

// Run an event handler, showing any failure in the status line. Form submits are kept from
// reloading the page; clicks are not cancelled (links and submit buttons must still work).
function guard(action) {
  return async (event) => {
    if (event && event.type === "submit") event.preventDefault();
    try {
      await action(event);
    } catch (error) {
      say(error.message, true);
    }
  };
}

function text(tag, content, attrs = {}) {
  const node = document.createElement(tag);
  if (content !== undefined && content !== null) node.textContent = String(content);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  return node;
}

// -- views and addresses ---------------------------------------------------------------------
// Every view and every opened record has an address that can be shared and reloaded:
//   #/overview  #/enrollments/{vendor}  #/enrollments/{vendor}/{tenant}/{id}
//   #/journal  #/journal/{requestId}  #/controls  #/charts
// Opening something pushes its address (the back button returns to the previous one).

const refreshers = {};

function parseRoute() {
  const hash = location.hash || "#/overview";
  if (!hash.startsWith("#/")) {
    const name = hash.slice(1);  // the short form (#journal) still works; #main is the skip link
    return $$(".view").some((v) => v.id === name) ? { view: name, args: [] } : null;
  }
  const [view, ...args] = hash.slice(2).split("/").map(decodeURIComponent);
  return { view: $$(".view").some((v) => v.id === view) ? view : "overview", args };
}

function address(view, ...args) {
  return `#/${[view, ...args].map(encodeURIComponent).join("/")}`;
}

// Record where we are without running the route again (the page already shows it).
function remember(view, ...args) {
  const next = address(view, ...args);
  if (location.hash !== next) history.pushState(null, "", next);
}

async function showView() {
  const route = parseRoute();
  if (!route) return;
  for (const view of $$(".view")) view.hidden = view.id !== route.view;
  for (const link of $$(".tabs a")) {
    if (link.dataset.view === route.view) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  if (route.view === "enrollments") await routeEnrollments(route.args);
  else if (route.view === "journal") await routeJournal(route.args);
  else if (refreshers[route.view]) await refreshers[route.view]();
}

async function refreshAll() {
  const clock = await sim("GET", "/clock");
  $("#clock-now").textContent = clock.now;
  $("#clock-frozen").textContent = clock.frozen ? "frozen" : "running";
  const visible = $$(".view").find((v) => !v.hidden);
  await fragment($("#overview-body"), "overview");
  if (visible && refreshers[visible.id]) await refreshers[visible.id]();
}

// -- clock ---------------------------------------------------------------------------------

async function advance(duration) {
  const clock = await sim("POST", "/clock/advance", { duration });
  say(`Clock advanced by ${duration}: now ${clock.now}`);
  await refreshAll();
}

// -- enrollments ---------------------------------------------------------------------------

let enrollmentOffset = 0;
let openEnrollment = null;

function fillStatusOptions() {
  const vendor = $("#enrollment-vendor").value;
  const select = $("#enrollment-status");
  select.replaceChildren(text("option", "any", { value: "" }));
  for (const s of statuses[vendor] || []) {
    select.append(text("option", s.label === s.value ? s.value : `${s.value} ${s.label}`, { value: s.value }));
  }
}

function closeEnrollment() {
  openEnrollment = null;
  $("#enrollment-detail").replaceChildren(text("p", "Open an enrollment to see its fields and history.", { class: "muted" }));
}

async function loadEnrollments() {
  const params = Object.fromEntries(new FormData($("#enrollment-filter")));
  await fragment($("#enrollment-list"), "enrollments", { ...params, offset: enrollmentOffset });
  if (openEnrollment) await showEnrollment(openEnrollment);
}

async function showEnrollment(which) {
  openEnrollment = which;
  await fragment($("#enrollment-detail"), "enrollment", which);
}

// #/enrollments/{vendor}[/{tenant}/{id}]
async function routeEnrollments([vendor, tenant, id]) {
  const menu = $("#enrollment-vendor");
  if (vendor && vendor !== menu.value && $$("option", menu).some((o) => o.value === vendor)) {
    menu.value = vendor;
    fillStatusOptions();
    enrollmentOffset = 0;
  }
  if (tenant && id) openEnrollment = { vendor: menu.value, tenant, id };
  else closeEnrollment();
  await loadEnrollments();
}

refreshers.enrollments = loadEnrollments;

// -- journal -------------------------------------------------------------------------------

let journalRows = [];

function prettyBody(raw) {
  if (raw == null || raw === "") return "(empty)";
  try {
    return JSON.stringify(JSON.parse(raw), null, 2);
  } catch {
    return raw;
  }
}

function showRequest(entry) {
  const panel = $("#journal-detail");
  const parts = [
    text("h3", `#${entry.id} ${entry.method} ${entry.path}`, { tabindex: "-1", "data-request-id": entry.requestId }),
    text("p", `${entry.vendor} · ${entry.tenant || "no tenant"} · ${entry.operationId || "no operation"} · status ${entry.status}` +
      (entry.fault ? ` · fault: ${entry.fault}` : "")),
  ];
  if (entry.query) parts.push(text("p", `Query: ${entry.query}`));
  if (entry.violations.length) {
    parts.push(text("h4", "Contract violations"));
    const list = text("ul", undefined, { class: "violations" });
    for (const v of entry.violations) list.append(text("li", `${v.severity || "error"} · ${v.location}: ${v.message}`));
    parts.push(list);
  }
  parts.push(text("h4", "Request headers"), text("pre", JSON.stringify(entry.requestHeaders, null, 2)));
  parts.push(text("h4", "Request body"), text("pre", prettyBody(entry.requestBody)));
  parts.push(text("h4", "Response body"), text("pre", prettyBody(entry.responseBody)));
  panel.replaceChildren(...parts);
}

async function loadJournal() {
  const form = Object.fromEntries(new FormData($("#journal-filter")));
  const query = new URLSearchParams({ limit: "50" });
  for (const key of ["vendor", "status", "operation"]) if (form[key]) query.set(key, form[key]);
  const data = await sim("GET", `/requests?${query}`);
  journalRows = data.requests;
  $("#journal-count").textContent = `${data.total} request${data.total === 1 ? "" : "s"}${data.total > 50 ? ", newest 50 shown" : ""}`;
  const body = $("#journal-table tbody");
  body.replaceChildren(...journalRows.map((entry, index) => {
    const row = text("tr", undefined, { "data-status": entry.status, "data-vendor": entry.vendor });
    row.classList.toggle("failed", entry.status >= 400);
    const path = entry.path.startsWith(`/${entry.vendor}/`) ? entry.path.slice(entry.vendor.length + 1) : entry.path;
    const open = text("button", `${entry.method} ${path}`, { type: "button", class: "link", "data-index": index });
    const cell = text("td");
    cell.append(open);
    const status = text("td", entry.status, { class: `status ${entry.status >= 500 ? "s5" : entry.status >= 400 ? "s4" : "s2"}` });
    if (entry.violations.length) status.append(text("span", " ⚠", { title: "contract violation", "aria-label": "contract violation" }));
    const at = text("td", entry.at.slice(5, 19).replace("T", " "), { title: entry.at });
    row.append(text("td", entry.id), at, text("td", entry.vendor), text("td", entry.tenant || ""),
      text("td", entry.operationId || ""), cell, status, text("td", entry.durationMs));
    return row;
  }));
}

// #/journal[/{requestId}]: the request is looked up among the newest 1,000.
async function routeJournal([requestId]) {
  await loadJournal();
  if (!requestId) return;
  let entry = journalRows.find((e) => e.requestId === requestId);
  if (!entry) entry = (await sim("GET", "/requests?limit=1000")).requests.find((e) => e.requestId === requestId);
  if (entry) showRequest(entry);
  else $("#journal-detail").replaceChildren(text("p", `Request ${requestId} is not in the journal (any more).`, { class: "muted" }));
}

refreshers.journal = loadJournal;

// -- faults and snapshots ------------------------------------------------------------------

function describeRule(rule) {
  const parts = [rule.vendor || "any vendor", rule.method || "", rule.path || "", rule.operationId || "", rule.tenant || ""];
  return parts.filter(Boolean).join(" ");
}

async function loadFaults() {
  const data = await sim("GET", "/faults");
  $("#fault-table tbody").replaceChildren(...data.faults.map((rule) => {
    const remove = text("button", "Remove", { type: "button", "data-fault": rule.id, "aria-label": `Remove fault rule ${rule.id}` });
    const cell = text("td");
    cell.append(remove);
    const answer = rule.kind === "error" ? `${rule.status ?? 500}`
      : rule.kind === "latency" ? `latency ${JSON.stringify(rule.latency || {})}`
      : rule.kind === "hang" ? `hang ${rule.hangSeconds ?? 0} s` : rule.kind + (rule.status ? ` ${rule.status}` : "");
    const limits = `${rule.probability < 1 ? ` p=${rule.probability}` : ""}${rule.times ? ` ×${rule.times}` : ""}`;
    const row = text("tr");
    row.append(text("td", rule.id), text("td", describeRule(rule)), text("td", answer + limits),
      text("td", `${rule.fired}/${rule.matched}`), cell);
    return row;
  }));
}

async function loadSnapshots() {
  const data = await sim("GET", "/snapshots");
  $("#snapshot-table tbody").replaceChildren(...data.snapshots.map((snap) => {
    const actions = text("td");
    actions.append(
      text("button", "Restore", { type: "button", "data-restore": snap.name, "aria-label": `Restore snapshot ${snap.name}` }),
      text("button", "Delete", { type: "button", "data-delete-snapshot": snap.name, "aria-label": `Delete snapshot ${snap.name}` }),
    );
    const row = text("tr");
    row.append(text("td", snap.name), text("td", snap.createdAt), text("td", `${Math.round(snap.bytes / 1024)} KiB`), actions);
    return row;
  }));
}

async function loadWebhooks() {
  const tenant = encodeURIComponent($("#webhook-tenant").value);
  const [subs, deliveries] = await Promise.all([
    sim("GET", `/webhooks?tenant=${tenant}`),
    sim("GET", `/webhooks/deliveries?tenant=${tenant}&limit=20`),
  ]);
  $("#webhook-table tbody").replaceChildren(...subs.subscriptions.map((sub) => {
    const row = text("tr", undefined, { "data-subscription": sub.id });
    row.append(text("td", sub.id), text("td", sub.kind), text("td", sub.events.join(", ")), text("td", sub.targetUrl));
    return row;
  }));
  $("#delivery-table tbody").replaceChildren(...deliveries.deliveries.map((d) => {
    const row = text("tr", undefined, { "data-delivery-status": d.status });
    const last = d.attempts.length ? d.attempts[d.attempts.length - 1] : null;
    const attempts = `${d.attempts.length}${last ? ` (last: ${last.statusCode ?? last.error ?? "?"})` : ""}`;
    row.append(text("td", d.id), text("td", d.event), text("td", d.subscriptionId), text("td", d.status),
      text("td", attempts), text("td", d.createdAt, { class: "when" }));
    return row;
  }));
}

refreshers.controls = async () => {
  await Promise.all([loadFaults(), loadSnapshots(), loadWebhooks()]);
};
refreshers.charts = () => fragment($("#charts-body"), "charts", { window: $("#traffic-window").value });
refreshers.overview = async () => {};

// -- wiring --------------------------------------------------------------------------------

async function copy(value) {
  try {
    await navigator.clipboard.writeText(value);
  } catch {
    const area = text("textarea", value);
    document.body.append(area);
    area.select();
    document.execCommand("copy");
    area.remove();
  }
  say(`Copied ${value}`);
}

function numberOrNull(value) {
  return value === "" ? null : Number(value);
}

document.addEventListener("click", guard(async (event) => {
  const target = event.target.closest("button");
  if (!target) return;
  if (target.dataset.copy !== undefined) await copy(target.dataset.copy);
  else if (target.dataset.advance) await advance(target.dataset.advance);
  else if (target.classList.contains("open-enrollment")) {
    const { vendor, tenant, id } = target.dataset;
    await showEnrollment({ vendor, tenant, id });
    remember("enrollments", vendor, tenant, id);
    $("#detail-title").focus();
  } else if (target.classList.contains("page-link")) {
    enrollmentOffset = Number(target.dataset.offset);
    await loadEnrollments();
  } else if (target.dataset.index !== undefined) {
    const entry = journalRows[Number(target.dataset.index)];
    showRequest(entry);
    remember("journal", entry.requestId);
  } else if (target.dataset.fault) {
    await sim("DELETE", `/faults/${target.dataset.fault}`);
    say(`Removed fault rule ${target.dataset.fault}`);
    await loadFaults();
  } else if (target.dataset.restore) {
    await sim("POST", `/snapshots/${encodeURIComponent(target.dataset.restore)}/restore`);
    say(`Restored snapshot ${target.dataset.restore}`);
    await refreshAll();
  } else if (target.dataset.deleteSnapshot) {
    await sim("DELETE", `/snapshots/${encodeURIComponent(target.dataset.deleteSnapshot)}`);
    await loadSnapshots();
  } else if (target.id === "journal-clear") {
    await sim("DELETE", "/requests");
    await loadJournal();
  }
}));

$("#clock-custom").addEventListener("submit", guard(async () => advance($("#advance-duration").value.trim())));
// Another vendor: its own statuses, its first page, nothing open (and its own address).
$("#enrollment-vendor").addEventListener("change", guard(async () => {
  fillStatusOptions();
  enrollmentOffset = 0;
  closeEnrollment();
  remember("enrollments", $("#enrollment-vendor").value);
  await loadEnrollments();
}));
$("#enrollment-filter").addEventListener("submit", guard(async () => {
  enrollmentOffset = 0;
  await loadEnrollments();
}));
$("#journal-filter").addEventListener("submit", guard(loadJournal));
$("#traffic-window").addEventListener("change", guard(refreshers.charts));
// Only the fields of the chosen kind are shown (and sent).
function showFaultFields() {
  const kind = $("#fault-kind").value;
  for (const label of $$("#fault-form [data-for-kinds]")) label.hidden = !label.dataset.forKinds.split(" ").includes(kind);
}

$("#fault-kind").addEventListener("change", showFaultFields);
$("#fault-form").addEventListener("submit", guard(async (event) => {
  const form = Object.fromEntries(new FormData(event.target));
  const rule = { kind: form.kind, probability: Number(form.probability || 1) };
  for (const key of ["vendor", "method", "path", "operationId"]) if (form[key]) rule[key] = form[key];
  if (["error", "empty", "malformed"].includes(form.kind) && form.status) rule.status = Number(form.status);
  if (form.kind === "latency") rule.latency = { ms: Number(form.latencyMs || 0) };
  if (form.kind === "hang") rule.hangSeconds = Number(form.hangSeconds || 0);
  const times = numberOrNull(form.times || "");
  if (times !== null) rule.times = times;
  const created = await sim("POST", "/faults", rule);
  say(`Added fault rule ${created.id}: ${describeRule(created)} → ${created.kind}${created.status ? ` ${created.status}` : ""}`);
  await loadFaults();
}));
$("#clone-form").addEventListener("submit", guard(async (event) => {
  const form = Object.fromEntries(new FormData(event.target));
  const body = { from: form.from };
  if (form.name) body.name = form.name;
  const created = await sim("POST", "/tenants", body);
  say(`Cloned ${created.clonedFrom} as ${created.tenant}: records and credentials of its own`);
  $("#clone-result").replaceChildren(...created.credentials.map((c) =>
    text("li", `${c.vendor} · ${c.kind}: ${Object.entries(c.values).map(([k, v]) => `${k}=${v}`).join(" ")}`)));
  for (const select of $$("select[name=tenant], #webhook-tenant, #clone-form select[name=from]")) {
    select.append(text("option", created.tenant));
  }
}));
const rateLimitForm = $("#rate-limit-form");
if (rateLimitForm) rateLimitForm.addEventListener("submit", guard(async () => {
  for (const select of $$("select[data-rate-vendor]", rateLimitForm)) {
    if (!select.value) continue;
    const result = await sim("PUT", `/vendors/${encodeURIComponent(select.dataset.rateVendor)}/rate-limit`, { profile: select.value });
    say(`${result.vendor}: rate-limit profile ${result.profile} now in force`);
  }
}));
$("#webhook-filter").addEventListener("submit", guard(loadWebhooks));
$("#reset-form").addEventListener("submit", guard(async (event) => {
  const tenant = new FormData(event.target).get("tenant");
  const result = await sim("POST", `/reset${tenant ? `?tenant=${encodeURIComponent(tenant)}` : ""}`);
  say(`Reset ${result.reset}: fixtures reloaded, clock restored`);
  openEnrollment = null;
  await refreshAll();
}));
$("#snapshot-form").addEventListener("submit", guard(async (event) => {
  const name = new FormData(event.target).get("name");
  await sim("POST", `/snapshots/${encodeURIComponent(name)}`);
  say(`Saved snapshot ${name}`);
  await loadSnapshots();
}));

// Live views: the journal every 2 s, the charts every 5 s, only while they are on screen.
setInterval(() => {
  if (!$("#journal").hidden && $("#journal-live").checked) loadJournal().catch((error) => say(error.message, true));
}, 2000);
setInterval(() => {
  if (!$("#charts").hidden) refreshers.charts().catch((error) => say(error.message, true));
}, 5000);

fillStatusOptions();
showFaultFields();
const route = () => showView().catch((error) => say(error.message, true));
window.addEventListener("hashchange", route);
route();
