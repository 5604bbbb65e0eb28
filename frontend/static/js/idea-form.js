/* Idea form: keeps a draft in local storage while typing (and when the network drops), and offers
   to restore it; when offline, submitting keeps the draft and sends it once the network is back. */
(function () {
  "use strict";
  var form = document.getElementById("idea-form");
  if (!form || !window.localStorage) return;
  var key = form.dataset.draftKey;
  var status = document.getElementById("draft-status");
  var fields = ["title", "body", "tags", "co_authors", "estimated_gain"];
  var say = function (text) { if (status) status.textContent = text; };
  var lang = document.documentElement.lang;
  var T = lang === "fr" ? {
    saved: "Brouillon enregistré sur cet appareil.", restored: "Votre brouillon non envoyé a été restauré.",
    offline: "Hors ligne : votre idée est gardée sur cet appareil et sera envoyée au retour du réseau.",
    sending: "Réseau revenu : envoi de votre idée…"
  } : {
    saved: "Draft saved on this device.", restored: "Your unsent draft was restored.",
    offline: "Offline: your idea is kept on this device and will be sent when the network is back.",
    sending: "Back online: sending your idea…"
  };
  function collect() {
    var data = {};
    fields.forEach(function (name) { var el = form.elements[name]; if (el) data[name] = el.value; });
    ["theme", "target_entity", "campaign"].forEach(function (name) { var el = form.elements[name]; if (el) data[name] = el.value; });
    return data;
  }
  function save(pending) {
    var data = collect();
    var before = localStorage.getItem(key);
    // Typing again after an offline "send" keeps it to be sent.
    data.pending = !!pending || (!!before && !!JSON.parse(before).pending);
    localStorage.setItem(key, JSON.stringify(data));
  }
  var stored = localStorage.getItem(key);
  if (stored) {
    try {
      var data = JSON.parse(stored);
      var empty = !form.elements.title.value && !form.elements.body.value;
      if (empty) {
        Object.keys(data).forEach(function (name) { if (form.elements[name] && data[name]) form.elements[name].value = data[name]; });
        say(T.restored);
      }
    } catch (e) { localStorage.removeItem(key); }
  }
  var timer;
  form.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(function () { save(false); say(T.saved); }, 500); });
  function submitNow() {
    var flag = document.createElement("input");
    flag.type = "hidden"; flag.name = "submit"; flag.value = "1";
    form.appendChild(flag);
    localStorage.removeItem(key);
    // Not form.submit(): the form's button named "submit" shadows that method.
    HTMLFormElement.prototype.submit.call(form);
  }
  form.addEventListener("submit", function (event) {
    clearTimeout(timer);
    if (!navigator.onLine) {
      event.preventDefault();
      save(true);
      say(T.offline);
      return;
    }
    localStorage.removeItem(key);
  });
  var sending = false;
  function sendPending() {
    if (sending || !navigator.onLine) return;
    var data;
    try { data = JSON.parse(localStorage.getItem(key) || "null"); } catch (e) { data = null; }
    if (data && data.pending) { sending = true; say(T.sending); submitNow(); }
  }
  // Right after the network returns, the browser may still report itself offline for a moment
  // without firing "online" again: while a draft waits, look every second (cheap: one flag), from
  // the page's load and from the offline submit, whenever the network comes back.
  var watching = null;
  function pending() {
    try { return Boolean((JSON.parse(localStorage.getItem(key) || "null") || {}).pending); } catch (e) { return false; }
  }
  function watch() {
    if (watching) return;
    watching = setInterval(function () {
      sendPending();
      if (sending || !pending()) { clearInterval(watching); watching = null; }
    }, 1000);
  }
  window.addEventListener("online", function () { sendPending(); watch(); });
  form.addEventListener("submit", function () { if (!navigator.onLine) watch(); });
  sendPending();
  if (pending()) watch();
})();
