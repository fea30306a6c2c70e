/* The audit log in the browser's time zone: without a chosen zone, the page reloads once
   with the browser's (Intl), and the filter form and the CSV link keep it. */
(function () {
  var tz = "";
  try { tz = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { return; }
  if (!tz) return;
  var params = new URLSearchParams(window.location.search);
  if (!params.get("tz")) {
    params.set("tz", tz);
    window.location.replace(window.location.pathname + "?" + params.toString());
    return;
  }
  document.querySelectorAll("input[data-browser-tz]").forEach(function (input) {
    if (!input.value) input.value = params.get("tz");
  });
  document.querySelectorAll("a[data-tz-link]").forEach(function (link) {
    var url = new URL(link.href, window.location.href);
    if (!url.searchParams.get("tz")) { url.searchParams.set("tz", params.get("tz")); link.href = url.toString(); }
  });
}());
