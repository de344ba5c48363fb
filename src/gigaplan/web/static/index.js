// The runs page: the scenario form (built from /api/scenario/form), its YAML
// view kept in step both ways, inline validation, starting runs, comparing.
// The YAML text (#scenario) is the scenario; the form edits it through the
// server (/api/scenario/edit), which keeps comments and layout.
"use strict";

const $ = (id) => document.getElementById(id);
const page = JSON.parse($("page-data").textContent);
// queue: edits and checks run one after another, each on the text the one
// before it left (two quick edits would otherwise each start from the same text)
const state = {schema: null, doc: null, errors: [], timer: null, queue: Promise.resolve()};

function queued(task) {
  state.queue = state.queue.then(task, task);
  return state.queue;
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) { continue; }
    if (key === "class") { node.className = value; } else { node.setAttribute(key, value === true ? "" : value); }
  }
  for (const child of children) {
    if (child !== null && child !== undefined) { node.append(child); }
  }
  return node;
}

function pathText(path) {  // as the server writes it: plan.sites[2].pue
  let out = "";
  for (const part of path) {
    out += typeof part === "number" ? `[${part}]` : (out ? `.${part}` : part);
  }
  return out;
}

async function postJSON(url, body) {
  const resp = await fetch(url, {
    method: "POST", headers: {"Content-Type": "application/json"}, body: JSON.stringify(body),
  });
  return [resp.status, await resp.json()];
}

