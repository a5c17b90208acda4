// Keeps review-window countdowns current between page loads; without JavaScript the
// server-rendered text stays, and the server alone decides whether the window is open.
(function () {
  "use strict";

  function label(ms) {
    var minutes = Math.floor(ms / 60000);
    var days = Math.floor(minutes / 1440);
    var hours = Math.floor((minutes % 1440) / 60);
    if (days > 0) {
      return days + (days === 1 ? " day, " : " days, ") + hours + " h left";
    }
    if (hours > 0) {
      return hours + " h " + (minutes % 60) + " min left";
    }
    return (minutes % 60) + " min left";
  }

  function tick() {
    var nodes = document.querySelectorAll("[data-closes-at]");
    for (var i = 0; i < nodes.length; i++) {
      var left = Date.parse(nodes[i].getAttribute("data-closes-at")) - Date.now();
      if (!isNaN(left)) {
        nodes[i].textContent = left > 0 ? label(left) : "closing now: reload the page";
      }
    }
  }

  tick();
  window.setInterval(tick, 30000);
})();
