/* Idea page: live vote count and new comments for everyone viewing it. */
(function () {
  "use strict";
  var page = document.getElementById("idea-page");
  if (!page || !window.ideaboxConnect) return;
  var ideaId = page.dataset.idea;
  var paused = document.getElementById("live-paused");
  window.ideaboxConnect("/ws/ideas/" + ideaId + "/", function (data) {
    if (data.type !== "idea" || String(data.idea) !== String(ideaId)) return;
    document.querySelectorAll('[data-live="votes"]').forEach(function (el) { el.textContent = data.votes; });
    // "1 vote", "7 votes" (and French "0 vote"): the page gives both words, the language's rule picks.
    var one = new Intl.PluralRules(document.documentElement.lang || "en").select(Number(data.votes)) === "one";
    document.querySelectorAll('[data-live-plural="votes"]').forEach(function (el) {
      el.textContent = one ? el.dataset.one : el.dataset.other;
    });
    document.querySelectorAll('[data-live="comments"]').forEach(function (el) { el.textContent = data.comments; });
    if (data.comment && !document.getElementById("comment-" + data.comment)) {
      fetch("/ideas/comments/" + data.comment + "/", { credentials: "same-origin", headers: { "HX-Request": "true" } })
        .then(function (r) { return r.ok ? r.text() : ""; })
        .then(function (html) {
          if (!html || document.getElementById("comment-" + data.comment)) return;
          var box = document.getElementById("comments");
          var empty = document.getElementById("no-comments");
          if (empty) empty.remove();
          var holder = document.createElement("div");
          holder.innerHTML = html;  // server-rendered, sanitised fragment
          while (holder.firstChild) box.appendChild(holder.firstChild);
          if (window.htmx) window.htmx.process(box);
        });
    }
  }, function () { if (paused) paused.hidden = true; });
  window.addEventListener("offline", function () { if (paused) paused.hidden = false; });
})();
