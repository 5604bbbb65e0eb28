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

  // Confirmations without inline handlers: <button data-confirm="...">
  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-confirm]");
    if (target && !window.confirm(target.dataset.confirm)) event.preventDefault();
  });
})();
