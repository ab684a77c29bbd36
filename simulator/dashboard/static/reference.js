// The API reference's "Try it" forms: send the prefilled request to this simulator and show the answer.
"use strict";

const base = document.getElementById("ref-base").textContent;

for (const form of document.querySelectorAll("form.try")) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const data = Object.fromEntries(new FormData(form));
    const out = form.querySelector(".answer");
    out.hidden = false;
    try {
      const headers = JSON.parse(data.headers || "{}");
      const init = { method: form.dataset.method, headers };
      if (data.body) {
        init.body = data.body;
        if (!Object.keys(headers).some((h) => h.toLowerCase() === "content-type")) {
          headers["Content-Type"] = data.body.trim().startsWith("{") || data.body.trim().startsWith("[")
            ? "application/json" : "application/x-www-form-urlencoded";
        }
      }
      const response = await fetch(`${base}${data.path}${data.query ? `?${data.query}` : ""}`, init);
      const body = await response.text();
      let shown = body;
      try { shown = JSON.stringify(JSON.parse(body), null, 2); } catch { /* not JSON: shown as sent */ }
      out.textContent = `HTTP ${response.status}\n${shown}`;
      out.dataset.status = String(response.status);
    } catch (error) {
      out.textContent = `Could not send: ${error.message}`;
    }
  });
}

// Vendors whose calls need a bearer token: obtain one with the demo credential, put it in every form.
const tokenButton = document.getElementById("get-token");
if (tokenButton) {
  tokenButton.addEventListener("click", async () => {
    const spec = JSON.parse(tokenButton.dataset.tokenRequest);
    const status = document.getElementById("token-status");
    const response = await fetch(`${base}${spec.path}`, {
      method: "POST",
      headers: { ...spec.headers, "Content-Type": spec.form ? "application/x-www-form-urlencoded" : "application/json" },
      body: spec.form ? new URLSearchParams(spec.body).toString() : JSON.stringify(spec.body),
    });
    const answer = await response.json().catch(() => null);
    const token = spec.field ? answer && answer[spec.field] : answer;
    if (!response.ok || typeof token !== "string") {
      status.textContent = `HTTP ${response.status}: no token`;
      return;
    }
    for (const area of document.querySelectorAll("form.try textarea[name=headers]")) {
      const headers = JSON.parse(area.value || "{}");
      area.value = JSON.stringify({ ...spec.headers, ...headers, Authorization: `Bearer ${token}` });
    }
    status.textContent = "Token obtained: every form below sends it.";
    status.dataset.ready = "true";
  });
}
