// Small enhancements on top of htmx; every page works without them.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // "/" jumps to the search box (WCAG 2.1.4: the footer offers a way to turn it off).
  var SHORTCUT_KEY = "kb-slash-shortcut";

  function shortcutEnabled() {
    try {
      return window.localStorage.getItem(SHORTCUT_KEY) !== "off";
    } catch (error) {
      return true;
    }
  }

  function showShortcutSetting() {
    var setting = document.getElementById("shortcut-setting");
    var toggle = document.getElementById("shortcut-toggle");
    if (!setting || !toggle) return;
    var enabled = shortcutEnabled();
    setting.hidden = false;
    toggle.setAttribute("aria-pressed", String(enabled));
    toggle.textContent = enabled ? "Turn off the / shortcut" : "Turn on the / shortcut";
  }

  function isTyping(element) {
    return element && (element.isContentEditable ||
      /^(INPUT|TEXTAREA|SELECT)$/.test(element.tagName));
  }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey) return;
    if (isTyping(event.target) || !shortcutEnabled()) return;
    var box = document.getElementById("q");
    if (!box) return;
    event.preventDefault();
    box.focus();
    box.select();
  });

  document.addEventListener("click", function (event) {
    if (!event.target.closest("#shortcut-toggle")) return;
    try {
      window.localStorage.setItem(SHORTCUT_KEY, shortcutEnabled() ? "off" : "on");
    } catch (error) {
      return;
    }
    showShortcutSetting();
  });

  // Escape hides a theme's evidence tip (shown while its chip has focus) until focus moves on.
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var item = event.target.closest && event.target.closest(".evidence-item");
    if (item) item.classList.add("tip-dismissed");
  });
  document.addEventListener("focusout", function (event) {
    var item = event.target.closest && event.target.closest(".evidence-item");
    if (item) item.classList.remove("tip-dismissed");
  });

  // After a link swaps the results, the link is gone: put focus on the new results' heading.
  document.addEventListener("htmx:afterSettle", function (event) {
    var source = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (source && source.tagName === "A" && !document.body.contains(source)) {
      var heading = document.getElementById("results-heading");
      if (heading) heading.focus();
    }
  });

  // After a curator's decision swaps a passage's themes, put focus on the message saying what changed.
  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail.target;
    if (!target || !target.classList || !target.classList.contains("passage-themes")) return;
    var swapped = document.getElementById(target.id);
    var message = swapped && swapped.querySelector(".curation-message");
    if (message) message.focus();
  });

  // After a collection change swaps in its message ("Added to ...", "Passage moved up"),
  // the button pressed is gone: put focus on the message.
  document.addEventListener("htmx:afterSettle", function () {
    var message = document.querySelector("[data-focus-after-swap]");
    if (!message) return;
    message.removeAttribute("data-focus-after-swap");
    message.focus();
  });

  // A form sent by htmx that is refused (expired, not allowed, busy): say why beside the form.
  document.addEventListener("htmx:responseError", function (event) {
    var form = event.detail.elt && event.detail.elt.closest && event.detail.elt.closest("form");
    if (!form) return;
    var reason = "This change could not be saved.";
    try {
      var page = new DOMParser().parseFromString(event.detail.xhr.responseText, "text/html");
      var found = page.querySelector("main p");
      if (found && found.textContent.trim()) reason = found.textContent.trim();
    } catch (error) { /* keep the general reason */ }
    var box = form.querySelector(".form-error");
    if (!box) {
      box = document.createElement("p");
      box.className = "form-error";
      box.setAttribute("role", "alert");
      form.appendChild(box);
    }
    box.textContent = reason;
  });

  // "Filter results" on a narrow screen: a disclosure button once JavaScript runs (without it,
  // the link opens the filters by their address).
  function setUpFilterToggle() {
    var toggle = document.querySelector(".filter-toggle");
    var filters = document.getElementById("filters");
    if (!toggle || !filters || toggle.getAttribute("role") === "button") return;
    toggle.setAttribute("role", "button");
    toggle.setAttribute("aria-expanded", String(filters.classList.contains("filters-open")));
  }
  document.addEventListener("click", function (event) {
    var toggle = event.target.closest && event.target.closest(".filter-toggle");
    var filters = document.getElementById("filters");
    if (!toggle || !filters) return;
    event.preventDefault();
    var open = filters.classList.toggle("filters-open");
    toggle.setAttribute("aria-expanded", String(open));
    if (open) {
      var heading = document.getElementById("filters-heading");
      if (heading) { heading.setAttribute("tabindex", "-1"); heading.focus(); }
    }
  });
  document.addEventListener("keydown", function (event) {
    var toggle = event.target.closest && event.target.closest(".filter-toggle[role=button]");
    if (toggle && event.key === " ") { event.preventDefault(); toggle.click(); }
  });
  document.addEventListener("htmx:historyRestore", setUpFilterToggle);
  setUpFilterToggle();

  // Print buttons (hidden without JavaScript, where the browser's own Print command serves).
  function showPrintButtons() {
    document.querySelectorAll("[data-print]").forEach(function (button) { button.hidden = false; });
  }
  document.addEventListener("click", function (event) {
    if (event.target.closest && event.target.closest("[data-print]")) window.print();
  });
  showPrintButtons();

  // History restores replace the body: show the shortcut setting again.
  document.addEventListener("htmx:historyRestore", showShortcutSetting);
  showShortcutSetting();
})();
