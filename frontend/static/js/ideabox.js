/* Ideabox shell: live notifications over the websocket, toasts, service worker, drafts. No inline script. */
(function () {
  "use strict";
  var body = document.body;

  function toast(text) {
    var box = document.getElementById("toasts");
    if (!box) return;
    var el = document.createElement("div");
    el.className = "toast";
    el.setAttribute("role", "status");
    el.textContent = text;
    box.appendChild(el);
    setTimeout(function () { el.remove(); }, 6000);
  }
  window.ideaboxToast = toast;

  function setLiveStatus(text) {
    var el = document.getElementById("live-status");
    if (!el) return;
    el.textContent = text || "";
    el.classList.toggle("visually-hidden", !text);
  }

  // One reconnecting websocket; handlers registered by pages (idea page: votes and comments).
  var handlers = [];
  window.ideaboxLive = { on: function (fn) { handlers.push(fn); } };

  function connect(path, onMessage, onOpen) {
    var proto = location.protocol === "https:" ? "wss://" : "ws://";
    var delay = 1000;
    var socket;
    function open() {
      socket = new WebSocket(proto + location.host + path);
      socket.onopen = function () { delay = 1000; setLiveStatus(""); if (onOpen) onOpen(socket); };
      socket.onmessage = function (event) {
        var data;
        try { data = JSON.parse(event.data); } catch (e) { return; }
        onMessage(data);
      };
      socket.onclose = function (event) {
        if (event.code === 4401 || event.code === 4403) return;
        setLiveStatus(body.dataset.livePaused || "Live updates paused, reconnecting…");
        setTimeout(open, delay);
        delay = Math.min(delay * 2, 30000);
      };
    }
    open();
  }
  window.ideaboxConnect = connect;

  if (body.dataset.user && "WebSocket" in window) {
    connect("/ws/notifications/", function (data) {
      if (data.type === "notification") {
        var bell = document.getElementById("bell-count");
        if (bell && typeof data.unread === "number") {
          bell.textContent = data.unread;
          bell.hidden = data.unread === 0;
        }
        if (data.text) toast(data.text);
      }
      handlers.forEach(function (fn) { fn(data); });
    });
  }

  if ("serviceWorker" in navigator && body.dataset.sw) {
    navigator.serviceWorker.register(body.dataset.sw, { scope: "/" }).catch(function () {});
  }

  // A wide table scrolls inside its box on a phone: the box then takes the keyboard focus (arrow
  // keys scroll it) and is named after its section's heading. Rechecked when a table grows.
  function scrollers() {
    document.querySelectorAll(".table-wrap").forEach(function (box) {
      if (box.scrollWidth <= box.clientWidth + 1 || box.hasAttribute("tabindex")) return;
      box.tabIndex = 0;
      var section = box.closest("section, .card");
      var heading = section && section.querySelector("h1, h2, h3");
      if (heading) { box.setAttribute("role", "region"); box.setAttribute("aria-label", heading.textContent.trim()); }
    });
  }
  scrollers();
  if ("ResizeObserver" in window) {
    var observer = new ResizeObserver(scrollers);
    document.querySelectorAll(".table-wrap, .table-wrap > table").forEach(function (el) { observer.observe(el); });
  }

  // Confirmations without inline handlers: <button data-confirm="...">
  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-confirm]");
    if (target && !window.confirm(target.dataset.confirm)) event.preventDefault();
  });
})();
