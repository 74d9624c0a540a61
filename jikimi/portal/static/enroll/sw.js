// The enrollment page's service worker (served as /enroll-sw.js; jikimi/portal/enroll_worker.py).
// It keeps what the page needs to compute face templates on the device: the face models,
// onnxruntime-web and the page's own scripts, so that a phone that loaded them once can turn
// photos into templates without a connection. It caches nothing else: no page (pages carry a
// CSRF token and may show names), no POST and no answer to one, no photo (photos never leave
// the page's memory), nothing from another origin.
"use strict";

const CACHE = "jikimi-enroll-v1";
// Same for everyone and free of personal data: the page scripts, part A's face pipeline, the
// onnxruntime-web files and the model files and their config.
const KEPT = ["/static/enroll/", "/static/vendor/onnxruntime-web/", "/enroll/"];
// Large files that change only with their name (a new model comes with a new config): served
// from the cache first. Scripts and the config are asked for first, the cache is the fallback.
const BINARY = /\.(onnx|wasm|bin|data)$/;
const PRECACHE = ["/static/enroll/page.js", "/static/enroll/face.js"];

function kept(request) {
  if (request.method !== "GET") { return false; }
  const url = new URL(request.url);
  return url.origin === self.location.origin &&
    KEPT.some((prefix) => url.pathname.startsWith(prefix));
}

function storable(response) {
  return response && response.ok && response.type === "basic" && response.status === 200;
}

self.addEventListener("install", (event) => {
  event.waitUntil(caches.open(CACHE).then((cache) => Promise.all(
    PRECACHE.map((url) => cache.add(url).catch(() => undefined)))));  // face.js may be absent
  self.skipWaiting();
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys().then((names) => Promise.all(
    names.filter((name) => name.startsWith("jikimi-enroll-") && name !== CACHE)
      .map((name) => caches.delete(name)))).then(() => self.clients.claim()));
});

async function cacheFirst(request) {
  const cache = await caches.open(CACHE);
  const hit = await cache.match(request);
  if (hit) { return hit; }
  const response = await fetch(request);
  if (storable(response)) { await cache.put(request, response.clone()); }
  return response;
}

async function networkFirst(request) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (storable(response)) { await cache.put(request, response.clone()); }
    return response;
  } catch (offline) {
    const hit = await cache.match(request);
    if (hit) { return hit; }
    throw offline;
  }
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (!kept(request)) { return; }  // the browser's own handling, never cached here
  const path = new URL(request.url).pathname;
  event.respondWith(BINARY.test(path) ? cacheFirst(request) : networkFirst(request));
});
