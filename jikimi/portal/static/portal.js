// Keyboard shortcuts for reviewers, the audited unblur click, a session timer and a break
// reminder. No framework, no build step; the page works without it (forms and links).
(function () {
  "use strict";
  var started = Date.now();
  var breakMinutes = parseInt(document.body.dataset.breakMinutes || "25", 10);
  var timer = document.getElementById("timer");
  function tick() {
    var minutes = Math.floor((Date.now() - started) / 60000);
    if (timer) { timer.textContent = timer.dataset.label + " " + minutes + " min"; }
    var reminder = document.getElementById("break");
    if (reminder && breakMinutes > 0 && minutes >= breakMinutes) { reminder.hidden = false; }
  }
  setInterval(tick, 15000); tick();

  var unblur = document.getElementById("unblur");
  var preview = document.getElementById("preview");
  if (unblur && preview) {
    unblur.addEventListener("click", function () {
      preview.src = preview.dataset.original;  // the server records who looked, and when
      unblur.disabled = true;
    });
  }

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" ||
                   target.tagName === "SELECT")) { return; }
    var link = { j: "next", k: "prev" }[event.key];
    if (link) {
      var anchor = document.getElementById(link);
      if (anchor) { window.location.href = anchor.href; }
      return;
    }
    var button = document.querySelector('[data-key="' + event.key + '"]');
    if (button) { event.preventDefault(); button.click(); }
  });
})();
