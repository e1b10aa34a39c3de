/* Case worker console (/worker): list with filters, case detail, audited reveal,
   materials, transitions 待办 → 办理中 → 已办结 / 已退回. Talks only to /staff/api/
   (web/staff.py). Every text from the server goes in with textContent. */
(function () {
  "use strict";
  var S = window.StaffConsole, el = S.el;
  var $ = function (id) { return document.getElementById(id); };
  var ACTORS = { applicant: "申请人", system: "系统", worker: "办事员", agent: "12333坐席" };
  var CHANNELS = { web: "网页", wechat: "微信", hotline: "12333热线" };
  var MATERIAL_STATES = { "in": "已上传", missing: "未上传", resubmit: "需补正" };
  var ACTIONS = {
    pending: [["in_progress", "开始办理（转为办理中）"], ["returned", "退回申请人补正"]],
    in_progress: [["completed", "办结（转为已办结）"], ["returned", "退回申请人补正"]]
  };
  var STATUS_TEXT = { pending: "待办", in_progress: "办理中", completed: "已办结", returned: "已退回" };
  var DRAFTS_KEY = "worker-drafts";
  var FILTERS = ["status", "bundle_id", "item_id", "submitted_from", "submitted_to", "page_size"];

  var state = { me: null, bundles: [], page: 1, total: 0, pageSize: 20, current: null, materials: null, drafts: {} };

  // -- small helpers ------------------------------------------------------------------
  function show(node, message) { node.textContent = message || ""; node.hidden = !message; }
  function when(iso) { return iso ? iso.replace("T", " ").slice(0, 16) : ""; }
  function statusBadge(code, text) { return el("span", { class: "status " + code, text: text || STATUS_TEXT[code] }); }
  function fieldsText(r) {
    var fields = r.data && r.data.error && r.data.error.fields;
    if (!fields) { return r.message; }
    var parts = Object.keys(fields).map(function (k) { return fields[k]; });
    return r.message + " " + parts.join(" ");
  }
  function proxied(url) { return url.replace(/^\/api\/v1\/staff\//, "/staff/api/"); }
  function isWorker() { return state.me && state.me.role === "worker"; }

  // -- drafts: what was typed survives errors, case switches and a new sign-in -----------
  function readDraft() {
    return {
      reason: $("t-reason").value, other: $("t-other").value, reveal: $("reveal-reason").value,
      checks: Array.prototype.filter.call(document.querySelectorAll("#t-checks input"), function (c) { return c.checked; })
        .map(function (c) { return c.value; })
    };
  }
  function stashDraft() {
    if (!state.current) { return; }
    var d = readDraft();
    if (d.reason || d.other || d.reveal || d.checks.length) { state.drafts[state.current.case_number] = d; }
    else { delete state.drafts[state.current.case_number]; }
  }
  function applyDraft(number) {
    var d = state.drafts[number] || { reason: "", other: "", reveal: "", checks: [] };
    $("t-reason").value = d.reason; $("t-other").value = d.other; $("reveal-reason").value = d.reveal;
    state.pendingChecks = d.checks;
  }
  S.onLeave(function () {
    stashDraft();
    try { sessionStorage.setItem(DRAFTS_KEY, JSON.stringify(state.drafts)); } catch (e) { /* private mode */ }
  });
  try {
    state.drafts = JSON.parse(sessionStorage.getItem(DRAFTS_KEY) || "{}") || {};
    sessionStorage.removeItem(DRAFTS_KEY);
  } catch (e) { state.drafts = {}; }

  // -- URL: filters, page and open case survive a reload and a new sign-in ----------------
  function syncUrl() {
    var q = new URLSearchParams();
    FILTERS.forEach(function (name) { var v = $("filters").elements[name].value; if (v) { q.set(name, v); } });
    if (state.page > 1) { q.set("page", String(state.page)); }
    if (state.current) { q.set("case", state.current.case_number); }
    var qs = q.toString();
    history.replaceState(null, "", location.pathname + (qs ? "?" + qs : ""));
  }

  // -- filters --------------------------------------------------------------------------
  function fillItems() {
    var bundle = $("f-bundle").value, select = $("f-item"), keep = select.value;
    select.textContent = "";
    select.appendChild(el("option", { value: "", text: "全部事项" }));
    state.bundles.forEach(function (b) {
      if (bundle && b.id !== bundle) { return; }
      var group = el("optgroup", { label: b.name });
      b.items.forEach(function (i) { group.appendChild(el("option", { value: i.id, text: i.name })); });
      select.appendChild(group);
    });
    select.value = keep;
    if (select.value !== keep) { select.value = ""; }
  }

  function loadCatalog() {
    return S.api("catalog").then(function (r) {
      if (!r.ok) { show($("list-error"), "筛选项加载失败：" + r.message); return; }
      state.bundles = r.data.bundles;
      state.bundles.forEach(function (b) { $("f-bundle").appendChild(el("option", { value: b.id, text: b.name })); });
      fillItems();
    });
  }

  function listQuery() {
    var q = new URLSearchParams();
    FILTERS.forEach(function (name) { var v = $("filters").elements[name].value; if (v) { q.set(name, v); } });
    q.set("page", String(state.page));
    return q.toString();
  }

  function loadList() {
    var from = $("f-from").value, to = $("f-to").value;
    if (from && to && from > to) { show($("list-error"), "开始日期不能晚于结束日期，请调整后再筛选。"); return Promise.resolve(); }
    show($("list-error"), "");
    syncUrl();
    return S.api("cases?" + listQuery()).then(function (r) {
      if (!r.ok) { show($("list-error"), "案件列表加载失败：" + fieldsText(r)); return; }
      state.total = r.data.total; state.pageSize = r.data.page_size;
      renderList(r.data.cases);
    });
  }

  function renderList(cases) {
    var list = $("cases");
    list.textContent = "";
    state.loads = (state.loads || 0) + 1;
    list.setAttribute("data-loads", String(state.loads));  // tells tests a new answer is shown
    if (!cases.length) { list.appendChild(el("li", { class: "empty", text: "没有符合条件的案件。" })); }
    cases.forEach(function (c) {
      var names = c.items.map(function (i) { return i.name; }).join("、");
      var button = el("button", { type: "button", "data-case": c.case_number }, [
        el("div", { class: "row1" }, [el("span", { text: c.case_number }), statusBadge(c.status_code, c.status)]),
        el("div", { class: "row2", text: c.bundle.name + " · " + c.applicant_name + " · " + when(c.submitted_at) }),
        el("div", { class: "row2", text: names })
      ]);
      button.addEventListener("click", function () { openCase(c.case_number); });
      var li = el("li", { "data-testid": "case-row" }, [button]);
      if (state.current && state.current.case_number === c.case_number) { li.classList.add("active"); }
      list.appendChild(li);
    });
    var pages = Math.max(1, Math.ceil(state.total / state.pageSize));
    $("page-info").textContent = "第 " + state.page + " / " + pages + " 页，共 " + state.total + " 件";
    $("prev").disabled = state.page <= 1;
    $("next").disabled = state.page >= pages;
  }

  // -- case detail ------------------------------------------------------------------------
  function openCase(number) {
    stashDraft();
    show($("t-notice"), "");
    return S.api("cases/" + encodeURIComponent(number)).then(function (r) {
      if (!r.ok) {
        $("detail-empty").hidden = true; $("detail-body").hidden = false;
        show($("detail-error"), "案件打开失败：" + r.message);
        return;
      }
      var switched = !state.current || state.current.case_number !== r.data.case_number;
      state.current = r.data; state.revealed = null;
      if (switched) { applyDraft(r.data.case_number); show($("t-error"), ""); show($("reveal-error"), ""); }
      show($("detail-error"), "");
      renderDetail();
      syncUrl();
      Array.prototype.forEach.call(document.querySelectorAll("#cases li"), function (li) {
        var b = li.querySelector("button");
        li.classList.toggle("active", !!b && b.getAttribute("data-case") === number);
      });
      loadMaterials();
      if (window.innerWidth < 1100) { $("detail").scrollIntoView({ behavior: "smooth" }); }
    });
  }

  function kv(dl, rows) {
    dl.textContent = "";
    rows.forEach(function (row) {
      dl.appendChild(el("dt", { text: row[0] }));
      var dd = el("dd", { "data-field": row[2] || "" });
      if (row[1] instanceof Node) { dd.appendChild(row[1]); } else { dd.textContent = row[1] == null ? "" : String(row[1]); }
      dl.appendChild(dd);
    });
  }

  function formValue(v) {
    if (v === true) { return "是"; }
    if (v === false) { return "否"; }
    return v == null ? "" : String(v);
  }

  function renderPersonal() {
    var c = state.current, full = state.revealed;
    var who = full ? full.applicant : c.applicant;
    kv($("applicant"), [["姓名", who.name, "name"], ["身份证号码", who.id_number, "id_number"], ["手机号码", who.phone, "phone"]]);
    $("masked-note").textContent = full ? "正在显示完整个人信息（查看已记入审计）。" : "个人信息已脱敏显示。";
    var body = $("form-table").querySelector("tbody");
    body.textContent = "";
    (full ? full.form : c.form).forEach(function (f) {
      body.appendChild(el("tr", {}, [el("td", { text: f.label }), el("td", { text: formValue(f.value), "data-field": f.field_id })]));
    });
    var button = $("reveal");
    button.textContent = full ? "重新隐藏" : "查看完整信息";
    $("reveal-box").hidden = !isWorker();
  }

  function renderDetail() {
    var c = state.current;
    $("detail-empty").hidden = true; $("detail-body").hidden = false;
    $("detail-title").textContent = "案件详情 " + c.case_number;
    kv($("case-head"), [
      ["案件编号", c.case_number, "case_number"], ["“一件事”", c.bundle.name, "bundle"],
      ["状态", statusBadge(c.status_code, c.status), "status"], ["渠道", CHANNELS[c.channel] || c.channel, "channel"],
      ["提交时间", when(c.submitted_at)], ["最近更新", when(c.updated_at)]
    ]);
    renderPersonal();

    var items = $("items").querySelector("tbody");
    items.textContent = "";
    c.items.forEach(function (i) {
      var note = i.return_reason ? "退回原因：" + i.return_reason + (i.resubmit.length ? "；需补正：" + i.resubmit.join("、") : "")
        : (i.added_by ? "联办：" + (i.reason || "") : "");
      items.appendChild(el("tr", { "data-item": i.item_id }, [
        el("td", { text: i.name }), el("td", {}, [statusBadge(i.status_code, i.status)]),
        el("td", { text: i.deadline_text || "" }), el("td", { text: note })
      ]));
    });

    var events = $("events").querySelector("tbody");
    events.textContent = "";
    c.events.slice().reverse().forEach(function (e) {
      var change = (e.from_status ? e.from_status + " → " : "") + e.to_status;
      var actor = (ACTORS[e.actor_type] || e.actor_type) + (e.actor_id ? "（" + e.actor_id + "）" : "");
      var why = [e.reason || "", e.resubmit.length ? "需补正：" + e.resubmit.join("、") : ""].filter(Boolean).join("；");
      events.appendChild(el("tr", {}, [
        el("td", { text: when(e.at) }), el("td", { text: e.item_name || "整个案件" }),
        el("td", { text: change }), el("td", { text: actor }), el("td", { text: why })
      ]));
    });
    renderTransitions();
  }

  // -- materials (the uploads API) ----------------------------------------------------------
  function loadMaterials() {
    var number = state.current.case_number;
    show($("materials-error"), "");
    return S.api("cases/" + encodeURIComponent(number) + "/materials").then(function (r) {
      if (!state.current || state.current.case_number !== number) { return; }
      state.materials = r.ok ? r.data : null;
      if (!r.ok) { show($("materials-error"), "材料清单暂时无法加载：" + r.message); }
      renderMaterials();
      renderChecks();
    });
  }

  function renderMaterials() {
    var list = $("materials");
    list.textContent = "";
    if (!state.materials) { return; }
    state.materials.materials.forEach(function (m) {
      var head = el("div", {}, [
        el("span", { text: m.display || m.name }),
        el("span", { class: "state " + m.state, text: MATERIAL_STATES[m.state] || m.state }),
        m.required ? null : el("span", { class: "muted small", text: " （视情况提供" + (m.condition ? "：" + m.condition : "") + "）" })
      ]);
      var li = el("li", { "data-material": m.material_id }, [head]);
      if (m.files.length) {
        var thumbs = el("div", { class: "thumbs" });
        m.files.forEach(function (f, n) {
          var label = "第" + (n + 1) + "份 " + when(f.uploaded_at);
          if (!isWorker()) { thumbs.appendChild(el("span", { class: "muted small", text: label + "（坐席账号不能查看文件内容）" })); return; }
          if (f.media_type.indexOf("image/") === 0) {
            var a = el("a", { href: proxied(f.url), target: "_blank", rel: "noopener" }, [el("img", { src: proxied(f.url), alt: (m.name + " " + label), loading: "lazy" })]);
            thumbs.appendChild(a);
          } else {
            thumbs.appendChild(el("a", { href: proxied(f.url), target: "_blank", rel: "noopener", text: label + "（PDF，点击查看）" }));
          }
        });
        li.appendChild(thumbs);
      }
      list.appendChild(li);
    });
    if (!state.materials.materials.length) { list.appendChild(el("li", { class: "muted", text: "本案件没有需要提交的材料。" })); }
  }

  // the materials to resubmit: the case's checklist (names, as the uploads' checklist matches them)
  function renderChecks() {
    var box = $("t-checks"), keep = state.pendingChecks || readDraft().checks;
    state.pendingChecks = null;
    box.textContent = "";
    var seen = {};
    (state.materials ? state.materials.materials : []).forEach(function (m) {
      if (seen[m.name]) { return; }
      seen[m.name] = true;
      var input = el("input", { type: "checkbox", value: m.name, name: "resubmit" });
      input.checked = keep.indexOf(m.name) >= 0;
      box.appendChild(el("li", {}, [el("label", {}, [input, el("span", { text: m.display || m.name })])]));
    });
    if (!box.childNodes.length) { box.appendChild(el("li", { class: "muted small", text: "材料清单未加载，可在下方逐行填写需补正的内容。" })); }
  }

  // -- transitions -------------------------------------------------------------------------
  function scopeStatus() {
    var c = state.current, scope = $("t-scope").value;
    if (!scope) { return c.status_code; }
    var item = c.items.filter(function (i) { return i.item_id === scope; })[0];
    return item ? item.status_code : c.status_code;
  }

  function renderTransitions() {
    var c = state.current;
    $("readonly").hidden = isWorker();
    $("transition-box").hidden = !isWorker();
    if (!isWorker()) { return; }
    var scope = $("t-scope"), keep = scope.value;
    scope.textContent = "";
    scope.appendChild(el("option", { value: "", text: "整个案件（各事项联动）" }));
    c.items.forEach(function (i) {
      if (ACTIONS[i.status_code]) { scope.appendChild(el("option", { value: i.item_id, text: "仅事项：" + i.name + "（" + i.status + "）" })); }
    });
    scope.value = keep; if (scope.value !== keep) { scope.value = ""; }
    renderButtons();
  }

  function renderButtons() {
    var buttons = $("t-buttons"), code = scopeStatus();
    buttons.textContent = "";
    var actions = ACTIONS[code] || [];
    $("t-resubmit").hidden = !actions.length;
    $("t-reason").disabled = !actions.length;
    if (!actions.length) {
      buttons.appendChild(el("span", { class: "muted", text: code === "returned"
        ? "案件已退回，等待申请人补正后重新提交。" : "案件已办结，无需继续办理。" }));
      return;
    }
    actions.forEach(function (a) {
      var b = el("button", { type: "button", class: a[0] === "returned" ? "secondary" : "primary", "data-to": a[0], text: a[1] });
      b.addEventListener("click", function () { transition(a[0], b); });
      buttons.appendChild(b);
    });
  }

  function transition(to, button) {
    var c = state.current, d = readDraft();
    var reason = d.reason.trim();
    var other = d.other.split(/\n+/).map(function (s) { return s.trim(); }).filter(Boolean);
    var resubmit = d.checks.concat(other.filter(function (s) { return d.checks.indexOf(s) < 0; }));
    show($("t-notice"), "");
    if (to === "returned" && (!reason || !resubmit.length)) {
      show($("t-error"), !reason ? "退回时请填写退回原因。" : "退回时请勾选或填写至少一项需要申请人补正的材料。");
      (!reason ? $("t-reason") : $("t-other")).focus();
      return;
    }
    var body = { to_status: to };
    if (reason) { body.reason = reason; }
    if (to === "returned") { body.resubmit = resubmit; }
    if ($("t-scope").value) { body.item_id = $("t-scope").value; }
    show($("t-error"), "");
    Array.prototype.forEach.call($("t-buttons").querySelectorAll("button"), function (b) { b.disabled = true; });
    button.textContent = "正在提交…";
    S.api("cases/" + encodeURIComponent(c.case_number) + "/transitions", { method: "POST", body: body }).then(function (r) {
      if (!r.ok) {
        show($("t-error"), "未能变更状态：" + fieldsText(r));
        renderButtons();  // inputs keep what was typed
        return;
      }
      state.current = r.data;
      $("t-reason").value = ""; $("t-other").value = "";
      Array.prototype.forEach.call(document.querySelectorAll("#t-checks input"), function (x) { x.checked = false; });
      delete state.drafts[c.case_number];
      $("t-scope").value = "";
      renderDetail();
      show($("t-notice"), "已将" + (body.item_id ? "事项" : "案件") + "变更为“" + STATUS_TEXT[to] + "”。");
      loadMaterials();
      loadList();
    });
  }

  // -- reveal --------------------------------------------------------------------------------
  function reveal() {
    var c = state.current;
    if (state.revealed) { state.revealed = null; renderPersonal(); return; }
    var reason = $("reveal-reason").value.trim();
    if (reason.length < 2) { show($("reveal-error"), "请填写查看完整信息的事由（至少2个字）。"); $("reveal-reason").focus(); return; }
    show($("reveal-error"), "");
    $("reveal").disabled = true;
    S.api("cases/" + encodeURIComponent(c.case_number) + "/reveal", { method: "POST", body: { reason: reason } }).then(function (r) {
      $("reveal").disabled = false;
      if (!r.ok) { show($("reveal-error"), "未能查看完整信息：" + fieldsText(r)); return; }
      if (!state.current || state.current.case_number !== c.case_number) { return; }
      state.revealed = r.data;
      $("reveal-reason").value = "";
      renderPersonal();
    });
  }

  // -- wiring --------------------------------------------------------------------------------
  $("filters").addEventListener("submit", function (e) { e.preventDefault(); state.page = 1; loadList(); });
  $("f-bundle").addEventListener("change", fillItems);
  $("f-reset").addEventListener("click", function () {
    $("filters").reset(); fillItems(); state.page = 1; loadList();
  });
  $("prev").addEventListener("click", function () { if (state.page > 1) { state.page -= 1; loadList(); } });
  $("next").addEventListener("click", function () { state.page += 1; loadList(); });
  $("t-scope").addEventListener("change", renderButtons);
  $("reveal").addEventListener("click", reveal);

  S.whoami().then(function (me) {
    if (!me) { location.assign(S.signinUrl()); return; }
    state.me = me;
    S.mountUserBar($("user"), me);
    return loadCatalog().then(function () {
      var q = new URLSearchParams(location.search);
      FILTERS.forEach(function (name) { if (q.get(name)) { $("filters").elements[name].value = q.get(name); } });
      fillItems();
      if (q.get("item_id")) { $("f-item").value = q.get("item_id"); }
      state.page = Math.max(1, parseInt(q.get("page") || "1", 10) || 1);
      return loadList().then(function () { if (q.get("case")) { openCase(q.get("case")); } });
    });
  });
})();
