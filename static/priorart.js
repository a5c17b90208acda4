// A live character count under text areas with a limit (data-count-to), e.g. the concise
// description's 1,000 characters. Without JavaScript the help text states the limit and the
// server refuses a longer text with its length.
(function () {
  "use strict";

  function format(n) {
    return n.toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  }

  function attach(area) {
    var limit = parseInt(area.getAttribute("data-count-to"), 10);
    if (!limit) {
      return;
    }
    var counter = document.createElement("p");
    counter.className = "counter";
    counter.id = area.id + "-counter";
    counter.setAttribute("aria-live", "polite");
    area.parentNode.insertBefore(counter, area.nextSibling);
    var described = area.getAttribute("aria-describedby");
    area.setAttribute("aria-describedby", (described ? described + " " : "") + counter.id);

    function update() {
      // The server trims the text and counts a line break as one character, as here.
      var used = area.value.replace(/\r\n?/g, "\n").trim().length;
      var left = limit - used;
      counter.textContent = format(used) + " of " + format(limit) + " characters" +
        (left < 0 ? ": " + format(-left) + " too many" : "");
      counter.classList.toggle("over", left < 0);
    }

    area.addEventListener("input", update);
    update();
  }

  var areas = document.querySelectorAll("textarea[data-count-to]");
  for (var i = 0; i < areas.length; i++) {
    attach(areas[i]);
  }
})();
