// Face templates made in the browser for enrollment (issue 16): her photo never leaves her
// device, only the numbers of its template do. It runs the server's own engine on
// onnxruntime-web: the default one (the fixed YuNet and SFace files) through the same steps as
// enrichment/faces/{yunet,align,sface,quality}.py, or the configured InsightFace pack (its SCRFD
// detector and its recognizer, as insightface_engine.py runs them through InsightFace), and
// refuses the photos jikimi/enroll_photos.py refuses, with its codes and texts. Every number it
// must agree on (thresholds, sizes, the alignment template, the detector's decoding constants,
// the recognizer's input normalisation) comes from /enroll/face-config.json
// (jikimi/portal/face_models.py), so there is one place to change them: the server's.
// Plain ES module, no build step. jikimi, Apache-2.0.

/** Thrown by loadFaceModel when this portal cannot make templates in the browser: enroll on
 * the server instead. `reason` says why. */
export class FaceModelUnavailable extends Error {
  constructor(reason) {
    super(`in-browser enrollment is unavailable: ${reason}`);
    this.code = "unavailable";
    this.reason = reason;
  }
}

/** The config, the runtime and both model sessions, ready for templateFromImage. The model
 * bytes are checked against the SHA-256 the server pinned before they are used. */
export async function loadFaceModel(configUrl = "/enroll/face-config.json") {
  const answer = await fetch(configUrl, {credentials: "same-origin"});
  const type = answer.headers.get("content-type") || "";
  if (!answer.ok || !type.includes("json")) {  // signed out: the sign-in page came back
    throw new FaceModelUnavailable(`face config: HTTP ${answer.status}`);
  }
  const config = await answer.json();
  if (!config.available) { throw new FaceModelUnavailable(config.reason); }
  let ort;
  try {
    ort = await import(config.ort.script);
  } catch (error) {
    throw new FaceModelUnavailable(`onnxruntime-web did not load (${error})`);
  }
  // the .wasm only: a folder here would make the bundle fetch the glue code it already holds
  ort.env.wasm.wasmPaths = {wasm: config.ort.wasm};
  ort.env.wasm.numThreads = 1;  // threads need cross-origin isolation; see face_models.py
  ort.env.wasm.proxy = false;
  const [detectorBytes, recognizerBytes] = await Promise.all([
    pinnedBytes(config.detector), pinnedBytes(config.recognizer)]);
  const options = {executionProviders: ["wasm"], graphOptimizationLevel: "all"};
  const detector = await ort.InferenceSession.create(detectorBytes, options);
  const recognizer = await ort.InferenceSession.create(recognizerBytes, options);
  return {config, ort, detector, recognizer, queue: Promise.resolve()};
}

async function pinnedBytes(model) {
  const answer = await fetch(model.url, {credentials: "same-origin"});
  if (!answer.ok) { throw new FaceModelUnavailable(`${model.url}: HTTP ${answer.status}`); }
  const bytes = new Uint8Array(await answer.arrayBuffer());
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  const hex = Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
  if (hex !== model.sha256) {
    throw new FaceModelUnavailable(`${model.url}: SHA-256 ${hex} is not the pinned one`);
  }
  return bytes;
}

/** One photo → {ok: true, vector, quality, face, ms} or {ok: false, code, en, ko} (the server's
 * PhotoRefused codes: unreadable, no_face, several_faces, poor_quality; a poor_quality refusal
 * also lists its `problems`: too_small, blurred, turned, hard_to_see). `label` names the photo
 * in the messages, as the server's do; without one the messages start at the request. Calls
 * run one after another on a model (onnxruntime sessions are not re-entrant). */
export function templateFromImage(model, source, label = "") {
  const run = model.queue.then(() => makeTemplate(model, source, label));
  model.queue = run.catch(() => undefined);
  return run;
}

