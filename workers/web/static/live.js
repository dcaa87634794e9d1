// Live updates for the inbox: refetch its changing part every few seconds and swap it in silently.
// No library: the page works without this script (reload shows the same), it only saves the reload.
// The lists are not a live region (a screen reader would re-read them whole): only one short sentence,
// what changed ("2 new, 1 acknowledged"), is put into the #live-news status element, and only when
// something did change.
(function () {
  "use strict";
  var EVERY_MS = 5000;
  function items(root) {
    var found = {};
    root.querySelectorAll("[data-item]").forEach(function (row) {
      found[row.getAttribute("data-item")] = row.getAttribute("data-state") || "";
    });
    return found;
  }
  function difference(before, after) {
    var counts = { added: 0, gone: 0, changed: 0 };
    Object.keys(after).forEach(function (id) {
      if (!(id in before)) counts.added += 1;
      else if (before[id] !== after[id]) counts.changed += 1;
    });
    Object.keys(before).forEach(function (id) { if (!(id in after)) counts.gone += 1; });
    return counts;
  }
  function sentence(news, counts) {
    var parts = [];
    [["added", "data-new"], ["changed", "data-changed"], ["gone", "data-gone"]].forEach(function (pair) {
      if (counts[pair[0]]) parts.push(news.getAttribute(pair[1]).replace("{count}", counts[pair[0]]));
    });
    return parts.length ? news.getAttribute("data-intro") + " " + parts.join(", ") + "." : "";
  }
  function refresh(region, news) {
    // Never replace what someone is typing into or has focused: wait for the next round.
    if (region.contains(document.activeElement) && document.activeElement !== document.body) return;
    fetch(region.getAttribute("data-live"), { headers: { "X-Live": "1" }, credentials: "same-origin" })
      .then(function (response) {
        if (response.status === 401) { window.location.assign("/signin?expired=1&next=" + encodeURIComponent(location.pathname + location.search)); return null; }
        return response.ok ? response.text() : null;
      })
      .then(function (html) {
        if (html === null || html === undefined) return;
        var fresh = document.createElement("div");
        fresh.innerHTML = html;
        var said = sentence(news, difference(items(region), items(fresh)));
        if (said) {
          region.innerHTML = fresh.innerHTML;
          news.textContent = said;
        } else {
          // Nothing changed: only the time of the last look, the lists stay as they are.
          var stamp = region.querySelector("[data-updated]"), freshStamp = fresh.querySelector("[data-updated]");
          if (stamp && freshStamp) stamp.textContent = freshStamp.textContent;
        }
      })
      .catch(function () { /* offline for a moment: the next round tries again */ });
  }
  document.addEventListener("DOMContentLoaded", function () {
    var region = document.querySelector("[data-live]"), news = document.getElementById("live-news");
    if (region && news) window.setInterval(function () { refresh(region, news); }, EVERY_MS);
  });
})();
