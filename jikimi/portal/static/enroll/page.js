// Enrollment on her own device (issue 16): each photo becomes a face template here, in the
// browser, and only the templates (numbers), their quality figures and the model id are sent.
// The photo is never put into a form, a FormData or a request: the file inputs have no name,
// and the only request this script makes is one JSON POST. The face pipeline is face.js
// (loadFaceModel, templateFromImage, samePersonProblems, vectorToBase64); the words come from
// the page (#device-texts), in the reader's language; refusals are shown in Korean and English.
const MAX_PHOTOS = 5;
const QUALITY_FIELDS = ["face_px", "yaw", "det_score", "sharpness"];
const WORKER_WAIT_MS = 5000;  // the longest the first visit waits for the worker to take over

const root = document.getElementById("device-enroll");
if (root) { start(root); }

function start(root) {
  const texts = JSON.parse(document.getElementById("device-texts").textContent);
  const $ = (id) => document.getElementById(id);
  const t = (key) => texts[key] || key;
  const form = $("device-form");
  const status = $("device-status");
  const list = $("device-list");
  const problem = $("device-problem");
  const submit = $("device-submit");
  const items = [];  // {label, vector, quality, ok, code, en, ko, thumb, element}
  let model = null;

  const kept = keptFromNowOn(WORKER_WAIT_MS);

  function say(text, busy) {
    status.textContent = text;
    if (busy) { status.append(" ", document.createElement("progress")); }
  }

  function unavailable() {
    say(t(root.dataset.role === "victim" ? "device_unavailable_me" : "device_unavailable"),
        false);
    status.className = "warn";
    form.hidden = true;
    const fallback = $("server-fallback");
    if (fallback) { fallback.open = true; }
  }

  function both(parent, ko, en) {
    for (const [lang, text] of [["ko", ko], ["en", en]]) {
      if (!text) { continue; }
      const line = document.createElement("div");
      line.lang = lang;
      line.textContent = text;
      parent.append(line);
    }
  }

  function renderItem(item) {
    const row = item.element;
    row.replaceChildren();
    row.dataset.code = item.code;
    row.className = "device-item verdict-" + item.code;
    if (item.thumb) {
      const img = document.createElement("img");
      img.src = item.thumb;
      img.alt = item.label;
      row.append(img);
    }
    const body = document.createElement("div");
    const head = document.createElement("strong");
    head.textContent = item.label + " · " + (item.code === "working" ? t("device_working")
      : t(item.code === "ok" ? "device_photo_ok" : "verdict_" + item.code));
    body.append(head);
    if (item.code !== "ok" && item.code !== "working") { both(body, item.ko, item.en); }
    row.append(body);
    const remove = document.createElement("button");
    remove.type = "button";
    remove.className = "quiet";
    remove.textContent = t("device_remove");
    remove.addEventListener("click", () => drop(item));
    row.append(remove);
  }

  function drop(item) {
    items.splice(items.indexOf(item), 1);
    item.element.remove();
    if (item.thumb) { URL.revokeObjectURL(item.thumb); }
    item.vector = null;
    check();
  }

  function check() {
    items.forEach((item, n) => { item.label = "#" + (n + 1); });
    const usable = items.filter((item) => item.vector);
    usable.forEach((item) => { item.ok = true; item.code = "ok"; item.en = item.ko = ""; });
    let message = "";
    if (model && usable.length > 1) {
      const pairs = model.face.samePersonProblems(model.handle, usable.map((i) => i.vector));
      for (const [i, j] of pairs) {
        for (const [mine, other] of [[usable[i], usable[j]], [usable[j], usable[i]]]) {
          mine.code = "disagrees";
          mine.ok = false;
          mine.en = `${mine.label}: does not look like the same person as ${other.label}`;
          mine.ko = `${mine.label}: ${other.label}와(과) 같은 사람으로 보이지 않습니다`;
        }
      }
      if (pairs.length) { message = t("device_same_person_no"); }
    }
    if (items.length > MAX_PHOTOS) { message = t("device_too_many"); }
    items.forEach(renderItem);
    problem.textContent = message;
    problem.hidden = !message;
    const working = items.some((item) => item.code === "working");
    submit.disabled = !model || working || !!message || !items.some((item) => item.ok);
  }

  async function add(source, thumb) {
    const item = { label: "", code: "working", ok: false, vector: null, quality: null, thumb,
                   element: document.createElement("li") };
    items.push(item);
    list.append(item.element);
    check();
    try {
      const found = await model.face.templateFromImage(model.handle, source);
      if (found.ok) {
        item.vector = found.vector;
        item.quality = found.quality;
      } else {
        Object.assign(item, { code: found.code || "unreadable", en: found.en, ko: found.ko });
      }
    } catch (error) {
      Object.assign(item, { code: "unreadable", en: String(error), ko: "사진을 읽을 수 없습니다" });
    } finally {
      if (source && typeof source.close === "function") { source.close(); }
    }
    if (items.includes(item)) { check(); }
  }

  async function addFiles(input) {
    for (const file of Array.from(input.files || [])) {
      let bitmap = null;
      try {
        bitmap = await createImageBitmap(file, { imageOrientation: "from-image" });
      } catch (error) {
        bitmap = null;
      }
      const thumb = URL.createObjectURL(file);
      if (bitmap) { await add(bitmap, thumb); } else { await addBroken(thumb); }
    }
    input.value = "";  // the file stays only in this page's memory
  }

  async function addBroken(thumb) {
    URL.revokeObjectURL(thumb);
    const item = { label: "", code: "unreadable", ok: false, vector: null, thumb: null,
                   element: document.createElement("li"),
                   en: "not an image: use a JPEG or PNG photo",
                   ko: "이미지 파일이 아닙니다. JPEG나 PNG 사진으로 다시 골라 주세요" };
    items.push(item);
    list.append(item.element);
    check();
  }

  $("device-photos").addEventListener("change", (e) => addFiles(e.target));
  $("device-selfie").addEventListener("change", (e) => addFiles(e.target));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    send($, t, root, model, items, say, both).catch(() => say(t("device_failed"), false));
  });

  say(t("device_loading"), true);
  kept.then(() => import("/static/enroll/face.js"))
    .then(async (face) => {
      const handle = await face.loadFaceModel(root.dataset.config);
      model = { face, handle };
      say(t("device_ready"), false);
      $("device-photos").disabled = $("device-selfie").disabled = false;  // usable from now
      setUpCamera($, t, (bitmap) => add(bitmap, null), say);
      check();
    })
    .catch(unavailable);
}