async function makeTemplate(model, source, label) {
  const {config} = model;
  const started = performance.now();
  let image;
  try {
    image = await readPixels(source, config.quality);
  } catch (error) {
    return refusal(config, label, "unreadable", {reason: String(error.message || error)});
  }
  const read = performance.now();
  const faces = await detect(model, image);
  const detected = performance.now();
  if (faces.length === 0) { return refusal(config, label, "no_face", {count: "0"}); }
  if (faces.length > 1) {
    return refusal(config, label, "several_faces", {count: String(faces.length)});
  }
  const face = faces[0];
  const crop = alignFace(image, face.landmarks, config.align);
  const q = config.quality;
  const quality = {face_px: Math.min(face.bbox[2], face.bbox[3]), yaw: yawOf(face.landmarks),
                   det_score: face.score, sharpness: sharpnessOf(crop, config.align.size)};
  const failing = {  // the order and the rules of kernel/quality.py enrollment_problem_list
    too_small: quality.face_px < q.min_face_px,
    blurred: quality.sharpness < q.min_sharpness,
    turned: quality.yaw > q.max_yaw,
    hard_to_see: quality.det_score < q.min_det_score,
  };
  const problems = Object.keys(failing).filter((code) => failing[code]);
  if (problems.length > 0) {
    const figures = {size: quality.face_px.toFixed(0), least: String(q.min_face_px)};
    const join = config.messages.poor_quality.join;
    const text = (lang) => problems.map(
      (code) => fill(config.messages[code][lang], figures)).join(join[lang]);
    const refused = refusal(config, label, "poor_quality", {problems: ""});
    refused.en = fill(config.messages.poor_quality.en, {photo: label, problems: text("en")});
    refused.ko = fill(config.messages.poor_quality.ko, {photo: label, problems: text("ko")});
    return Object.assign(refused, {problems, quality});
  }
  const aligned = performance.now();
  const vector = await embed(model, crop);
  const ms = {read: read - started, detect: detected - read, align: aligned - detected,
              embed: performance.now() - aligned};  // where the time goes, for benchmarks
  return {ok: true, vector, quality, face, ms};
}

function refusal(config, label, code, figures) {
  const texts = config.messages[code];
  const values = Object.assign({photo: label}, figures);
  return {ok: false, code, en: fill(texts.en, values), ko: fill(texts.ko, values)};
}

/** A message template with its {placeholders} filled; without a label, "{photo}: " goes. */
function fill(text, values) {
  const body = values.photo ? text : text.replace(/^\{photo\}: /, "");
  return body.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? values[name] : whole));
}

// ---------------------------------------------------------------------------- pixels ---
/** RGBA pixels, upright, alpha flattened on white: what enrichment/decode.py gives the engine.
 * A file is decoded with its EXIF orientation and without colour management (Pillow applies
 * no ICC profile either); a JPEG twice or more the decode long side is decoded smaller, as the
 * server's Image.draft does. Elements and bitmaps are taken as the browser shows them. */
async function readPixels(source, limits) {
  let bitmap = source;
  let owned = false;
  if (typeof Blob !== "undefined" && source instanceof Blob) {
    const options = {imageOrientation: "from-image", colorSpaceConversion: "none",
                     premultiplyAlpha: "none"};
    bitmap = await createImageBitmap(source, options);
    owned = true;
    const draft = await draftSize(source, bitmap, limits.decode_long_side);
    if (draft) {
      bitmap.close();
      bitmap = await createImageBitmap(source, Object.assign(
        {resizeWidth: draft[0], resizeHeight: draft[1], resizeQuality: "medium"}, options));
    }
  }
  const width = source.videoWidth || source.naturalWidth || bitmap.width;
  const height = source.videoHeight || source.naturalHeight || bitmap.height;
  if (!width || !height) { throw new Error("the image is empty"); }
  if (width * height > limits.max_pixels) {
    throw new Error(`${width}x${height} = ${width * height} pixels exceeds ${limits.max_pixels}`);
  }
  const canvas = typeof OffscreenCanvas !== "undefined"
    ? new OffscreenCanvas(width, height)
    : Object.assign(document.createElement("canvas"), {width, height});
  const context = canvas.getContext("2d", {willReadFrequently: true});
  context.fillStyle = "#fff";
  context.fillRect(0, 0, width, height);
  context.drawImage(bitmap, 0, 0, width, height);
  if (owned) { bitmap.close(); }
  return {data: context.getImageData(0, 0, width, height).data, width, height};
}

