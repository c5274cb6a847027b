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
    // 「系统提示」: a legal act states its consequence and waits for 确定 (a <dialog>: Esc closes, focus returns).
    var dlg = null;
    function confirmThen(f, opener) {
      if (!dlg) {
        dlg = document.createElement("dialog");
        dlg.className = "confirm";
        dlg.setAttribute("aria-labelledby", "confirm-title");
        dlg.innerHTML = '<h2 id="confirm-title">系统提示</h2><p class="confirm-text"></p>' +
          '<div class="actions"><button type="button" class="btn btn-primary" value="ok">确定</button>' +
          '<button type="button" class="btn" value="cancel">取消</button></div>';
        document.body.appendChild(dlg);
      }
      dlg.querySelector(".confirm-text").textContent = f.getAttribute("data-confirm");
      var ok = dlg.querySelector("[value=ok]"), cancel = dlg.querySelector("[value=cancel]");
      ok.onclick = function () { dlg.close(); f.setAttribute("data-confirmed", "1"); if (f.requestSubmit) { f.requestSubmit(); } else { f.submit(); } };
      cancel.onclick = function () { dlg.close(); };
      dlg.onclose = function () { if (!f.getAttribute("data-confirmed") && opener) { opener.focus(); } };
      dlg.showModal();
      ok.focus();
    }
    Array.prototype.forEach.call(document.querySelectorAll("form"), function (f) {
      f.addEventListener("submit", function (e) {
        if (f.getAttribute("data-confirm") && !f.getAttribute("data-confirmed") && typeof HTMLDialogElement !== "undefined") {
          e.preventDefault();
          confirmThen(f, f.querySelector("button[type=submit]"));
          return;
        }
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