// The service worker (/enroll-sw.js) keeps the models and scripts for offline use, but only
// what a page fetches while the worker controls it. On her first visit it is installed while
// the page loads, and the models would be fetched before it takes over and not be kept: one
// visit would not be enough to work offline later. So the page waits for it to take over
// before loading the model, never longer than `limitMs`, and not at all where there is no
// worker (an old browser, a private window): the page then works as before.
function keptFromNowOn(limitMs) {
  if (!("serviceWorker" in navigator)) { return Promise.resolve(); }
  const workers = navigator.serviceWorker;
  const registered = workers.register("/enroll-sw.js").then(() => true, () => false);
  if (workers.controller) { return Promise.resolve(); }
  return registered.then((ok) => ok && !workers.controller && new Promise((resolve) => {
    workers.addEventListener("controllerchange", resolve, { once: true });
    setTimeout(resolve, limitMs);
  }));
}

function setUpCamera($, t, take, say) {
  const open = $("camera-open");
  const box = $("camera");
  const video = $("camera-video");
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) { return; }
  open.hidden = false;
  let stream = null;
  const stop = () => {
    if (stream) { stream.getTracks().forEach((track) => track.stop()); }
    stream = null;
    box.hidden = true;
    open.hidden = false;
  };
  open.addEventListener("click", async () => {
    try {
      stream = await navigator.mediaDevices.getUserMedia(
        { video: { facingMode: "user", width: { ideal: 1280 } }, audio: false });
    } catch (error) {
      say(t("device_camera_denied"), false);
      return;
    }
    video.srcObject = stream;
    await video.play();
    box.hidden = false;
    open.hidden = true;
  });
  $("camera-shot").addEventListener("click", async () => {
    if (!stream) { return; }
    await take(await createImageBitmap(video));
  });
  $("camera-close").addEventListener("click", stop);
  window.addEventListener("pagehide", stop);
}

function quality(found) {
  const picked = {};
  for (const key of QUALITY_FIELDS) {
    if (found && typeof found[key] === "number" && Number.isFinite(found[key])) {
      picked[key] = found[key];
    }
  }
  return picked;
}