/** Pillow's JPEG draft: the largest of 1/8, 1/4, 1/2 that keeps the image at least as large
 * as its long side scaled to `longSide`; null when it decodes at full size. */
async function draftSize(blob, bitmap, longSide) {
  const head = new Uint8Array(await blob.slice(0, 3).arrayBuffer());
  const {width, height} = bitmap;
  if (head[0] !== 0xff || head[1] !== 0xd8 || head[2] !== 0xff || !longSide
      || Math.max(width, height) <= longSide) { return null; }
  const factor = longSide / Math.max(width, height);
  const wanted = [Math.max(1, roundHalfEven(width * factor)),
                  Math.max(1, roundHalfEven(height * factor))];
  const most = Math.min(Math.floor(width / wanted[0]), Math.floor(height / wanted[1]));
  const scale = [8, 4, 2].find((s) => most >= s);
  return scale ? [Math.ceil(width / scale), Math.ceil(height / scale)] : null;
}

function roundHalfEven(x) {  // Python's round()
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** cv2.resize(INTER_LINEAR) of RGBA pixels to RGB: half-pixel centres, edge rows and columns
 * repeated, 11-bit fixed-point weights as OpenCV's 8-bit path uses them. */
function resizeLinear(image, outWidth, outHeight) {
  const axis = (inSize, outSize) => {
    const scale = inSize / outSize;
    const index = new Int32Array(outSize);
    const weight = new Int32Array(outSize);
    for (let d = 0; d < outSize; d++) {
      let f = Math.fround((d + 0.5) * scale - 0.5);
      let s = Math.floor(f);
      f = Math.fround(f - s);
      if (s < 0) { s = 0; f = 0; }
      if (s >= inSize - 1) { s = inSize - 1; f = 0; }
      index[d] = s;
      weight[d] = Math.round(f * 2048);
    }
    return {index, weight};
  };
  const xs = axis(image.width, outWidth);
  const ys = axis(image.height, outHeight);
  const src = image.data;
  const out = new Uint8Array(outWidth * outHeight * 3);
  const rowAt = (y) => {  // one source row resized horizontally, ×2048
    const row = new Int32Array(outWidth * 3);
    for (let d = 0; d < outWidth; d++) {
      const s = xs.index[d];
      const s1 = Math.min(s + 1, image.width - 1);
      const a1 = xs.weight[d];
      const a0 = 2048 - a1;
      for (let c = 0; c < 3; c++) {
        row[d * 3 + c] = src[(y * image.width + s) * 4 + c] * a0
          + src[(y * image.width + s1) * 4 + c] * a1;
      }
    }
    return row;
  };
  const cache = new Map();
  const row = (y) => {
    if (!cache.has(y)) { cache.set(y, rowAt(y)); }
    return cache.get(y);
  };
  for (let d = 0; d < outHeight; d++) {
    const s = ys.index[d];
    const top = row(s);
    const bottom = row(Math.min(s + 1, image.height - 1));
    const b1 = ys.weight[d];
    const b0 = 2048 - b1;
    for (let i = 0; i < outWidth * 3; i++) {
      const v = ((b0 * (top[i] >> 4)) >> 16) + ((b1 * (bottom[i] >> 4)) >> 16);
      out[d * outWidth * 3 + i] = Math.min(255, Math.max(0, (v + 2) >> 2));
    }
    cache.delete(s - 1);
  }
  return {rgb: out, width: outWidth, height: outHeight};
}

// ---------------------------------------------------------------------------- detect ---
/** The configured detector's faces: {bbox: [x, y, w, h], landmarks: [x0, y0, … x4, y4],
 * score} in source pixels, best first. */
function detect(model, image) {
  return model.config.detector.kind === "scrfd" ? detectScrfd(model, image)
    : detectYunet(model, image);
}

/** Faces as enrichment/faces/yunet_sface.py's detect gives them: source pixels, score ≥ the
 * detector threshold, both box sides ≥ min_face_px, best first. */
async function detectYunet(model, image) {
  const det = model.config.detector;
  const scale = Math.min(1, det.det_size / Math.max(image.width, image.height));
  let rgb;
  let width = image.width;
  let height = image.height;
  if (scale < 1) {
    width = Math.max(1, roundHalfEven(image.width * scale));
    height = Math.max(1, roundHalfEven(image.height * scale));
    rgb = resizeLinear(image, width, height).rgb;
  }
  const padH = Math.ceil(height / det.pad_multiple) * det.pad_multiple;
  const padW = Math.ceil(width / det.pad_multiple) * det.pad_multiple;
  const blob = new Float32Array(3 * padH * padW);  // BGR planes, zero padding right/bottom
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at = y * padW + x;
      for (let c = 0; c < 3; c++) {
        const value = rgb ? rgb[(y * width + x) * 3 + c] : image.data[(y * width + x) * 4 + c];
        blob[(2 - c) * padH * padW + at] = value;
      }
    }
  }
  const session = model.detector;
  const input = new model.ort.Tensor("float32", blob, [1, 3, padH, padW]);
  const outputs = await session.run({[session.inputNames[0]]: input});
  const rows = decodeOutputs(outputs, padW, det);
  const kept = nms(rows, det.nms_threshold, det.top_k).map((i) => rows[i]);
  const faces = kept.map((r) => ({
    bbox: r.box.map((v) => v / scale),
    landmarks: r.marks.map((v) => Math.fround(v / scale)),
    score: r.score,
  }));
  return faces
    .filter((f) => f.score >= det.score_threshold
            && Math.min(f.bbox[2], f.bbox[3]) >= det.min_face_px)
    .sort((a, b) => b.score - a.score);
}

