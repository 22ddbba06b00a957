// Deskpilot: live SLA countdowns (the state comes from the server), keyboard shortcuts, the
// composer's "insert", and keeping the selected queue row across refreshes. Everything works
// without this file except the shortcuts and inserting at the cursor.
(function () {
  "use strict";

  function formatLeft(ms) {
    var overdue = ms < 0;
    var minutes = Math.floor(Math.abs(ms) / 60000);
    var days = Math.floor(minutes / 1440), hours = Math.floor((minutes % 1440) / 60), mins = minutes % 60;
    var text = days ? days + "d " + hours + "h" : hours ? hours + "h " + mins + "m" : mins + "m";
    return overdue ? "overdue " + text : text + " left";
  }

  function tick() {
    var now = Date.now();
    document.querySelectorAll("time[data-due]").forEach(function (el) {
      if (el.dataset.paused) { el.textContent = "paused"; return; }
      // The server decides "on track / at risk / breached" (Ticket.sla_state) and sets the class;
      // this script only counts down.
      el.textContent = formatLeft(Date.parse(el.dataset.due) - now);
    });
  }
  setInterval(tick, 1000);

  // --- Shortcuts: only keys whose target is on the page are shown, and none fires while typing.
  function typing(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }

  function legend() {
    var el = document.querySelector("[data-shortcut-legend]");
    if (!el) return;
    var parts = [];
    document.querySelectorAll("[data-shortcut][data-shortcut-label]").forEach(function (target) {
      parts.push("<kbd>" + target.dataset.shortcut + "</kbd> " + target.dataset.shortcutLabel);
    });
    if (document.querySelector("[data-ctrl-enter-submit]")) parts.push("<kbd>Ctrl</kbd>+<kbd>Enter</kbd> send");
    el.innerHTML = parts.length ? "Keys: " + parts.join(" · ") : "";
    el.hidden = !parts.length;
  }

  var SELECTED = "deskpilot.selectedTicket";
  function queueRows() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-queue-row]"));
  }
  function select(row) {
    queueRows().forEach(function (r) { r.classList.toggle("selected", r === row); });
    if (!row) return;
    try { sessionStorage.setItem(SELECTED, row.dataset.ticketId); } catch (e) { /* private mode */ }
    row.querySelector("a").focus();
  }
  function restoreSelection() {
    var id;
    try { id = sessionStorage.getItem(SELECTED); } catch (e) { id = null; }
    if (!id) return;
    var row = document.querySelector('[data-queue-row][data-ticket-id="' + id + '"]');
    if (!row) return;
    row.classList.add("selected");
    // Take the focus back only if the refresh took it away (it was on the old row).
    if (document.activeElement === document.body || !document.activeElement) row.querySelector("a").focus();
  }

  document.addEventListener("focusin", function (event) {
    var row = event.target.closest && event.target.closest("[data-queue-row]");
    if (row) select(row);
  });

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    // Ctrl+Enter sends from anywhere in the composer: the reply box, a flag's checkbox, a button.
    var composer = target.closest && target.closest("form");
    if ((event.ctrlKey || event.metaKey) && event.key === "Enter" && composer && composer.querySelector("[data-ctrl-enter-submit]")) {
      event.preventDefault();
      if (composer.requestSubmit) composer.requestSubmit(composer.querySelector('button[name="then"][value="send"]')); else composer.submit();
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    // "a" acknowledges the flag under the cursor and moves to the next open one (then to Send).
    if (event.key === "a" && target.name === "acknowledge" && target.closest("#confirm-flags")) {
      event.preventDefault();
      target.checked = true;
      var open = Array.prototype.filter.call(
        document.querySelectorAll('#confirm-flags input[name="acknowledge"]'),
        function (box) { return !box.checked; });
      var form = target.closest("form");
      var next = open[0] || (form && form.querySelector('button[name="then"][value="send"]'));
      if (next) next.focus();
      return;
    }
    if (typing(target)) {
      if (event.key === "Escape") target.blur();
      return;
    }
    var key = event.key;
    var rows = queueRows();
    if (rows.length && (key === "j" || key === "k")) {
      var current = rows.indexOf(document.querySelector("[data-queue-row].selected"));
      var next = key === "j" ? Math.min(rows.length - 1, current + 1) : Math.max(0, current - 1);
      select(rows[next]);
      event.preventDefault();
      return;
    }
    var shortcut = document.querySelector('[data-shortcut="' + CSS.escape(key) + '"]');
    if (!shortcut) return;
    event.preventDefault();
    if (shortcut.tagName === "DETAILS") {
      shortcut.open = !shortcut.open;
      var field = shortcut.open && shortcut.querySelector("textarea, input:not([type=hidden]), select");
      if (field) field.focus();
      return;
    }
    if (shortcut.tagName === "INPUT" && shortcut.type === "checkbox") { shortcut.click(); return; }
    if (/^(TEXTAREA|INPUT|SELECT)$/.test(shortcut.tagName)) {
      var details = shortcut.closest("details");
      if (details) details.open = true;
      shortcut.focus();
      return;
    }
    shortcut.click();
  });

  // --- Composer: insert at the cursor and remember what was inserted.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button.insert");
    if (!button) return;
    var box = document.getElementById("id_final_text");
    if (!box) return;
    var text = button.dataset.insertText;
    var start = box.selectionStart, end = box.selectionEnd, value = box.value;
    if (typeof start !== "number") { start = end = value.length; }
    var before = value.slice(0, start), after = value.slice(end);
    var sep = before && !/\n\s*$/.test(before) ? "\n\n" : "";
    var tail = after && !/^\s*\n/.test(after) ? "\n\n" : "";
    // A greeting opens the reply: the writing goes on in a new paragraph below it.
    var greeting = button.dataset.insertKind === "greeting";
    if (greeting && !tail && !/^\n\n/.test(after)) { tail = "\n\n"; }
    box.value = before + sep + text + tail + after;
    var caret = (before + sep + text).length + (greeting ? 2 : 0);
    box.focus();
    box.setSelectionRange(caret, caret);
    var inserted = document.getElementById("id_inserted");
    if (inserted && inserted.value.split(" ").indexOf(button.dataset.insertKey) < 0) {
      inserted.value = (inserted.value + " " + button.dataset.insertKey).trim();
    }
  });

  // --- Pipeline stages in the history are shown on demand.
  document.addEventListener("change", function (event) {
    if (event.target.id === "show-stages") {
      document.body.classList.toggle("show-stages", event.target.checked);
    }
  });

  // --- Polling refreshes (queue, SLA board) wait while the tab is hidden. Done here because
  // htmx's "[…]" trigger filters need eval, which the Content-Security-Policy forbids.
  document.addEventListener("htmx:beforeRequest", function (event) {
    var source = event.detail && event.detail.elt;
    if (source && source.hasAttribute("data-refresh-when-visible") && document.visibilityState !== "visible") {
      event.preventDefault();
    }
  });

  // A reply refused over its flags comes back with a box per flag: the keyboard lands on the first
  // (Space ticks it, Tab moves to the next, Ctrl+Enter sends).
  function focusFlags(event) {
    var detail = (event && event.detail) || {};
    var path = (detail.pathInfo && detail.pathInfo.requestPath) || "";
    if (!/\/reply\/$/.test(path)) return;
    var box = document.querySelector('#confirm-flags input[name="acknowledge"]');
    if (box) box.focus();
  }
  document.addEventListener("htmx:afterSettle", focusFlags);

  // --- Presence: the ticket page reports every few seconds whether its user is typing a reply
  // (the hidden #typing-flag goes with each report); a first keystroke reports at once.
  var lastKey = 0;
  document.addEventListener("input", function (event) {
    if (event.target.id !== "id_final_text") return;
    var flag = document.getElementById("typing-flag");
    if (!flag) return;
    var fresh = flag.value !== "1";
    lastKey = Date.now();
    flag.value = "1";
    if (fresh && window.htmx) window.htmx.trigger("#presence", "typing");
  });
  window.setInterval(function () {
    var flag = document.getElementById("typing-flag");
    if (flag && flag.value === "1" && Date.now() - lastKey > 10000) flag.value = "0";
  }, 1000);

  function ready() { tick(); legend(); restoreSelection(); }
  document.addEventListener("DOMContentLoaded", ready);
  document.addEventListener("htmx:afterSettle", ready);
})();
