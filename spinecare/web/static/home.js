/* spinecare home routine: a step-by-step timer and an offline-safe diary (own code, no libraries).
   Each routine's timer splits its minutes evenly over its steps and highlights the current one.
   The diary form carries an idempotency key: if sending fails (offline), the form is kept in
   localStorage and sent again later with the same key, so the server stores it once. */
(function () {
  "use strict";
  function fmt(s) { var m = Math.floor(s / 60), r = s % 60; return m + ":" + (r < 10 ? "0" : "") + r; }
  document.querySelectorAll("section.routine").forEach(function (sec) {
    var box = sec.querySelector(".timer"); if (!box) return;
    box.hidden = false; /* a timer that works only with this script */
    var steps = sec.querySelectorAll("li.step");
    var total = parseInt(box.getAttribute("data-seconds"), 10) || 60;
    var per = Math.max(10, Math.floor(total / Math.max(1, steps.length)));
    var clock = box.querySelector(".timer-clock"), label = box.querySelector(".timer-step");
    var index = 0, left = per, handle = null;
    function show() {
      steps.forEach(function (li, i) { li.classList.toggle("current", i === index); li.classList.toggle("done", i < index); });
      clock.textContent = fmt(left);
      label.textContent = steps.length ? (index + 1) + " / " + steps.length : "";
    }
    function next() {
      if (index < steps.length - 1) { index += 1; left = per; show(); }
      else { stop(); index = steps.length; show(); box.classList.add("finished"); }
    }
    function tick() { left -= 1; if (left <= 0) { next(); } else { show(); } }
    function stop() { if (handle) { clearInterval(handle); handle = null; } }
    box.querySelector(".timer-start").addEventListener("click", function () {
      if (index >= steps.length) { index = 0; box.classList.remove("finished"); }
      left = left || per; stop(); handle = setInterval(tick, 1000); show();
    });
    box.querySelector(".timer-pause").addEventListener("click", stop);
    box.querySelector(".timer-next").addEventListener("click", next);
    show();
  });

  var KEY = "spinecare-diary-outbox";
  function outbox() { try { return JSON.parse(localStorage.getItem(KEY) || "[]"); } catch (e) { return []; } }
  function save(items) { try { localStorage.setItem(KEY, JSON.stringify(items)); } catch (e) { /* full */ } }
  // the form token of this page's session: an entry kept while signed out (or from an
  // earlier session) carries an old one, which the server refuses
  function fresh(body) {
    var field = document.querySelector("input[name=csrf_token]");
    if (!field) return body;
    var params = new URLSearchParams(body); params.set("csrf_token", field.value);
    return params.toString();
  }
  // sent: stored, or refused for good (a 4xx that sending again cannot change); kept to send
  // again: not signed in or signed out meanwhile (401, 403, a sign-in page), a timeout, too
  // many requests, a server error
  function sent(r) {
    if (r.redirected && /\/login/.test(r.url)) return false;
    if (r.ok) return true;
    return r.status >= 400 && r.status < 500 && [401, 403, 408, 429].indexOf(r.status) < 0;
  }
  function send(item) {
    return fetch(item.action, {
      method: "POST", credentials: "same-origin",
      headers: { "Accept": "application/json", "Content-Type": "application/x-www-form-urlencoded" },
      body: fresh(item.body)
    }).then(sent);
  }
  // only this page's course's entries: on a phone shared by two patients, one's entries are
  // never sent in the other's session (the server refuses them, and they would be lost)
  function flush() {
    var items = outbox(); if (!items.length || !navigator.onLine) return;
    var mine = document.querySelector("form.diary");
    if (!mine) return;
    var rest = [];
    items.reduce(function (p, item) {
      if (item.action !== mine.action) { rest.push(item); return p; }
      return p.then(function () { return send(item).then(function (ok) { if (!ok) rest.push(item); }, function () { rest.push(item); }); });
    }, Promise.resolve()).then(function () { save(rest); });
  }
  // a new key for the next entry written offline on this page (the server keeps one entry
  // per key: two entries of one key would be one)
  function newKey(form) {
    var field = form.querySelector("input[name=key]"); if (!field) return;
    var bytes = new Uint8Array(16); crypto.getRandomValues(bytes);
    field.value = Array.prototype.map.call(bytes, function (b) { return (b + 256).toString(16).slice(1); }).join("");
  }
  var form = document.querySelector("form.diary");
  if (form) {
    form.addEventListener("submit", function (ev) {
      if (navigator.onLine) return;  // online: the ordinary form post
      ev.preventDefault();
      var body = new URLSearchParams(new FormData(form)).toString();
      var items = outbox(); items.push({ action: form.action, body: body }); save(items); newKey(form);
      var note = document.createElement("p"); note.className = "saved"; note.setAttribute("role", "status");
      note.textContent = form.getAttribute("data-offline");  // in the page's language
      form.parentNode.insertBefore(note, form);
    });
  }
  window.addEventListener("online", flush);
  flush();
}());