/** yunet.decode_outputs: score = sqrt(cls·obj), box centre offset + log size, landmark offsets
 * from the cell corner, at each stride; in network-input pixels. */
function decodeOutputs(outputs, padW, det) {
  const rows = [];
  const f = Math.fround;
  for (const stride of det.strides) {
    const cls = outputs[`cls_${stride}`].data;
    const obj = outputs[`obj_${stride}`].data;
    const bbox = outputs[`bbox_${stride}`].data;
    const kps = outputs[`kps_${stride}`].data;
    const cols = Math.floor(padW / stride);
    for (let k = 0; k < cls.length; k++) {
      const score = f(Math.sqrt(f(clip01(cls[k]) * clip01(obj[k]))));
      if (score < det.score_threshold) { continue; }
      const col = k % cols;
      const row = Math.floor(k / cols);
      const cx = f(f(col + bbox[k * 4]) * stride);
      const cy = f(f(row + bbox[k * 4 + 1]) * stride);
      const w = f(f(Math.exp(bbox[k * 4 + 2])) * stride);
      const h = f(f(Math.exp(bbox[k * 4 + 3])) * stride);
      const marks = [];
      for (let p = 0; p < 5; p++) {
        marks.push(f(f(kps[k * 10 + p * 2] + col) * stride),
                   f(f(kps[k * 10 + p * 2 + 1] + row) * stride));
      }
      rows.push({box: [f(cx - w / 2), f(cy - h / 2), w, h], marks, score});
    }
  }
  return rows;
}

function clip01(v) { return Math.min(1, Math.max(0, v)); }

/** yunet.nms: greedy, by descending score (ties keep their order), IoU above the threshold
 * suppressed. */
function nms(rows, iouThreshold, topK) {
  let order = rows.map((_, i) => i).sort((a, b) => rows[b].score - rows[a].score).slice(0, topK);
  const kept = [];
  while (order.length) {
    const best = order.shift();
    kept.push(best);
    const [bx, by, bw, bh] = rows[best].box;
    order = order.filter((i) => {
      const [x, y, w, h] = rows[i].box;
      const iw = Math.max(0, Math.min(bx + bw, x + w) - Math.max(bx, x));
      const ih = Math.max(0, Math.min(by + bh, y + h) - Math.max(by, y));
      const inter = iw * ih;
      return inter / Math.max(bw * bh + w * h - inter, 1e-9) <= iouThreshold;
    });
  }
  return kept;
}

