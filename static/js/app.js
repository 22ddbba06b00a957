// Deskpilot: live SLA countdowns (the state comes from the server) and keyboard shortcuts. Everything works without this file.
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
      var left = Date.parse(el.dataset.due) - now;
      // The server decides "on track / at risk / breached" (Ticket.sla_state) and sets the class;
      // this script only counts down.
      el.textContent = formatLeft(left);
    });
  }
  setInterval(tick, 1000);
  document.addEventListener("DOMContentLoaded", tick);
  document.addEventListener("htmx:afterSwap", tick);

  function typing(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }

  // Queue: j/k move, Enter opens. Ticket page: a approve & send, e edit, r reject, x escalate, w wait, g queue, ? help.
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (typing(event.target)) {
      if (event.key === "Escape") event.target.blur();
      return;
    }
    var key = event.key;
    var rows = Array.prototype.slice.call(document.querySelectorAll("[data-queue-row]"));
    if (rows.length && (key === "j" || key === "k")) {
      var current = rows.indexOf(document.activeElement.closest && document.activeElement.closest("[data-queue-row]"));
      var next = key === "j" ? Math.min(rows.length - 1, current + 1) : Math.max(0, current - 1);
      rows[next].querySelector("a").focus();
      event.preventDefault();
      return;
    }
    var shortcut = document.querySelector('[data-shortcut="' + key + '"]');
    if (!shortcut) return;
    event.preventDefault();
    if (shortcut.tagName === "TEXTAREA" || shortcut.tagName === "INPUT") { shortcut.focus(); return; }
    if (shortcut.tagName === "DETAILS") { shortcut.open = !shortcut.open; return; }
    shortcut.click();
  });
})();
