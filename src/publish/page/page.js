/* nashra read-along: highlights the sentence being heard (aria-current) and lets a click, Enter
   or Space on a sentence play from there. Each transcript is one Tab stop; the arrow keys move
   between its sentences (Left is forward, as the text runs right to left), Home and End jump to
   the first and last, Escape pauses. Works from file:// and any static host: no modules, no
   network. */
(function () {
  "use strict";
  var players = [];

  function setup(section) {
    var audio = section.querySelector("audio");
    var cues = Array.prototype.slice.call(section.querySelectorAll(".cue"));
    if (!audio || cues.length === 0) { return; }
    var starts = cues.map(function (c) { return parseFloat(c.getAttribute("data-start")); });
    var current = null;
    var stop = cues[0];
    var frame = 0;
    /* Nothing is highlighted until this programme is played or moved in: a page of untouched
       players shows no "current" sentence. */
    var engaged = false;
    players.push(audio);

    /* The last sentence starting at or before t; -1 before the first. Each sentence stays
       current through the pause after it, so the highlight never blinks off mid-programme. */
    function indexAt(t) {
      var lo = 0, hi = starts.length - 1, found = -1;
      while (lo <= hi) {
        var mid = (lo + hi) >> 1;
        if (starts[mid] <= t + 0.005) { found = mid; lo = mid + 1; } else { hi = mid - 1; }
      }
      return found;
    }

    function setTabStop(cue) {
      if (stop === cue) { return; }
      stop.tabIndex = -1;
      cue.tabIndex = 0;
      stop = cue;
    }

    function visible(el) {
      var r = el.getBoundingClientRect();
      return r.bottom > 0 && r.top < (window.innerHeight || document.documentElement.clientHeight);
    }

    function highlight() {
      if (!engaged) { return; }
      var i = indexAt(audio.currentTime);
      var cue = i >= 0 ? cues[i] : null;
      if (cue === current) { return; }
      var followed = current !== null && visible(current);
      if (current) { current.removeAttribute("aria-current"); }
      current = cue;
      if (!cue) { return; }
      cue.setAttribute("aria-current", "true");
      var active = document.activeElement;
      if (!(active && active.classList && active.classList.contains("cue") && section.contains(active))) {
        setTabStop(cue);
      }
      if (!audio.paused && followed && !visible(cue)) {
        cue.scrollIntoView({ block: "center" });
      }
    }

    function tick() {
      highlight();
      frame = audio.paused ? 0 : window.requestAnimationFrame(tick);
    }

    function playFrom(cue) {
      engaged = true;
      audio.currentTime = parseFloat(cue.getAttribute("data-start"));
      highlight();
      var started = audio.play();
      if (started && typeof started.catch === "function") { started.catch(function () {}); }
    }

    cues.forEach(function (cue, i) {
      cue.addEventListener("click", function () {
        setTabStop(cue);
        cue.focus();
        playFrom(cue);
      });
      cue.addEventListener("keydown", function (event) {
        var key = event.key, next = null;
        if (key === "Enter" || key === " " || key === "Spacebar") {
          event.preventDefault();
          playFrom(cue);
          return;
        }
        if (key === "Escape") { audio.pause(); return; }
        if (key === "ArrowDown" || key === "ArrowLeft") { next = cues[i + 1]; }
        else if (key === "ArrowUp" || key === "ArrowRight") { next = cues[i - 1]; }
        else if (key === "Home") { next = cues[0]; }
        else if (key === "End") { next = cues[cues.length - 1]; }
        else { return; }
        event.preventDefault();
        if (next) { setTabStop(next); next.focus(); }
      });
    });

    ["timeupdate", "seeked", "pause"].forEach(function (name) {
      audio.addEventListener(name, highlight);
    });
    audio.addEventListener("seeking", function () { engaged = true; });
    audio.addEventListener("play", function () {
      engaged = true;
      players.forEach(function (other) { if (other !== audio && !other.paused) { other.pause(); } });
      if (!frame) { frame = window.requestAnimationFrame(tick); }
    });
  }

  Array.prototype.forEach.call(document.querySelectorAll(".programme"), setup);
})();