// ----------------------------------------------------------------------------- SCRFD ---
/** Faces as insightface_engine.py's InsightFaceDetector gives them: SCRFD's candidates at each
 * configured input size, merged best first (ties keep their order), its NMS, then score ≥ the
 * threshold and both box sides ≥ min_face_px. */
async function detectScrfd(model, image) {
  const det = model.config.detector;
  let rows = [];
  for (const [inWidth, inHeight] of det.input_sizes) {
    rows = rows.concat(await scrfdCandidates(model, image, inWidth, inHeight));
  }
  rows.sort((a, b) => b.score - a.score);  // Array.prototype.sort is stable
  return scrfdNms(rows, det.nms_threshold)
    .map((r) => ({bbox: [r.box[0], r.box[1], r.box[2] - r.box[0], r.box[3] - r.box[1]],
                  landmarks: r.marks, score: r.score}))
    .filter((f) => f.score >= det.score_threshold
            && Math.min(f.bbox[2], f.bbox[3]) >= det.min_face_px)
    .sort((a, b) => b.score - a.score);
}

/** SCRFD's forward at one input size: the image resized into its top-left corner keeping the
 * aspect ratio (truncated sides, as `int()` does), black elsewhere, RGB planes normalised by
 * the detector's mean and std; each stride's anchors (num_anchors per cell, at cell corners
 * × stride) decode distances × stride into boxes and landmarks, in float32 as numpy does. */
async function scrfdCandidates(model, image, inWidth, inHeight) {
  const det = model.config.detector;
  const f = Math.fround;
  const imageRatio = image.height / image.width;
  let width = inWidth;
  let height = Math.trunc(width * imageRatio);
  if (imageRatio > inHeight / inWidth) {
    height = inHeight;
    width = Math.trunc(height / imageRatio);
  }
  const scale = f(height / image.height);
  const {rgb} = resizeLinear(image, width, height);
  const plane = inWidth * inHeight;
  const std = 1 / det.input_std;
  const blob = new Float32Array(3 * plane).fill(f((0 - det.input_mean) * std));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) {
        blob[c * plane + y * inWidth + x] = (rgb[(y * width + x) * 3 + c] - det.input_mean) * std;
      }
    }
  }
  const session = model.detector;
  const input = new model.ort.Tensor("float32", blob, [1, 3, inHeight, inWidth]);
  const outputs = await session.run({[session.inputNames[0]]: input});
  const names = det.output_names;
  const levels = det.strides.length;
  const threshold = f(det.score_threshold);
  const rows = [];
  det.strides.forEach((stride, level) => {
    const scores = outputs[names[level]].data;
    const boxes = outputs[names[level + levels]].data;
    const kps = outputs[names[level + 2 * levels]].data;
    const cols = Math.floor(inWidth / stride);
    for (let k = 0; k < scores.length; k++) {
      if (!(scores[k] >= threshold)) { continue; }
      const cell = Math.floor(k / det.num_anchors);
      const cx = (cell % cols) * stride;
      const cy = Math.floor(cell / cols) * stride;
      const d = (i) => f(boxes[k * 4 + i] * stride);
      const box = [f(cx - d(0)), f(cy - d(1)), f(cx + d(2)), f(cy + d(3))]
        .map((v) => f(v / scale));
      const marks = [];
      for (let p = 0; p < 10; p++) {
        marks.push(f(f((p % 2 ? cy : cx) + f(kps[k * 10 + p] * stride)) / scale));
      }
      rows.push({box, marks, score: scores[k]});
    }
  });
  return rows.sort((a, b) => b.score - a.score);
}

/** SCRFD.nms: greedy over the score order, boxes as pixel ranges (+1), overlap ≤ threshold
 * kept. */
