// The temporary staff page for publications: it uses the staff API with a bearer token (no framework).
(function () {
  "use strict";
  var $ = function (id) { return document.getElementById(id); };
  var current = null;
  var LABELS = {party_name: "当事人", uscc: "统一社会信用代码", id_number: "证件号码", document_no: "决定书文号",
    violation_type: "违法行为类型", facts: "违法事实", basis: "处罚依据", penalty_content: "处罚内容",
    decided_on: "处罚决定日期", agency_name: "处罚机关", party_address: "住址", party_phone: "电话"};
  function api(method, path, body) {
    return fetch("/api/v1" + path, {method: method, headers: {"Authorization": "Bearer " + $("token").value,
      "Content-Type": "application/json"}, body: body ? JSON.stringify(body) : undefined})
      .then(function (r) { return r.json().then(function (j) { if (!r.ok) { throw new Error(j.message || "请求失败"); } return j; }); });
  }
  function say(t) { $("msg").textContent = t; }
  function fill(dl, data) {
    dl.textContent = "";
    Object.keys(LABELS).forEach(function (k) {
      if (!(k in data) || data[k] === null) { return; }
      var dt = document.createElement("dt"); dt.textContent = LABELS[k];
      var dd = document.createElement("dd"); dd.textContent = data[k];
      dl.appendChild(dt); dl.appendChild(dd);
    });
  }
  function open(id) {
    api("GET", "/publications/" + id).then(function (p) {
      current = p.record; fill($("orig"), p.original); fill($("pub"), p.published);
      $("third").value = (p.record.third_party_names || []).join("、");
      $("publish").disabled = p.record.status !== "draft"; $("preview").hidden = false; $("pv-h").focus();
    }).catch(function (e) { say(e.message); });
  }
  function load() {
    var st = $("status").value;
    return api("GET", "/publications" + (st ? "?status=" + st : "")).then(function (j) {
      var tb = $("queue").querySelector("tbody"); tb.textContent = "";
      j.items.forEach(function (r) {
        var tr = document.createElement("tr");
        [r.document_no || "（尚无文号）", r.party_name, r.decided_on, r.due_on || "—", r.status_label].forEach(function (v) {
          var td = document.createElement("td"); td.textContent = v; tr.appendChild(td); });
        var td = document.createElement("td"); var b = document.createElement("button"); b.type = "button";
        b.textContent = "预览"; b.addEventListener("click", function () { open(r.id); }); td.appendChild(b); tr.appendChild(td);
        tb.appendChild(tr);
      });
      $("queue").hidden = false; say("共" + j.items.length + "条");
    }).catch(function (e) { say(e.message); });
  }
  $("pv-h").tabIndex = -1;
  $("login").addEventListener("submit", function (ev) { ev.preventDefault(); load(); });
  $("save").addEventListener("click", function () {
    var names = $("third").value.split(/[、,，\s]+/).filter(Boolean);
    api("POST", "/publications/" + current.id + "/draft", {third_party_names: names}).then(function () { open(current.id); say("已保存"); })
      .catch(function (e) { say(e.message); });
  });
  $("publish").addEventListener("click", function () {
    api("POST", "/publications/" + current.id + "/publish", {}).then(function (r) {
      open(r.id);
      return load().then(function () { say("已发布：" + r.document_no); });
    })
      .catch(function (e) { say(e.message); });
  });
}());
