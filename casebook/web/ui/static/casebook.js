/* A little progressive enhancement: toasts close (success after 3 s), forms warn of a double submit,
   legal acts confirm before submitting. Every page works without it. */
(function () {
  "use strict";
  function ready(fn) { if (document.readyState !== "loading") { fn(); } else { document.addEventListener("DOMContentLoaded", fn); } }
  ready(function () {
    var toasts = document.querySelectorAll(".toast");
    Array.prototype.forEach.call(toasts, function (t) {
      var ms = parseInt(t.getAttribute("data-autoclose") || "0", 10);
      if (ms) { setTimeout(function () { t.parentNode && t.parentNode.removeChild(t); }, ms); }
      var b = t.querySelector(".toast-close");
      if (b) { b.addEventListener("click", function () { t.parentNode.removeChild(t); }); }
    });
    Array.prototype.forEach.call(document.querySelectorAll("form"), function (f) {
      f.addEventListener("submit", function (e) {
        if (f.getAttribute("data-busy")) {
          e.preventDefault();
          alert("数据正在处理，请勿重复提交");
          return;
        }
        f.setAttribute("data-busy", "1");
        var btn = f.querySelector("button[type=submit]");
        if (btn) { btn.setAttribute("aria-busy", "true"); }
      });
    });
    var refusal = document.getElementById("refusal");
    if (refusal) { refusal.setAttribute("tabindex", "-1"); refusal.focus(); }
  });
})();