function scrfdNms(rows, threshold) {
  const f = Math.fround;
  const area = (b) => f(f(f(b[2] - b[0]) + 1) * f(f(b[3] - b[1]) + 1));
  let order = rows.map((_, i) => i);
  const kept = [];
  while (order.length) {
    const best = order.shift();
    kept.push(rows[best]);
    const a = rows[best].box;
    order = order.filter((i) => {
      const b = rows[i].box;
      const w = Math.max(0, f(f(Math.min(a[2], b[2]) - Math.max(a[0], b[0])) + 1));
      const h = Math.max(0, f(f(Math.min(a[3], b[3]) - Math.max(a[1], b[1])) + 1));
      const inter = f(w * h);
      return f(inter / f(f(area(a) + area(b)) - inter)) <= f(threshold);
    });
  }
  return kept;
}

// ----------------------------------------------------------------------------- align ---
/** align.similarity_transform: the least-squares rotation + uniform scale + translation from
 * the 5 landmarks to the template (the closed form of Umeyama's solution in 2-D). */
function similarityTransform(src, dst) {
  const n = src.length;
  const mean = (pts, k) => pts.reduce((s, p) => s + p[k], 0) / n;
  const [sx, sy, dx, dy] = [mean(src, 0), mean(src, 1), mean(dst, 0), mean(dst, 1)];
  let dot = 0;
  let cross = 0;
  let norm = 0;
  for (let i = 0; i < n; i++) {
    const [x, y] = [src[i][0] - sx, src[i][1] - sy];
    const [u, v] = [dst[i][0] - dx, dst[i][1] - dy];
    dot += x * u + y * v;
    cross += x * v - y * u;
    norm += x * x + y * y;
  }
  const a = norm > 0 ? dot / norm : 1;
  const b = norm > 0 ? cross / norm : 0;
  return [a, -b, dx - (a * sx - b * sy), b, a, dy - (b * sx + a * sy)];
}

/** cv2.warpAffine(INTER_LINEAR, BORDER_CONSTANT 0) of the source to a size×size RGB crop:
 * the inverse map rounded to 1/32 pixel and 15-bit weights, as OpenCV's 8-bit path does. */
function alignFace(image, landmarks, align) {
  const points = [];
  for (let i = 0; i < 5; i++) { points.push([landmarks[i * 2], landmarks[i * 2 + 1]]); }
  const m = similarityTransform(points, align.template);
  const det = m[0] * m[4] - m[1] * m[3];
  const d = det !== 0 ? 1 / det : 0;
  const inv = [m[4] * d, -m[1] * d, 0, -m[3] * d, m[0] * d, 0];
  inv[2] = -inv[0] * m[2] - inv[1] * m[5];
  inv[5] = -inv[3] * m[2] - inv[4] * m[5];
  const size = align.size;
  const out = new Uint8Array(size * size * 3);
  const {data, width, height} = image;
  const pixel = (x, y, c) => (x >= 0 && y >= 0 && x < width && y < height
    ? data[(y * width + x) * 4 + c] : 0);
  for (let y = 0; y < size; y++) {
    const x0 = Math.round((inv[1] * y + inv[2]) * 1024) + 16;
    const y0 = Math.round((inv[4] * y + inv[5]) * 1024) + 16;
    for (let x = 0; x < size; x++) {
      const X = (x0 + Math.round(inv[0] * x * 1024)) >> 5;
      const Y = (y0 + Math.round(inv[3] * x * 1024)) >> 5;
      const ix = X >> 5;
      const iy = Y >> 5;
      const fx = X & 31;
      const fy = Y & 31;
      const w00 = (32 - fx) * (32 - fy) * 32;
      const w01 = fx * (32 - fy) * 32;
      const w10 = (32 - fx) * fy * 32;
      const w11 = fx * fy * 32;
      for (let c = 0; c < 3; c++) {
        const sum = pixel(ix, iy, c) * w00 + pixel(ix + 1, iy, c) * w01
          + pixel(ix, iy + 1, c) * w10 + pixel(ix + 1, iy + 1, c) * w11;
        out[(y * size + x) * 3 + c] = Math.min(255, (sum + 16384) >> 15);
      }
    }
  }
  return out;
}

// ----------------------------------------------------------------------------- quality ---
/** kernel/quality.py yaw_of: the nose's sideways offset from the eyes' midpoint, in
 * inter-eye distances. */
