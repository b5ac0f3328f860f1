// PEPA console pages. Plain ES module, no build step, no external asset.
// Every piece of text that comes from the robot or a person is put in the page with
// textContent (through el()), never as HTML.

const API = "/api/v1";
const SVG = "http://www.w3.org/2000/svg";
const TERMINAL = new Set(["done", "failed", "declined", "cancelled"]);
const PAGES = ["live", "requests", "memory", "reflections", "personality"];

const state = {
  status: null,
  floors: new Map(),
  floorShown: null,
  requests: new Map(),
  day: null,
  events: null,
  switchTo: null,
  trail: [],
  polling: false,
};

const CAMERA_PERIOD_MS = 700; // a few frames a second at most; the next ask waits for the last
const TRAIL_PERIOD_MS = 3000;
const GLANCE_PERIOD_MS = 10000;
const TRAIL_S = 3600;
const CATEGORY_ORDER = ["requests", "social", "explore", "express", "move", "rest", "charge", "idle"];

// --- small helpers ---------------------------------------------------------------------------

function $(id) {
  return document.getElementById(id);
}

/** An element with attributes and children; string children become text nodes. */
function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

function svg(tag, attrs = {}, text = null) {
  const node = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  if (text !== null) node.textContent = text;
  return node;
}

function setText(id, text) {
  $(id).textContent = text === null || text === undefined || text === "" ? "–" : String(text);
}

function pct(x) {
  return `${Math.round(x * 100)}%`;
}

function simTime(t) {
  const day = Math.floor(t / 86400);
  const s = Math.floor(t % 86400);
  const hh = String(Math.floor(s / 3600)).padStart(2, "0");
  const mm = String(Math.floor((s / 60) % 60)).padStart(2, "0");
  return `day ${day} ${hh}:${mm}`;
}

function clock(t) {
  const s = ((t % 86400) + 86400) % 86400;
  return `${String(Math.floor(s / 3600)).padStart(2, "0")}:${String(Math.floor((s / 60) % 60)).padStart(2, "0")}`;
}

function minutes(seconds) {
  if (seconds < 30) return "under a minute";
  const m = Math.round(seconds / 60);
  return m >= 60 ? `${Math.floor(m / 60)} h ${m % 60} min` : `${m} min`;
}

function notice(text) {
  const n = $("notice");
  n.textContent = text || "";
  n.hidden = !text;
}

