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

  // Each socket is live or paused; the polite live region speaks only when the page as a whole
  // changes from live to paused or back, not on every ping.
  var paused = {};
  function setLive(path, live) {
    var before = Object.keys(paused).length > 0;
    if (live) delete paused[path]; else paused[path] = true;
    var now = Object.keys(paused).length > 0;
    if (now !== before) setLiveStatus(now ? (body.dataset.livePaused || "Live updates paused, reconnecting…") : "");
  }

  // One reconnecting websocket; handlers registered by pages (idea page: votes and comments).
  // A ping on open and every 30 s (window.ideaboxLivePingMs for tests) makes the server join the
  // socket's groups again, which Redis forgets when it restarts; its pong says whether that
  // worked. A socket whose pong never comes is closed and opened again, with backoff.
  var handlers = [];
  window.ideaboxLive = { on: function (fn) { handlers.push(fn); } };

  function connect(path, onMessage, onOpen) {
    var proto = location.protocol === "https:" ? "wss://" : "ws://";
    var delay = 1000;
    var socket, timer, awaitingPong;
    function closed(code) {
      clearInterval(timer);
      if (code === 4401 || code === 4403) return;
      setLive(path, false);
      // Jitter: after a server restart, every open page must not come back in the same second.
      setTimeout(open, delay * (0.5 + Math.random() / 2));
      delay = Math.min(delay * 2, 30000);
    }
    function ping() {
      if (awaitingPong) {
        // No answer to the last ping: a dead connection. The browser may take a minute to report
        // it closed, so another socket is opened now.
        socket.onclose = null;
        socket.close();
        closed(1006);
        return;
      }
      awaitingPong = true;
      socket.send(JSON.stringify({ type: "ping" }));
    }
    function open() {
      socket = new WebSocket(proto + location.host + path);
      socket.onopen = function () {
        delay = 1000;
        awaitingPong = false;
        ping();
        timer = setInterval(ping, window.ideaboxLivePingMs || 30000);
        if (onOpen) onOpen(socket);
      };
      socket.onmessage = function (event) {
        var data;
        try { data = JSON.parse(event.data); } catch (e) { return; }
        if (data.type === "pong") {
          awaitingPong = false;
          setLive(path, data.live !== false);
          return;
        }
        onMessage(data);
      };
      socket.onclose = function (event) { closed(event.code); };
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

  // The phone's "More" menu (a <details>): Escape closes it and gives the focus back to its
  // toggle; a tap elsewhere closes it too.
  var more = document.getElementById("more-menu");
  if (more) {
    more.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && more.open) {
        more.open = false;
        more.querySelector("summary").focus();
      }
    });
    document.addEventListener("click", function (event) {
      if (more.open && !more.contains(event.target)) more.open = false;
    });
  }

  // Confirmations without inline handlers: <button data-confirm="...">
  document.addEventListener("click", function (event) {
    var target = event.target.closest("[data-confirm]");
    if (target && !window.confirm(target.dataset.confirm)) event.preventDefault();
  });
})();