function shown(value) {
  if (value === undefined || value === null) { return ""; }
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

// -- the form --
function scalarInput(spec, path, value, id) {
  const data = JSON.stringify(path);
  if (spec.kind === "boolean") {
    const checked = value === undefined ? spec.default === true : value === true;
    return el("input", {type: "checkbox", id, "data-path": data, checked});
  }
  if (spec.kind === "enum") {
    const select = el("select", {id, "data-path": data});
    if (spec.nullable || !spec.required) {
      select.append(el("option", {value: ""}, spec.default !== undefined && spec.default !== null ? `(default: ${spec.default})` : "(not set)"));
    }
    for (const option of spec.options) {
      select.append(el("option", {value: option, selected: value === option}, String(option)));
    }
    return select;
  }
  const placeholder = spec.default !== undefined && spec.default !== null ? `default: ${shown(spec.default)}` : (spec.required ? "required" : "not set");
  return el("input", {
    type: "text", id, "data-path": data, value: shown(value), placeholder,
    inputmode: spec.kind === "string" ? null : "decimal", autocomplete: "off",
  });
}

function fieldRow(spec, path, value) {
  const key = pathText(path);
  const id = `f-${key.replace(/[^A-Za-z0-9_-]/g, "_")}`;
  const unit = spec.unit ? el("span", {class: "unit", title: spec.unit_words}, ` [${spec.unit}]`) : null;
  const row = el("div", {class: "field", "data-field": key});
  const label = el("label", {for: id}, spec.label, unit);
  if (spec.kind === "other") {
    row.append(el("span", {}, spec.label, unit), el("code", {}, shown(value) || "(default)"),
      el("span", {class: "allowed"}, "edit in the YAML view"));
  } else {
    row.append(label, scalarInput(spec, path, value, id), el("span", {class: "allowed"}, `allowed: ${spec.allowed}`));
  }
  if (spec.help) { row.append(el("span", {class: "help"}, spec.help)); }
  row.append(el("span", {class: "field-error", role: "alert"}));
  return row;
}

function group(title, path, help, open) {
  const box = el("details", {"data-field": pathText(path), open});
  box.append(el("summary", {}, title));
  if (help) { box.append(el("p", {class: "help"}, help)); }
  box.append(el("div", {class: "field-error", role: "alert"}));
  return box;
}

function renderFields(fields, path, value, parent) {
  for (const spec of fields) {
    parent.append(renderField(spec, [...path, spec.name], value ? value[spec.name] : undefined));
  }
}

function renderField(spec, path, value) {
  const top = path.length === 1;
  if (top && state.schema.free_sections.includes(spec.name) && value !== undefined) {
    const box = group(spec.label, path, "This server's stage for this section takes its own settings: edit them in the YAML view.", false);
    box.append(el("pre", {}, JSON.stringify(value, null, 2)));
    return box;
  }
  if (spec.kind === "object") {
    if (top && (value === undefined || value === null)) {
      const box = group(`${spec.label} (not in this scenario)`, path, "Add this section in the YAML view to run its stage.", false);
      return box;
    }
    const box = group(spec.label, path, spec.help, top);
    renderFields(spec.fields, path, value || {}, box);
    return box;
  }
  if (spec.kind === "list" && spec.item) {
    const items = Array.isArray(value) ? value : [];
    const box = group(`${spec.label} (${items.length})`, path, spec.help, false);
    items.forEach((item, i) => {
      const name = item && typeof item === "object" && item.name ? `: ${item.name}` : "";
      const inner = group(`${spec.label} ${i + 1}${name}`, [...path, i], "", false);
      renderFields(spec.item.fields, [...path, i], item || {}, inner);
      box.append(inner);
    });
    if (!items.length) { box.append(el("p", {class: "note"}, "none: add items in the YAML view")); }
    return box;
  }
  return fieldRow(spec, path, value);
}

function renderForm() {
  const root = $("scenario-form");
  const open = new Set([...root.querySelectorAll("details[open]")].map((d) => d.dataset.field));
  root.replaceChildren();
  if (!state.doc) {
    root.append(el("p", {class: "note"}, "The scenario text has an error (see the YAML view); the form shows it again once the text reads."));
    return;
  }
  renderFields(state.schema.fields, [], state.doc, root);
  for (const box of root.querySelectorAll("details")) {
    if (open.has(box.dataset.field)) { box.open = true; }
  }
  showErrors();
}

// -- errors beside fields --
function slotFor(field) {
  let key = field;
  for (;;) {
    const hit = document.querySelector(`#scenario-form [data-field="${CSS.escape(key)}"]`);
    if (hit) { return hit; }
    const cut = Math.max(key.lastIndexOf("."), key.lastIndexOf("["));
    if (cut <= 0) { return null; }
    key = key.slice(0, cut);
  }
}

function showErrors() {
  for (const slot of document.querySelectorAll("#scenario-form .field-error")) { slot.textContent = ""; }
  for (const row of document.querySelectorAll("#scenario-form .invalid")) { row.classList.remove("invalid"); }
  $("form-error").textContent = "";
  const list = $("yaml-errors");
  list.replaceChildren();
  for (const error of state.errors) {
    const where = error.line ? `line ${error.line}: ` : "";
    list.append(el("li", {}, where + error.message));
    const slot = slotFor(error.field);
    if (!slot) { $("form-error").textContent += `${error.message}\n`; continue; }
    slot.classList.add("invalid");
    const out = slot.querySelector(":scope > .field-error");
    out.textContent += (out.textContent ? "\n" : "") + error.message;
    for (let box = slot.closest("details"); box; box = box.parentElement.closest("details")) { box.open = true; }
  }
}

function apply(payload) {
  if (payload.scenario !== null && payload.scenario !== undefined) { state.doc = payload.scenario; }
  state.errors = payload.errors || [];
}

// -- form -> YAML --
async function edit(input) {
  const path = JSON.parse(input.dataset.path);
  const value = input.type === "checkbox" ? String(input.checked) : input.value;
  const [status, payload] = await postJSON("/api/scenario/edit", {scenario_yaml: $("scenario").value, path, value});
  if (status !== 200) {
    state.errors = [{field: pathText(path), line: payload.line, message: `${pathText(path)}=${value}: ${payload.error || "refused"}`}];
    showErrors();
    return;
  }
  $("scenario").value = payload.scenario_yaml;
  apply(payload);
  showErrors();
}

$("scenario-form").addEventListener("change", (ev) => {
  if (ev.target.dataset && ev.target.dataset.path) { queued(() => edit(ev.target)); }
});

// -- YAML -> form --
function check() {
  clearTimeout(state.timer);
  return queued(checkNow);
}

async function checkNow() {
  const [status, payload] = await postJSON("/api/scenario/check", {scenario_yaml: $("scenario").value});
  if (status !== 200) {
    state.errors = [{field: payload.field || "scenario", message: payload.error || "cannot be checked"}];
    showErrors();
    return;
  }
  state.doc = payload.scenario;
  state.errors = payload.errors;
  renderForm();
}

$("scenario").addEventListener("input", () => {
  clearTimeout(state.timer);
  state.timer = setTimeout(check, 400);
});

$("yaml-toggle").addEventListener("click", () => {
  const view = $("yaml-view");
  view.hidden = !view.hidden;
  $("yaml-toggle").setAttribute("aria-pressed", String(!view.hidden));
  if (view.hidden) { check(); }  // the form shows what the YAML now says
});

// -- runs --
function showError(payload) {
  const where = payload.line ? `line ${payload.line}: ` : "";
  const field = payload.field ? `${payload.field}: ` : "";
  $("scenario-error").textContent = `${where}${field}${payload.error || "error"}`;
  if (payload.line) {
    const area = $("scenario");
    const lines = area.value.split("\n");
    const start = lines.slice(0, payload.line - 1).join("\n").length + (payload.line > 1 ? 1 : 0);
    area.focus();
    area.setSelectionRange(start, start + (lines[payload.line - 1] || "").length);
  }
}

async function refreshRuns() {
  const fresh = new DOMParser().parseFromString(await (await fetch("/")).text(), "text/html");
  document.querySelector("#runs tbody").replaceWith(fresh.querySelector("#runs tbody"));
}

async function poll(url) {
  const bar = $("run-progress");
  bar.hidden = false;
  for (;;) {
    const job = await (await fetch(url)).json();
    bar.max = Math.max(job.total, 1);
    bar.value = job.completed;
    if (job.status === "complete" || job.status === "failed") { await refreshRuns(); }
    if (job.status === "complete") {
      $("run-status").replaceChildren("complete: ", el("a", {id: "open-run", href: `/runs/${job.run_id}`}, `open run ${job.run_id}`));
      return;
    }
    if (job.status === "failed") {
      $("run-status").textContent = "";
      showError({error: job.error});
      return;
    }
    $("run-status").textContent = `${job.status} ${job.stage} (${job.completed}/${job.total} stages)`;
    await new Promise((r) => setTimeout(r, 400));
  }
}

$("run-form").addEventListener("submit", async (ev) => {
  ev.preventDefault();
  await state.queue;  // the text with every form edit made so far
  $("scenario-error").textContent = "";
  $("run-status").textContent = "validating";
  const [status, payload] = await postJSON("/api/runs", {scenario_yaml: $("scenario").value});
  if (status !== 202) {
    $("run-status").textContent = "";
    const detail = payload.detail && typeof payload.detail === "object" && !Array.isArray(payload.detail) ? payload.detail : payload;
    showError(detail);
    return;
  }
  await poll(payload.status_url);
});

$("upload").addEventListener("change", () => {
  const file = $("upload").files[0];
  if (!file) { return; }
  if (file.size > page.limit) { showError({field: "file", error: "file is over the size limit"}); return; }
  file.text().then((text) => { $("scenario").value = text; check(); });
});

$("load-default").addEventListener("click", () => { $("scenario").value = page.default_scenario; check(); });

$("compare").addEventListener("click", () => {
  const a = document.querySelector("input[name=a]:checked");
  const b = document.querySelector("input[name=b]:checked");
  if (a && b) { window.location = `/compare?a=${encodeURIComponent(a.value)}&b=${encodeURIComponent(b.value)}`; }
});

(async () => {
  state.schema = await (await fetch("/api/scenario/form")).json();
  await check();
})();
