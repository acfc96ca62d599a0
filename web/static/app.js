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

  // After a link swaps the results, the link is gone: put focus on the new results' heading.
  document.addEventListener("htmx:afterSettle", function (event) {
    var source = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (source && source.tagName === "A" && !document.body.contains(source)) {
      var heading = document.getElementById("results-heading");
      if (heading) heading.focus();
    }
  });

  // History restores replace the body: show the shortcut setting again.
  document.addEventListener("htmx:historyRestore", showShortcutSetting);
  showShortcutSetting();
})();