class ApiError extends Error {
  constructor(status, body) {
    super(body && body.error ? body.error : `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

/** JSON API call; changes carry the console header and a JSON body type. */
async function api(path, { method = "GET", body = undefined } = {}) {
  const headers = { Accept: "application/json" };
  if (method !== "GET") headers["X-Pepa-Console"] = "1";
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const res = await fetch(API + path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "same-origin",
  });
  if (res.status === 204) return null;
  let data = null;
  try {
    data = await res.json();
  } catch (e) {
    data = null;
  }
  if (res.status === 401) {
    showLogin();
    throw new ApiError(401, data);
  }
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

// --- pages and routing -----------------------------------------------------------------------

function route() {
  const hash = decodeURIComponent(location.hash.replace(/^#/, "")) || "live";
  const [page, arg] = hash.split("/", 2);
  const name = PAGES.includes(page) ? page : "live";
  for (const p of PAGES) $(`page-${p}`).hidden = p !== name;
  $("page-login").hidden = true;
  for (const a of document.querySelectorAll("nav a[data-page]")) {
    if (a.dataset.page === name) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  if (name === "requests") loadRequests();
  if (name === "memory" && arg) openEpisode(arg);
  if (name === "reflections") loadDays(arg === undefined ? null : Number(arg));
  if (name === "personality") loadPersonality();
}

function showLogin() {
  for (const p of PAGES) $(`page-${p}`).hidden = true;
  $("page-login").hidden = false;
  $("login-token").focus();
}

// --- live ------------------------------------------------------------------------------------

async function loadFloors() {
  const floors = await api("/floors");
  const select = $("floor-select");
  select.replaceChildren();
  for (const f of floors) {
    state.floors.set(f.floor, f);
    select.append(el("option", { value: f.floor }, `${f.floor} — ${f.name}`));
  }
}

function showFloor(floor) {
  const info = state.floors.get(floor);
  if (!info || state.floorShown === floor) return;
  state.floorShown = floor;
  $("floor-select").value = String(floor);
  const img = $("map-img");
  img.src = `${API}/floors/${floor}/map.png`;
  img.alt = `Map of floor ${floor} (${info.name})`;
  img.width = info.image_width;
  img.height = info.image_height;
  $("map-overlay").setAttribute("viewBox", `0 0 ${info.image_width} ${info.image_height}`);
}

function drawOverlay(s) {
  const info = state.floors.get(state.floorShown);
  const overlay = $("map-overlay");
  if (!info) return;
  const kx = info.image_width / info.width_m;
  const ky = info.image_height / info.height_m;
  const px = (x) => (x - info.origin_x) * kx;
  const py = (y) => info.image_height - (y - info.origin_y) * ky;
  const desc = svg("desc", { id: "map-desc" });
  const parts = [desc];
  const byId = new Map(s.elevators.map((e) => [e.elevator, e]));
  for (const shape of info.elevators) {
    const e = byId.get(shape.id);
    const cls = !e ? "idle" : e.state === "out_of_service" ? "oos"
      : e.doors_open ? "open" : e.state === "moving" ? "moving" : "idle";
    const g = svg("g", { class: `elevator ${cls}` });
    g.append(svg("rect", {
      x: px(shape.x0), y: py(shape.y1), width: (shape.x1 - shape.x0) * kx,
      height: (shape.y1 - shape.y0) * ky,
    }));
    g.append(svg("text", { x: px((shape.x0 + shape.x1) / 2), y: py(shape.y0) + 14, "text-anchor": "middle" },
      e ? `@${e.floor}` : ""));
    parts.push(g);
  }
  const trail = trailPaths(state.trail.filter((p) => p.floor === state.floorShown), px, py);
  if (trail) parts.push(trail);
  const here = s.people.filter((p) => p.floor === state.floorShown);
  for (const p of here) {
    const g = svg("g", { class: "person" });
    g.append(svg("circle", { cx: px(p.x), cy: py(p.y), r: 5 }));
    g.append(svg("text", { x: px(p.x), y: py(p.y) - 8, "text-anchor": "middle" }, p.name.split(" ")[0]));
    parts.push(g);
  }
  const pose = s.agent.pose;
  let where = `The robot is on floor ${pose.floor}.`;
  if (pose.floor === state.floorShown) {
    const g = svg("g", { class: "robot" });
    const x = px(pose.x);
    const y = py(pose.y);
    g.append(svg("circle", { cx: x, cy: y, r: 8 }));
    g.append(svg("line", {
      x1: x, y1: y, x2: x + 14 * Math.cos(pose.theta), y2: y - 14 * Math.sin(pose.theta),
    }));
    parts.push(g);
    where = `The robot is here, in ${s.agent.room || "a corridor"}.`;
  }
  desc.textContent = `Floor ${state.floorShown}: ${where} ${here.length} people on this floor.`;
  overlay.replaceChildren(...parts);
}

/** The trail as polylines, broken where the robot left the floor or time jumped. */
function trailPaths(points, px, py) {
  if (points.length < 2) return null;
  const g = svg("g", { class: "trail" });
  let run = [];
  const flush = () => {
    if (run.length > 1) g.append(svg("polyline", { points: run.join(" ") }));
    run = [];
  };
  points.forEach((p, i) => {
    if (i && p.t - points[i - 1].t > 600) flush();
    run.push(`${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`);
  });
  flush();
  return g;
}

function renderStatus(s) {
  state.status = s;
  const a = s.agent;
  setText("strip-time", s.time_text);
  setText("strip-personality", a.personality);
  setText("strip-battery", `battery ${pct(a.battery)}${a.charging ? " (charging)" : ""}`);
  setText("live-time", `${s.time_text} (×${s.speed})`);
  setText("live-personality", a.personality);
  setText("live-where", `${a.room || "corridor"}, floor ${a.pose.floor}`);
  $("live-battery-meter").value = a.battery;
  setText("live-battery", `${pct(a.battery)}${a.charging ? ", charging" : ""}`);
  setText("live-skill", a.current_skill || "idle");
  setText("live-goal", s.goal_text || "no goal right now");
  setText("live-decision-label", s.decision ? s.decision.label : "no decision yet");
  setText("live-decision", s.decision ? s.decision.explanation : "");
  const plan = $("live-plan");
  const steps = a.plan ? a.plan.steps : [];
  const done = a.plan ? a.plan.progress : 0;
  plan.replaceChildren(...steps.map((st, i) => {
    const args = Object.entries(st.args || {}).map(([k, v]) => `${k}=${v}`).join(", ");
    const status = i < done ? "done" : i === done ? "now" : "next";
    return el("li", { class: `step ${status}` }, el("span", { class: "tag" }, status), ` ${st.skill}(${args})`);
  }));
  if (!steps.length) plan.append(el("li", { class: "muted" }, "no plan"));
  const bar = $("live-plan-progress");
  bar.max = Math.max(1, steps.length);
  bar.value = Math.min(done, steps.length);
  $("live-elevators").replaceChildren(...s.elevators.map((e) => el("li", {},
    el("strong", {}, e.elevator), `: floor ${e.floor}, ${e.state.replaceAll("_", " ")}`,
    e.doors_open ? ", doors open" : "", e.robot_aboard ? " — robot aboard" : "")));
  if (!state.floors.size) return;
  const follow = $("follow-robot").checked;
  if (follow || state.floorShown === null) showFloor(a.pose.floor);
  drawOverlay(s);
}

function renderLiveRequests() {
  const list = [...state.requests.values()]
    .sort((x, y) => y.created_at - x.created_at)
    .slice(0, 6);
  const ul = $("live-requests");
  ul.replaceChildren(...list.map((r) => el("li", { "data-request": r.id },
    el("span", { class: `badge ${r.state}`, "data-state": r.state }, r.state.replace("_", " ")), " ",
    el("span", { class: "req-text" }, r.text),
    r.reason ? el("span", { class: "muted" }, ` — ${r.reason}`) : null)));
  if (!list.length) ul.append(el("li", { class: "muted" }, "no requests yet"));
}

// --- what the robot sees, where it went, what it did ----------------------------------------

function liveShown() {
  return !$("page-live").hidden && document.visibilityState === "visible";
}

/** Never wider than the box shows (times the screen's pixel density), in steps of 80 px. */
function cameraWidth() {
  const box = $("camera").clientWidth || 320;
  const want = Math.ceil((box * (window.devicePixelRatio || 1)) / 80) * 80;
  return Math.max(160, Math.min(640, want));
}

function renderCamera(v) {
  const img = $("camera-img");
  img.src = v.image;
  img.width = v.width;
  img.height = v.height;
  img.alt = `Camera frame of ${simTime(v.time)} on floor ${v.floor}`;
  const overlay = $("camera-overlay");
  overlay.setAttribute("viewBox", `0 0 ${v.width} ${v.height}`);
  const names = v.markers.map((m) => `${m.name} (${m.kind.replace("_", " ")})`);
  const parts = [svg("desc", { id: "camera-desc" },
    names.length ? `Markers detected: ${names.join(", ")}.` : "No marker detected in this frame.")];
  for (const m of v.markers) {
    const g = svg("g", { class: `marker ${m.kind}` });
    g.append(svg("polygon", { points: m.corners.map(([x, y]) => `${x},${y}`).join(" ") }));
    const top = Math.min(...m.corners.map((c) => c[1]));
    const left = Math.min(...m.corners.map((c) => c[0]));
    g.append(svg("text", { x: left, y: Math.max(10, top - 4) }, m.name));
    parts.push(g);
  }
  overlay.replaceChildren(...parts);
  $("camera-caption").textContent = `${simTime(v.time)}, floor ${v.floor} · ${v.markers.length} marker${v.markers.length === 1 ? "" : "s"} detected`;
  $("camera-markers").replaceChildren(...v.markers.map((m) =>
    el("li", { "data-marker": m.marker_id }, el("span", { class: `tag ${m.kind}` }, m.kind.replace("_", " ")), ` ${m.name}`)));
}

async function pollCamera() {
  if (liveShown()) {
    try {
      renderCamera(await api(`/camera?width=${cameraWidth()}`));
    } catch (e) {
      if (e.status === 404) $("camera-caption").textContent = "No camera frame yet.";
    }
  }
  setTimeout(pollCamera, CAMERA_PERIOD_MS);
}

async function pollTrail() {
  if (liveShown()) {
    try {
      state.trail = await api(`/trail?seconds=${TRAIL_S}`);
      if (state.status) drawOverlay(state.status);
    } catch (e) {
      /* the next round tries again */
    }
  }
  setTimeout(pollTrail, TRAIL_PERIOD_MS);
}

async function pollGlance() {
  if (liveShown() && state.status) {
    try {
      const g = await api(`/days/${state.status.day}/glance`);
      const box = $("live-glance");
      box.replaceChildren(...glanceParts(g, "live", false, box.clientWidth));
      $("live-battery-chart").replaceChildren(batteryChart(g, "live"));
    } catch (e) {
      if (e.status === 404) $("live-glance").replaceChildren(el("p", { class: "muted" }, "The day has not begun."));
    }
  }
  setTimeout(pollGlance, GLANCE_PERIOD_MS);
}

function categoryRank(c) {
  const i = CATEGORY_ORDER.indexOf(c);
  return i < 0 ? CATEGORY_ORDER.length : i;
}

function categoryClass(c) {
  return `cat-${categoryRank(c) < CATEGORY_ORDER.length ? c : "other"}`;
}

/** Hour ticks over [t0, t1]: every hour, or every few hours on a long span. */
function hourTicks(t0, t1) {
  const span = (t1 - t0) / 3600;
  const step = span > 12 ? 3 : span > 6 ? 2 : 1;
  const out = [];
  for (let h = Math.ceil(t0 / 3600 / step) * step; h * 3600 <= t1; h += step) out.push(h * 3600);
  return out;
}

/** A tick label near the right edge ends at its tick instead of running past the edge. */
function tickAnchor(x, edge) {
  return x > edge - 18 ? "end" : "middle";
}

/** The day's activities in lanes by category, and its requests on a lane above. */
function timeline(g, idp, width) {
  const cats = [...new Set(g.activities.map((a) => a.category))].sort((a, b) => categoryRank(a) - categoryRank(b) || a.localeCompare(b));
  const w = Math.max(420, Math.min(1100, Math.round(width || 640)));
  const left = 90, right = 12, top = 30, laneH = 18;
  const h = top + cats.length * laneH + 22;
  const t0 = g.start, t1 = Math.max(g.end, g.start + 60);
  const x = (t) => left + ((t - t0) / (t1 - t0)) * (w - left - right);
  const total = new Map();
  for (const a of g.activities) total.set(a.category, (total.get(a.category) || 0) + (a.end - a.start));
  const chart = svg("svg", { viewBox: `0 0 ${w} ${h}`, role: "img", class: "timeline", "aria-labelledby": `${idp}-tl-title ${idp}-tl-desc` });
  chart.append(svg("title", { id: `${idp}-tl-title` }, `Day ${g.day}: what the robot did, ${clock(g.start)} to ${clock(g.end)}`));
  chart.append(svg("desc", { id: `${idp}-tl-desc` }, [
    ...cats.map((c) => `${c} ${minutes(total.get(c))}`),
    `${g.requests.length} request${g.requests.length === 1 ? "" : "s"}`,
  ].join("; ")));
  chart.append(svg("text", { x: left - 6, y: 16, "text-anchor": "end", class: "lane" }, "new requests"));
  for (const r of g.requests) {
    const cx = x(Math.min(Math.max(r.time, t0), t1));
    const mark = svg("path", { d: `M${cx},8 l5,8 l-10,0 z`, class: `req ${r.state}` });
    mark.append(svg("title", {}, `${clock(r.time)} ${r.sender}: ${r.text} (${r.state.replace("_", " ")})`));
    chart.append(mark);
  }
  cats.forEach((c, i) => {
    const y = top + i * laneH;
    chart.append(svg("text", { x: left - 6, y: y + 13, "text-anchor": "end", class: "lane" }, c));
    chart.append(svg("line", { x1: left, x2: w - right, y1: y + laneH - 1, y2: y + laneH - 1, class: "grid" }));
  });
  for (const a of g.activities) {
    const y = top + cats.indexOf(a.category) * laneH;
    const bar = svg("rect", { x: x(a.start), y: y + 3, width: Math.max(1, x(a.end) - x(a.start)), height: laneH - 6, class: categoryClass(a.category) });
    bar.append(svg("title", {}, `${clock(a.start)}–${clock(a.end)} ${a.category}: ${a.label || a.kind}`));
    chart.append(bar);
  }
  const base = top + cats.length * laneH;
  for (const t of hourTicks(t0, t1)) {
    chart.append(svg("line", { x1: x(t), x2: x(t), y1: top - 4, y2: base + 3, class: "tick" }));
    chart.append(svg("text", { x: x(t), y: base + 16, "text-anchor": tickAnchor(x(t), w - right), class: "axis" }, clock(t)));
  }
  if (g.live) chart.append(svg("line", { x1: x(t1), x2: x(t1), y1: 4, y2: base, class: "now" }));
  return chart;
}

/** Each floor's map with its rooms shaded by the time spent in them, top floor first. */
function heatmap(g, idp) {
  const rooms = g.places.filter((p) => p.room !== null);
  const max = Math.max(1, ...rooms.map((p) => p.seconds));
  const spent = new Map(g.places.map((p) => [`${p.floor}/${p.room}`, p.seconds]));
  const floors = [...state.floors.values()].sort((a, b) => b.floor - a.floor);
  const figs = floors.map((info) => {
    const onFloor = g.places.filter((p) => p.floor === info.floor).reduce((n, p) => n + p.seconds, 0);
    const kx = info.image_width / info.width_m;
    const ky = info.image_height / info.height_m;
    const px = (v) => (v - info.origin_x) * kx;
    const py = (v) => info.image_height - (v - info.origin_y) * ky;
    const over = svg("svg", { viewBox: `0 0 ${info.image_width} ${info.image_height}`, role: "img", "aria-labelledby": `${idp}-heat-${info.floor}` });
    const visited = info.rooms.filter((r) => spent.has(`${info.floor}/${r.id}`));
    over.append(svg("desc", { id: `${idp}-heat-${info.floor}` }, visited.length
      ? `Time per room on floor ${info.floor}: ${visited.map((r) => `${r.name} ${minutes(spent.get(`${info.floor}/${r.id}`))}`).join(", ")}`
      : `Floor ${info.floor}: no room visited`));
    for (const r of info.rooms) {
      const s = spent.get(`${info.floor}/${r.id}`) || 0;
      if (!s) continue;
      const rect = svg("rect", { x: px(r.x0), y: py(r.y1), width: (r.x1 - r.x0) * kx, height: (r.y1 - r.y0) * ky, class: "heat", "fill-opacity": (0.15 + 0.7 * (s / max)).toFixed(2) });
      rect.append(svg("title", {}, `${r.name}: ${minutes(s)}`));
      over.append(rect);
    }
    return el("figure", { class: "heat-floor", "data-floor": info.floor },
      el("div", { class: "map small" },
        el("img", { src: `${API}/floors/${info.floor}/map.png`, alt: "", width: info.image_width, height: info.image_height }),
        over),
      el("figcaption", {}, `Floor ${info.floor} — ${info.name}: ${onFloor ? minutes(onFloor) : "not visited"}`));
  });
  const top = [...g.places].slice(0, 6).map((p) => {
    const room = p.room === null ? null : (state.floors.get(p.floor)?.rooms || []).find((r) => r.id === p.room);
    return el("li", {}, `${room ? room.name : p.room || "between rooms"} (floor ${p.floor}): ${minutes(p.seconds)}`);
  });
  return [el("div", { class: "heat-floors" }, ...figs), el("ol", { class: "places" }, ...top)];
}

function batteryChart(g, idp) {
  const w = 320, h = 120, left = 34, right = 8, top = 8, bottom = 20;
  const pts = g.battery;
  const t0 = g.start, t1 = Math.max(g.end, g.start + 60);
  const x = (t) => left + ((t - t0) / (t1 - t0)) * (w - left - right);
  const y = (v) => top + (1 - v) * (h - top - bottom);
  const chart = svg("svg", { viewBox: `0 0 ${w} ${h}`, role: "img", class: "battery-chart", "aria-labelledby": `${idp}-bat-title` });
  const low = pts.reduce((m, p) => (p[1] < m[1] ? p : m), pts[0] || [t0, 1]);
  const last = pts.length ? pts[pts.length - 1][1] : null;
  chart.append(svg("title", { id: `${idp}-bat-title` }, pts.length
    ? `Battery on day ${g.day}: ${pct(pts[0][1])} at ${clock(pts[0][0])}, lowest ${pct(low[1])} at ${clock(low[0])}, ${pct(last)} at ${clock(pts[pts.length - 1][0])}`
    : `Battery on day ${g.day}: no samples yet`));
  for (const v of [0, 0.5, 1]) {
    chart.append(svg("line", { x1: left, x2: w - right, y1: y(v), y2: y(v), class: "grid" }));
    chart.append(svg("text", { x: left - 4, y: y(v) + 4, "text-anchor": "end", class: "axis" }, pct(v)));
  }
  for (const t of hourTicks(t0, t1)) {
    chart.append(svg("text", { x: x(t), y: h - 4, "text-anchor": tickAnchor(x(t), w - right), class: "axis" }, clock(t)));
  }
  if (pts.length) {
    chart.append(svg("polyline", { points: pts.map(([t, v]) => `${x(t).toFixed(1)},${y(v).toFixed(1)}`).join(" "), class: "soc" }));
  }
  return chart;
}

/** Timeline, a key, the list behind it (for keyboards and screen readers) and the heatmap. */
function glanceParts(g, idp, withBattery, width) {
  const cats = [...new Set(g.activities.map((a) => a.category))].sort((a, b) => categoryRank(a) - categoryRank(b));
  const key = el("p", { class: "legend" }, ...cats.flatMap((c) => [el("span", { class: `sq ${categoryClass(c)}` }), ` ${c} `]),
    el("span", { class: "tri" }), " request");
  const rows = [
    ...g.activities.map((a) => [a.start, `${clock(a.start)}–${clock(a.end)} ${a.category}: ${a.label || a.kind}`]),
    ...g.requests.map((r) => [r.time, `${clock(r.time)} request from ${r.sender}: ${r.text} (${r.state.replace("_", " ")})`]),
  ].sort((a, b) => a[0] - b[0]);
  const details = el("details", { class: "glance-list" },
    el("summary", {}, `The day as a list (${g.activities.length} activities, ${g.requests.length} requests)`),
    el("ol", {}, ...rows.map(([, text]) => el("li", {}, text))));
  const parts = [el("div", { class: "timeline-box" }, timeline(g, idp, width)), key, details];
  if (withBattery) parts.push(el("h5", {}, "Battery"), batteryChart(g, idp));
  parts.push(el("h5", {}, "Where it spent its time"), ...heatmap(g, idp));
  return parts;
}

async function loadDayGlance(day) {
  const box = $("day-glance");
  try {
    const g = await api(`/days/${day}/glance`);
    box.replaceChildren(...glanceParts(g, "day", true, box.clientWidth));
  } catch (e) {
    box.replaceChildren(el("p", { class: "muted" }, e.status === 404 ? "No trace was kept for this day." : `Could not load the day: ${e.message}`));
  }
}

// --- requests --------------------------------------------------------------------------------

function requestCard(r) {
  const history = el("ol", { class: "history" }, ...r.history.map((h) => el("li", {},
    el("span", { class: `badge ${h.state}` }, h.state.replace("_", " ")), ` ${simTime(h.time)}`,
    h.reason ? ` — ${h.reason}` : "")));
  const to = [r.place ? `to ${r.place}` : null, r.person ? `for ${r.person}` : null].filter(Boolean).join(", ");
  const card = el("li", { class: "card request", "data-request": r.id },
    el("p", { class: "row between" },
      el("span", { class: `badge ${r.state}`, "data-state": r.state }, r.state.replace("_", " ")),
      el("span", { class: "muted" }, `${simTime(r.created_at)} · ${r.priority}${to ? " · " + to : ""}`)),
    el("p", { class: "req-text" }, r.text),
    r.reason ? el("p", { class: "reason" }, r.reason) : null,
    el("details", {}, el("summary", {}, "History"), history));
  if (!TERMINAL.has(r.state)) {
    card.append(el("button", {
      type: "button", class: "secondary", "aria-label": `Cancel request: ${r.text.slice(0, 60)}`,
      onclick: () => cancelRequest(r.id),
    }, "Cancel"));
  }
  return card;
}

function renderRequests() {
  const list = [...state.requests.values()].sort((x, y) => y.created_at - x.created_at);
  const ul = $("request-list");
  ul.replaceChildren(...list.map(requestCard));
  if (!list.length) ul.append(el("li", { class: "muted" }, "No requests yet."));
  renderLiveRequests();
}

async function loadRequests() {
  try {
    const list = await api("/requests");
    state.requests = new Map(list.map((r) => [r.id, r]));
    renderRequests();
  } catch (e) {
    if (e.status !== 401) notice(`Could not load requests: ${e.message}`);
  }
}

async function sendRequest(ev) {
  ev.preventDefault();
  const out = $("request-result");
  const body = {
    text: $("request-text").value,
    priority: $("request-priority").value,
  };
  const place = $("request-place").value.trim();
  const person = $("request-person").value.trim();
  if (place) body.place = place;
  if (person) body.person = person;
  try {
    const r = await api("/requests", { method: "POST", body });
    state.requests.set(r.id, r);
    renderRequests();
    out.textContent = `Sent. The robot says: ${r.state}${r.reason ? " — " + r.reason : ""}`;
    $("request-text").value = "";
  } catch (e) {
    out.textContent = `Not sent: ${e.message}`;
  }
}

async function cancelRequest(id) {
  try {
    const r = await api(`/requests/${encodeURIComponent(id)}/cancel`, { method: "POST" });
    state.requests.set(r.id, r);
    renderRequests();
    $("request-result").textContent = "Request cancelled.";
  } catch (e) {
    $("request-result").textContent = `Could not cancel: ${e.message}`;
  }
}

async function loadDirectory() {
  const d = await api("/directory");
  $("places").replaceChildren(...d.places.map((p) => el("option", { value: p })));
  $("people").replaceChildren(...d.people.map((p) => el("option", { value: p })));
}

// --- memory ----------------------------------------------------------------------------------

function episodeLink(id, label) {
  return el("a", { href: `#memory/${encodeURIComponent(id)}`, class: "episode-link" }, label || id);
}

async function searchMemory(ev) {
  ev.preventDefault();
  const out = $("memory-result");
  const params = new URLSearchParams();
  const text = $("memory-text").value.trim();
  const place = $("memory-place").value.trim();
  const floor = $("memory-floor").value;
  const day = $("memory-day").value;
  const from = $("memory-from").value;
  const to = $("memory-to").value;
  if (text) params.set("text", text);
  if (place) params.set("place", place);
  if (floor !== "") params.set("floor", floor);
  if (day !== "") {
    const base = Number(day) * 86400;
    params.set("start", String(base + (from !== "" ? Number(from) : 0) * 3600));
    params.set("end", String(base + (to !== "" ? Number(to) : 24) * 3600));
  }
  try {
    const hits = await api(`/memory/search?${params}`);
    out.textContent = `${hits.length} episode${hits.length === 1 ? "" : "s"} found.`;
    $("memory-hits").replaceChildren(...hits.map((h) => {
      const e = h.episode;
      return el("li", { class: "card hit" },
        el("p", { class: "muted" }, `${simTime(e.time)} · ${e.room} (floor ${e.floor}) · ${e.kind}`),
        el("p", {}, e.caption),
        episodeLink(e.id, "Details"));
    }));
  } catch (e) {
    out.textContent = `Search failed: ${e.message}`;
  }
}

async function openEpisode(id) {
  const box = $("episode");
  try {
    const e = await api(`/memory/episodes/${encodeURIComponent(id)}`);
    const rows = [
      ["Id", e.id], ["Time", simTime(e.time)], ["Place", `${e.room}, floor ${e.floor}`],
      ["Pose", `x ${e.pose.x.toFixed(1)}, y ${e.pose.y.toFixed(1)}`], ["Kind", e.kind],
      ["Skill", e.skill], ["Outcome", e.outcome], ["People", (e.people || []).join(", ")],
      ["Objects", (e.objects || []).join(", ")], ["Caption", e.caption],
      ["Importance", e.importance.toFixed(2)], ["Source", e.source],
      ["Request", e.request_id], ["Goal", e.goal_id],
      ["Battery", e.battery === null || e.battery === undefined ? null : pct(e.battery)],
    ];
    $("episode-facts").replaceChildren(...rows.filter(([, v]) => v !== null && v !== undefined && v !== "")
      .flatMap(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]));
    $("episode-title").textContent = `Episode ${e.id}`;
    box.hidden = false;
    box.focus();
  } catch (err) {
    $("episode-title").textContent = "Episode";
    $("episode-facts").replaceChildren(el("dd", {}, `Could not open episode ${id}: ${err.message}`));
    box.hidden = false;
  }
}

// --- reflections -----------------------------------------------------------------------------

async function loadDays(day) {
  try {
    const days = await api("/reflections");
    const ul = $("day-list");
    ul.replaceChildren(...days.map((d) => el("li", {},
      el("a", { href: `#reflections/${d.day}`, "aria-current": d.day === day ? "true" : null },
        `Day ${d.day} — ${d.personality}`),
      el("span", { class: "muted" }, ` ${d.insights} insights, ${d.feedback} notes`))));
    if (!days.length) ul.append(el("li", { class: "muted" }, "No reflections yet: the robot reflects at midnight."));
    if (day !== null && !Number.isNaN(day)) await openDay(day);
  } catch (e) {
    if (e.status !== 401) notice(`Could not load reflections: ${e.message}`);
  }
}

function weightChart(r) {
  const features = Object.keys(r.weights_after || {});
  const changes = new Map((r.weight_changes || []).map((c) => [c.feature, c]));
  const rows = features.map((f) => {
    const c = changes.get(f);
    return { f, old: c ? c.old : r.weights_after[f], now: r.weights_after[f], why: c ? c.reason : "" };
  });
  const w = 360, rowH = 26, left = 70, top = 18;
  const h = top + rows.length * rowH + 8;
  const scale = (v) => left + v * (w - left - 50);
  const chart = svg("svg", { viewBox: `0 0 ${w} ${h}`, role: "img", "aria-labelledby": "chart-title chart-desc", class: "weights" });
  chart.append(svg("title", { id: "chart-title" }, `Reward weights on day ${r.day}: before and after reflection`));
  chart.append(svg("desc", { id: "chart-desc" }, rows.map((x) => `${x.f} ${x.old.toFixed(3)} to ${x.now.toFixed(3)}`).join("; ")));
  chart.append(svg("rect", { x: left, y: 4, width: 14, height: 8, class: "key-before" }));
  chart.append(svg("text", { x: left + 18, y: 12, class: "key" }, "before"));
  chart.append(svg("rect", { x: left + 70, y: 4, width: 14, height: 8, class: "key-after" }));
  chart.append(svg("text", { x: left + 88, y: 12, class: "key" }, "after (green: up, red: down)"));
  rows.forEach((x, i) => {
    const y = top + i * rowH;
    chart.append(svg("text", { x: left - 6, y: y + 15, "text-anchor": "end" }, x.f));
    chart.append(svg("rect", { x: left, y: y + 3, width: scale(x.old) - left, height: 8, class: "before" }));
    chart.append(svg("rect", { x: left, y: y + 12, width: scale(x.now) - left, height: 8, class: `after ${x.now > x.old ? "up" : x.now < x.old ? "down" : ""}` }));
    const delta = x.now - x.old;
    chart.append(svg("text", { x: scale(Math.max(x.old, x.now)) + 4, y: y + 18 },
      `${x.now.toFixed(2)}${Math.abs(delta) >= 0.0005 ? ` (${delta > 0 ? "+" : ""}${delta.toFixed(3)})` : ""}`));
  });
  const reasons = el("ul", { class: "reasons" }, ...(r.weight_changes || []).map((c) =>
    el("li", {}, `${c.feature}: ${c.old.toFixed(3)} → ${c.new.toFixed(3)}${c.reason ? " — " + c.reason : ""}`)));
  return [chart, reasons];
}

function list(id, items, empty) {
  const ul = $(id);
  ul.replaceChildren(...items.map((x) => (x instanceof Node ? x : el("li", {}, x))));
  if (!items.length) ul.append(el("li", { class: "muted" }, empty));
}

async function openDay(day) {
  const box = $("day");
  try {
    const d = await api(`/reflections/${day}`);
    const r = d.reflection;
    state.day = r.day;
    $("day-title").textContent = `Day ${r.day} — ${r.personality} (${r.source})`;
    $("day-summary").textContent = r.summary;
    list("day-well", r.went_well, "nothing notable");
    list("day-badly", r.went_badly, "nothing notable");
    list("day-insights", r.insights.map((ins) => el("li", { class: "insight" }, ins.text,
      ins.episode_ids.length ? el("span", { class: "cites" }, " — episodes: ",
        ...ins.episode_ids.flatMap((id, i) => [i ? ", " : "", episodeLink(id)])) : null)), "none");
    $("day-chart").replaceChildren(...weightChart(r));
    list("day-goals", r.tomorrow_goals.map((g) => el("li", {}, el("strong", {}, g.text),
      g.rationale ? ` — ${g.rationale}` : "", el("span", { class: "muted" }, ` (priority ${g.priority.toFixed(2)})`))), "none");
    list("day-changes", d.changes, "none");
    list("day-feedback", d.feedback, "No feedback yet.");
    $("feedback-result").textContent = "";
    loadDayGlance(r.day);
    box.hidden = false;
    box.focus();
  } catch (e) {
    $("day-title").textContent = `Day ${day}`;
    $("day-summary").textContent = `Could not open this day: ${e.message}`;
    box.hidden = false;
  }
}

async function sendFeedback(ev) {
  ev.preventDefault();
  const out = $("feedback-result");
  if (state.day === null) return;
  try {
    const res = await api(`/reflections/${state.day}/feedback`, {
      method: "POST", body: { text: $("feedback-text").value },
    });
    list("day-feedback", res.feedback, "No feedback yet.");
    $("feedback-text").value = "";
    out.textContent = "Thank you: the robot will read this when it next reflects.";
  } catch (e) {
    out.textContent = `Not saved: ${e.message}`;
  }
}

// --- personality -----------------------------------------------------------------------------

function bars(id, values) {
  $(id).replaceChildren(...Object.entries(values).flatMap(([k, v]) => [
    el("dt", {}, k),
    el("dd", {}, el("meter", { min: 0, max: 1, value: v, "aria-label": k }), ` ${v.toFixed(2)}`),
  ]));
}

async function loadPersonality() {
  try {
    const [p, all] = await Promise.all([api("/personality"), api("/personalities")]);
    setText("pers-name", p.name);
    setText("pers-description", p.description);
    setText("pers-goal", p.ultimate_goal);
    bars("pers-traits", p.big_five);
    bars("pers-weights", p.weights);
    setText("pers-policy", p.request_policy.replaceAll("_", " "));
    setText("pers-reserve", pct(p.battery_reserve));
    $("pers-list").replaceChildren(...all.filter((x) => x.name !== p.name).map((x) =>
      el("li", { class: "card" }, el("h4", {}, x.name), el("p", {}, x.description),
        el("button", { type: "button", onclick: () => askSwitch(x.name) }, `Switch to ${x.name}…`))));
  } catch (e) {
    if (e.status !== 401) notice(`Could not load the personality: ${e.message}`);
  }
}

function askSwitch(name) {
  state.switchTo = name;
  $("switch-text").textContent = `The robot will behave as ${name} from now on. Its memories stay; the switch is recorded.`;
  $("switch-reason").value = "";
  $("switch-dialog").showModal();
}

async function onSwitchClosed() {
  const dialog = $("switch-dialog");
  if (dialog.returnValue !== "confirm" || !state.switchTo) return;
  const name = state.switchTo;
  state.switchTo = null;
  try {
    await api("/personality", { method: "POST", body: { name, reason: $("switch-reason").value, confirm: true } });
    notice(`The personality is now ${name}.`);
    loadPersonality();
  } catch (e) {
    notice(`Could not switch: ${e.message}`);
  }
}

// --- the event stream ------------------------------------------------------------------------

function connect() {
  if (state.events) state.events.close();
  const es = new EventSource(`${API}/events`);
  state.events = es;
  es.addEventListener("open", () => setText("strip-link", "live"));
  es.addEventListener("error", () => setText("strip-link", "reconnecting…"));
  es.addEventListener("status", (m) => renderStatus(JSON.parse(m.data)));
  es.addEventListener("request", (m) => {
    const r = JSON.parse(m.data);
    state.requests.set(r.id, r);
    renderRequests();
  });
  es.addEventListener("reflection", () => {
    if (!$("page-reflections").hidden) loadDays(state.day);
  });
  es.addEventListener("feedback", (m) => {
    const d = JSON.parse(m.data);
    if (d.day === state.day) list("day-feedback", d.feedback, "No feedback yet.");
  });
  es.addEventListener("personality", () => {
    if (!$("page-personality").hidden) loadPersonality();
  });
}

async function start() {
  try {
    await loadFloors();
    await loadDirectory();
    await loadRequests();
    renderStatus(await api("/status"));
  } catch (e) {
    if (e.status === 401) return;
    notice(`The console could not reach the robot: ${e.message}`);
    return;
  }
  connect();
  route();
  if (!state.polling) {
    state.polling = true;
    pollCamera();
    pollTrail();
    pollGlance();
  }
}

async function login(ev) {
  ev.preventDefault();
  try {
    await api("/session", { method: "POST", body: { token: $("login-token").value } });
    $("login-token").value = "";
    notice("");
    await start();
  } catch (e) {
    notice(`Sign-in failed: ${e.message}`);
  }
}

function init() {
  $("login-form").addEventListener("submit", login);
  $("request-form").addEventListener("submit", sendRequest);
  $("memory-form").addEventListener("submit", searchMemory);
  $("feedback-form").addEventListener("submit", sendFeedback);
  $("switch-dialog").addEventListener("close", onSwitchClosed);
  $("floor-select").addEventListener("change", (ev) => {
    $("follow-robot").checked = false;
    showFloor(Number(ev.target.value));
    if (state.status) drawOverlay(state.status);
  });
  window.addEventListener("hashchange", route);
  route();
  start();
}

init();