function yawOf(marks) {
  const ex = marks[2] - marks[0];
  const ey = marks[3] - marks[1];
  const distance = Math.hypot(ex, ey);
  if (distance < 1e-6) { return Infinity; }
  const nx = marks[4] - (marks[0] + marks[2]) / 2;
  const ny = marks[5] - (marks[1] + marks[3]) / 2;
  return Math.abs((nx * ex + ny * ey) / distance) / distance;
}

/** enrichment/faces/quality.py sharpness_of: variance of the 4-neighbour Laplacian (edges
 * reflected, 101) of the grey crop; grey as cv2 RGB2GRAY computes it in 14-bit fixed point. */
function sharpnessOf(crop, size) {
  const grey = new Float64Array(size * size);
  for (let i = 0; i < size * size; i++) {
    grey[i] = (crop[i * 3] * 4899 + crop[i * 3 + 1] * 9617 + crop[i * 3 + 2] * 1868 + 8192)
      >> 14;
  }
  const reflect = (i) => (i < 0 ? -i : i >= size ? 2 * size - 2 - i : i);
  const at = (x, y) => grey[reflect(y) * size + reflect(x)];
  const values = new Float64Array(size * size);
  let sum = 0;
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const v = at(x - 1, y) + at(x + 1, y) + at(x, y - 1) + at(x, y + 1) - 4 * at(x, y);
      values[y * size + x] = v;
      sum += v;
    }
  }
  const mean = sum / values.length;
  let squares = 0;
  for (const v of values) { squares += (v - mean) * (v - mean); }
  return squares / values.length;
}

// ----------------------------------------------------------------------------- embed ---
/** The recognizer's input: the aligned crop as planar floats in the configured channel order,
 * less input_mean, over input_std (sface.py: raw 0–255 RGB, the graph normalises; an
 * InsightFace pack: what ArcFaceONNX read from the graph), then the output scaled to unit
 * length. */
async function embed(model, crop) {
  const size = model.config.align.size;
  const rec = model.config.recognizer;
  const mean = rec.input_mean ?? 0;
  const scale = 1 / (rec.input_std ?? 1);
  const bgr = rec.channels === "bgr";
  const plane = size * size;
  const input = new Float32Array(3 * plane);
  for (let i = 0; i < plane; i++) {
    for (let c = 0; c < 3; c++) {
      input[(bgr ? 2 - c : c) * plane + i] = (crop[i * 3 + c] - mean) * scale;
    }
  }
  const session = model.recognizer;
  const tensor = new model.ort.Tensor("float32", input, [1, 3, size, size]);
  const outputs = await session.run({[session.inputNames[0]]: tensor});
  const raw = outputs[session.outputNames[0]].data;
  let norm = 0;
  for (const v of raw) { norm += v * v; }
  norm = Math.max(Math.sqrt(norm), 1e-12);
  return Float32Array.from(raw, (v) => v / norm);
}

// ---------------------------------------------------------------------- across photos ---
/** jikimi/enroll_checks.py disagreements: the [i, j] pairs (i < j) of vectors whose cosine is
 * below the model's threshold, i.e. that may not show the same person. */
export function samePersonProblems(model, vectors) {
  const pairs = [];
  for (let i = 0; i < vectors.length; i++) {
    for (let j = i + 1; j < vectors.length; j++) {
      if (cosine(vectors[i], vectors[j]) < model.config.threshold) { pairs.push([i, j]); }
    }
  }
  return pairs;
}

export function cosine(a, b) {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let k = 0; k < a.length; k++) {
    dot += a[k] * b[k];
    na += a[k] * a[k];
    nb += b[k] * b[k];
  }
  return dot / Math.sqrt(na * nb);
}

/** The vector as base64 of its float32 little-endian bytes: what the enrollment page posts. */
export function vectorToBase64(vector) {
  const view = new DataView(new ArrayBuffer(vector.length * 4));
  vector.forEach((v, k) => view.setFloat32(k * 4, v, true));
  const bytes = new Uint8Array(view.buffer);
  let text = "";
  for (let k = 0; k < bytes.length; k += 0x8000) {
    text += String.fromCharCode.apply(null, bytes.subarray(k, k + 0x8000));
  }
  return btoa(text);
}