async function send($, t, root, model, items, say, both) {
  const usable = items.filter((item) => item.ok && item.vector);
  const value = (id) => { const el = $(id); return el ? el.value.trim() : ""; };
  const ticked = (id) => { const el = $(id); return !!(el && el.checked); };
  const body = {
    name: value("device-name"),
    model_id: model.handle.config.model_id,
    templates: usable.map((item) => ({ vector: model.face.vectorToBase64(item.vector),
                                       quality: quality(item.quality) })),
  };
  if (value("device-email")) { body.email = value("device-email"); }
  if (value("device-webhook")) { body.webhook = value("device-webhook"); }
  if (ticked("device-email-outbox-only")) { body.email_outbox_only = true; }
  if (ticked("device-allow-duplicate")) { body.allow_duplicate = true; }
  const submit = $("device-submit");
  submit.disabled = true;
  say(t("device_sending"), true);
  let response;
  try {
    response = await fetch(`/cases/${encodeURIComponent(root.dataset.case)}/enroll/device`, {
      method: "POST", credentials: "same-origin", cache: "no-store",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": root.dataset.csrf },
      body: JSON.stringify(body),
    });
  } catch (offline) {
    say(t("device_offline"), false);
    submit.disabled = false;
    return;
  }
  let answer = null;
  try { answer = await response.json(); } catch (error) { answer = null; }
  if (!answer || typeof answer !== "object") {
    say(t("device_failed") + " (" + response.status + ")", false);
    submit.disabled = false;
    return;
  }
  // the server numbers what it was sent (#1…), the page numbers every photo chosen
  const local = new Map(usable.map((item, n) => ["#" + (n + 1), item.label]));
  showResult($, t, root, answer, (text) => String(text || "").replace(
    /#\d+/g, (label) => local.get(label) || label), both);
  if (answer.ok) {
    items.forEach((item) => { if (item.thumb) { URL.revokeObjectURL(item.thumb); } });
    items.length = 0;
    $("device-form").hidden = true;
    say("", false);
  } else {
    say(t("enroll_refused"), false);
    submit.disabled = false;
  }
}

function showResult($, t, root, answer, relabel, both) {
  const box = $("device-result");
  box.replaceChildren();
  box.hidden = false;
  const el = (tag, text, attrs) => {
    const node = document.createElement(tag);
    if (text) { node.textContent = text; }
    Object.assign(node, attrs || {});
    return node;
  };
  const victim = root.dataset.role === "victim";
  const head = el("h2", answer.ok ? t("enrolled_ok") + (answer.ref ? ": " + answer.ref : "")
    : t("enroll_refused"), { id: "device-outcome", className: answer.ok ? "ok" : "error" });
  head.setAttribute("role", answer.ok ? "status" : "alert");
  box.append(head);
  if (answer.ok && victim) { box.append(el("p", t("device_done_me"))); }
  if (!answer.ok) { both(box, relabel(answer.ko), relabel(answer.en)); }
  if (answer.webhook_secret) {
    box.append(el("p", t("webhook_secret")),
               el("code", answer.webhook_secret, { id: "webhook-secret", className: "secret" }),
               el("p", t("webhook_secret_handover"), { className: "warn" }));
  }
  const photos = answer.photos || [];
  if (photos.length) {  // a list, not a table: it reads on a phone
    const verdicts = el("ol", "", { className: "device-list verdicts", id: "device-verdicts" });
    photos.forEach((photo) => {
      const row = el("li", "", { className: "device-item verdict-" + photo.code });
      row.dataset.code = photo.code;
      const body = el("div");
      body.append(el("strong", relabel(photo.photo) + " · " + t("verdict_" + photo.code)));
      if (photo.message) { both(body, relabel(photo.message.ko), relabel(photo.message.en)); }
      row.append(body);
      verdicts.append(row);
    });
    box.append(el("h3", t("photo")), verdicts);
  }
  const checks = el("ul", "", { className: "checks" });
  const usable = photos.filter((p) => p.ok).length;
  if (answer.code === "photos_disagree") {
    checks.append(el("li", t("same_person_no"), { className: "error" }));
  } else if (answer.ok) {
    checks.append(el("li", usable > 1 ? t("same_person_ok").replace("{n}", usable)
      : t("same_person_one"), { className: usable > 1 ? "ok" : "" }));
  }
  if (answer.code === "already_enrolled" && !victim) {
    checks.append(el("li", t("duplicate_found") + " " + (answer.operator || ""),
                     { className: "error", id: "duplicates" }));
  } else if (answer.ok && (answer.duplicates_allowed || []).length) {
    checks.append(el("li", t("duplicate_allowed"), { className: "warn", id: "duplicates" }));
  } else if (answer.ok && !victim) {
    checks.append(el("li", t("no_duplicate"), { className: "ok", id: "duplicates" }));
  }
  if (answer.ok) { checks.append(el("li", t("device_computed_here"), { className: "ok" })); }
  if (checks.children.length) { box.append(el("h3", t("checks")), checks); }
  if (answer.ok && !victim) {
    box.append(el("h3", t("retro_title")),
               el("p", t("retro_hits").replace("{n}", answer.retroactive.to_review),
                  { id: "retro" }),
               el("p", t("retro_note"), { className: "hint" }));
    if (answer.ref) {
      box.append(el("a", t("open_in_queue"),
                    { href: "/review?case=" + encodeURIComponent(answer.ref) }));
    }
  } else if (answer.ok) {
    box.append(el("a", t("me"), { href: "/me" }));
  }
  box.scrollIntoView({ block: "start" });
}
