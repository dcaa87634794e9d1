// Live updates for the inbox: refetch its changing part every few seconds and swap it in.
// No library: the page works without this script (reload shows the same), it only saves the reload.
(function () {
  "use strict";
  var EVERY_MS = 5000;
  function refresh(region) {
    // Never replace what someone is typing into or has focused: wait for the next round.
    if (region.contains(document.activeElement) && document.activeElement !== document.body) return;
    fetch(region.getAttribute("data-live"), { headers: { "X-Live": "1" }, credentials: "same-origin" })
      .then(function (response) {
        if (response.status === 401) { window.location.assign("/signin?expired=1&next=" + encodeURIComponent(location.pathname + location.search)); return null; }
        return response.ok ? response.text() : null;
      })
      .then(function (html) { if (html !== null && html !== undefined) region.innerHTML = html; })
      .catch(function () { /* offline for a moment: the next round tries again */ });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var region = document.querySelector("[data-live]");
    if (region) window.setInterval(function () { refresh(region); }, EVERY_MS);
  });
})();
