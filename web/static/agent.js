// The 12333 agent console (/agent). The call goes to the assistant through /agent/api/chat
// (Rasa's hotline channel: answers come with a script payload {"agent": {...}}); the knowledge
// card is /agent/api/card; cases, call notes and the handoff queue go through /staff/api/ (web/staff.py).
(function () {
  "use strict";
  var SC = window.StaffConsole;
  var el = SC.el;
  var CALL_KEY = "yjs.agent.call";
  var me = null;
  var busy = false;
  var call = loadCall();

  function $(id) { return document.getElementById(id); }
  function show(node, text) { node.textContent = text || ""; node.hidden = !text; }

  function newId() {
    if (window.crypto && window.crypto.randomUUID) return "hotline-" + window.crypto.randomUUID();
    return "hotline-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
  }

  // What the call note is made of: kept per call in sessionStorage (masked texts only).
  function freshCall() { return { id: newId(), caller: [], facts: [], asks: [], items: [], cases: [], readback: 0 }; }
  function loadCall() {
    try { var c = JSON.parse(sessionStorage.getItem(CALL_KEY) || "null"); if (c && c.id) return c; } catch (e) { /* new */ }
    return freshCall();
  }
  function saveCall() { sessionStorage.setItem(CALL_KEY, JSON.stringify(call)); }
  function remember(list, value) { if (value && call[list].indexOf(value) < 0) call[list].push(value); }

  // ------------------------------------------------------------------ the call
  function agentApi(path, body) {
    var init = { method: body ? "POST" : "GET", credentials: "same-origin", headers: { "Accept": "application/json" } };
    if (body) { init.headers["Content-Type"] = "application/json"; init.body = JSON.stringify(body); }
    return fetch("/agent/api/" + path, init).then(function (resp) {
      return resp.json().catch(function () { return null; }).then(function (data) {
        if (resp.status === 401) { location.assign(SC.signinUrl()); }
        if (!resp.ok) throw new Error((data && data.error && data.error.message) || "助手暂时不可用，请稍后再试。");
        return data;
      });
    });
  }

  // ID numbers, mobiles and bank cards as the rest of the system masks them (knowledge/personal_data.py)
  function maskNumbers(text) {
    return text
      .replace(/(^|[^0-9A-Za-z])(\d{17}[\dXx])(?![0-9A-Za-z])/g, function (m, pre, id) { return pre + id.slice(0, 4) + "**********" + id.slice(-4); })
      .replace(/(^|\D)(\d{15,19})(?!\d)/g, function (m, pre, card) { return pre + card.slice(0, 4) + " **** **** " + card.slice(-4); })
      .replace(/(^|\D)(1[3-9]\d)(\d{4})(\d{4})(?!\d)/g, function (m, pre, a, b, c) { return pre + a + "****" + c; });
  }

  function scrollDown() { var log = $("call-log"); log.scrollTop = log.scrollHeight; }

  function sendCall(message, shown) {
    if (busy) return Promise.resolve(false);
    busy = true; $("call-send").disabled = true; show($("call-error"), "");
    if (shown) {
      shown = maskNumbers(shown);   // what the agent typed stays on screen only masked
      $("call-log").appendChild(el("div", { class: "turn-caller", text: shown }));
      if (shown.charAt(0) !== "/" && shown.charAt(0) !== "（" && !call.inForm) call.caller.push(shown);   // form answers are not the request
      saveCall();
      scrollDown();
    }
    return agentApi("chat", { sender: call.id, message: message }).then(function (replies) {
      renderReplies(replies || []);
      refreshCard();
      return true;
    }).catch(function (err) {
      show($("call-error"), err.message + " 输入的内容已保留。");
      return false;
    }).then(function (ok) { busy = false; $("call-send").disabled = false; return ok; });
  }

  function renderReplies(replies) {
    var box = el("div", { class: "script", "data-testid": "script" });
    var texts = [], buttons = [], script = null;
    replies.forEach(function (r) {
      if (r.custom && r.custom.agent) { script = mergeScript(script, r.custom.agent); }
      else if (r.text) { texts.push(r.text); }
      (r.buttons || []).forEach(function (b) { buttons.push(b); });
    });
    if (script && script.say && script.say.length) {
      var ul = el("ul", { class: "say", "data-testid": "say" });
      script.say.forEach(function (s) { ul.appendChild(el("li", { text: s })); });
      box.appendChild(el("div", { class: "small muted", text: "话术（请读给来电人）" }));
      box.appendChild(ul);
    } else if (texts.length) {   // a reply with no script: its own words are what to say
      var plain = el("ul", { class: "say", "data-testid": "say" });
      texts.join("\n").split("\n").filter(function (l) { return l.trim(); }).slice(0, 8)
        .forEach(function (l) { plain.appendChild(el("li", { text: l })); });
      box.appendChild(el("div", { class: "small muted", text: "话术（请读给来电人）" }));
      box.appendChild(plain);
    }
    if (script && script.readback && script.readback.length) {
      script.readback.forEach(function (r) {
        box.appendChild(el("div", { class: "readback", "data-testid": "readback", text: "请复述核对：" + r.label + " " + r.masked }));
        call.readback += 1;
      });
    }
    if (script && script.differences && script.differences.length) {
      script.differences.forEach(function (d) {
        var div = el("div", { class: "diff", "data-testid": "difference" }, [el("strong", { text: "地区差异 " }),
          d.item + "的" + d.aspect + "：" + d.by_region.map(function (x) { return x.region + "：" + x.text; }).join("；")]);
        box.appendChild(div);
      });
    }
    if (script && script.facts && script.facts.length) {
      var table = el("table", { "data-testid": "facts" });
      table.appendChild(el("tr", {}, [el("th", { text: "事项" }), el("th", { text: "内容" }), el("th", { text: "地区" }), el("th", { text: "依据（指引及表格行）" })]));
      script.facts.forEach(function (f) {
        table.appendChild(el("tr", {}, [el("td", { text: (f.item || "") + (f.aspect ? "·" + f.aspect : "") }), el("td", { text: f.text }),
          el("td", { text: f.region || "" }), el("td", { text: (f.guide || "") + (f.row ? " " + f.row : "") })]));
        var line = (f.item ? f.item + (f.aspect ? "（" + f.aspect + "）" : "") + "：" : "") + f.text +
          (f.guide ? "〔" + (f.region ? f.region + "，" : "") + f.guide + (f.row ? f.row : "") + "〕" : "");
        remember("facts", line);
        remember("items", f.item);
      });
      box.appendChild(table);
    }
    var ask = script && script.ask_next;
    if (ask) { box.appendChild(el("div", { class: "ask", "data-testid": "ask-next", text: ask })); remember("asks", ask); }
    if (texts.length && script) {
      var det = el("details", {}, [el("summary", { text: "助手完整答复（来访者版本）" }), el("pre", { text: texts.join("\n\n") })]);
      box.appendChild(det);
    }
    if (buttons.length) {
      var row = el("div", { class: "buttons" });
      buttons.forEach(function (b) {
        var btn = el("button", { type: "button", text: b.title });
        btn.addEventListener("click", function () { sendCall(b.payload, b.title); });
        row.appendChild(btn);
      });
      box.appendChild(row);
    }
    texts.join("\n").replace(/[A-Z]{2}\d{8}-[A-Z0-9]{6}/g, function (n) { remember("cases", n); return n; });
    saveCall();
    $("call-log").appendChild(box);
    scrollDown();
  }

  function mergeScript(a, b) {
    if (!a) return b;
    return { say: (a.say || []).concat(b.say || []), ask_next: b.ask_next || a.ask_next,
             facts: (a.facts || []).concat(b.facts || []), differences: (a.differences || []).concat(b.differences || []),
             readback: (a.readback || []).concat(b.readback || []) };
  }

  // ------------------------------------------------------------------ the knowledge card
  function refreshCard() {
    return agentApi("card?sender=" + encodeURIComponent(call.id)).then(renderCard).catch(function () { /* keep the last card */ });
  }

  function renderCard(card) {
    var body = $("card-body");
    body.textContent = "";
    $("card-region").textContent = card.region ? "办理地：" + card.region : "";
    if (card.case_number) remember("cases", card.case_number);
    if (!card.items || !card.items.length) {
      body.appendChild(el("p", { class: "muted", text: "尚未选择事项。来电人选定事项后，这里显示合并后的材料清单和办理时限。" }));
      if (card.case_number) body.appendChild(el("p", { "data-testid": "card-case", text: "办件编号：" + card.case_number }));
      return;
    }
    card.items.forEach(function (i) { remember("items", i.name); });
    body.appendChild(el("p", { "data-testid": "card-items" }, [el("strong", { text: (card.bundle || "") + " 已选：" }), card.items.map(function (i) { return i.name; }).join("、")]));
    body.appendChild(el("h3", { text: "材料清单（相同材料只需1份）" }));
    var ol = el("ol", { "data-testid": "card-checklist" });
    card.checklist.forEach(function (c) {
      ol.appendChild(el("li", {}, [c.material + " —— " + c.needed_by.join("、") + " ", el("span", { class: "src", text: c.source + (c.row ? c.row : "") })]));
    });
    body.appendChild(ol);
    body.appendChild(el("h3", { text: "办理时限" }));
    var dl = el("ul", { "data-testid": "card-deadlines" });
    card.deadlines.forEach(function (d) {
      var li = el("li", {}, [el("strong", { text: d.item + "：" }), d.by_region.map(function (r) { return r.region + " " + r.text; }).join("；")]);
      if (d.expected) li.appendChild(el("div", { class: "expected", "data-testid": "card-expected", text: d.expected + (d.estimated ? "（估算）" : "") }));
      dl.appendChild(li);
    });
    body.appendChild(dl);
    call.inForm = !!(card.application && ["filling", "confirming", "paused", "failed", "confirmed"].indexOf(card.application.stage) >= 0);
    if (card.application) {
      var stage = { filling: "填写中", confirming: "待确认", paused: "已暂停", submitted: "已提交", failed: "提交失败", confirmed: "已确认" }[card.application.stage] || card.application.stage;
      body.appendChild(el("p", { "data-testid": "card-application", text: "代为申请：" + stage +
        (card.application.stage === "submitted" ? "" : "，已填" + card.application.answered + "项") }));
    }
    if (card.case_number) body.appendChild(el("p", { "data-testid": "card-case", text: "办件编号：" + card.case_number }));
    saveCall();
  }

  // ------------------------------------------------------------------ case panel
  function renderCase(c, container) {
    var box = el("div", { class: "case", "data-testid": "case" });
    box.appendChild(el("div", {}, [el("strong", { text: c.case_number + " " }), el("span", { class: "status", text: c.status }),
      " · " + c.bundle.name + " · 申请人 " + c.applicant.name + " · 电话 " + c.applicant.phone]));
    var ul = el("ul");
    c.items.forEach(function (i) {
      var li = el("li", {}, [i.name + "：" + i.status + (i.expected_completion ? "，预计 " + i.expected_completion + " 前办结" : "")]);
      if (i.return_reason) li.appendChild(el("div", { class: "returned", text: "退回原因：" + i.return_reason + "；需补正：" + (i.resubmit || []).join("、") }));
      ul.appendChild(li);
    });
    box.appendChild(ul);
    if (c.returned) box.appendChild(el("div", { class: "returned", "data-testid": "returned", text: "退回原因：" + (c.returned.reason || "") + "；需补正：" + (c.returned.resubmit || []).join("、") }));
    var history = el("details", {}, [el("summary", { text: "办理记录（" + (c.timeline || []).length + "）" })]);
    (c.timeline || []).forEach(function (e) {
      history.appendChild(el("div", { class: "small", text: e.at.slice(0, 16).replace("T", " ") + " " + (e.item_name || "案件") + " → " + e.to_status + (e.reason ? "（" + e.reason + "）" : "") + " · " + e.actor }));
    });
    box.appendChild(history);
    var reason = el("input", { maxlength: "200", placeholder: "查看完整信息的事由（记入审计）", "data-testid": "open-reason" });
    var open = el("button", { type: "button", class: "secondary", "data-testid": "open-case", text: "查看完整信息" });
    var out = el("div", { "data-testid": "open-result" });
    open.addEventListener("click", function () {
      if (reason.value.trim().length < 2) { out.textContent = "请先填写查看事由。"; out.className = "error"; return; }
      SC.api("cases/" + encodeURIComponent(c.case_number) + "/open", { method: "POST", body: { reason: reason.value.trim() } }).then(function (r) {
        out.textContent = ""; out.className = "";
        if (!r.ok) { out.textContent = r.message; out.className = "error"; return; }
        var d = r.data;
        out.appendChild(el("div", { class: "notice", text: "已记入审计。申请人：" + d.applicant.name + "，证件 " + d.applicant.id_number + "，电话 " + d.applicant.phone +
          (d.submitted_by ? "；代办坐席：" + d.submitted_by.name : "") }));
        var form = el("ul", { class: "small" });
        (d.form || []).forEach(function (f) { form.appendChild(el("li", { text: f.label + "：" + f.value })); });
        out.appendChild(form);
      });
    });
    box.appendChild(el("div", { class: "row-form" }, [reason, open]));
    box.appendChild(out);
    container.appendChild(box);
    remember("cases", c.case_number);
    saveCall();
  }

  function lookup(e) {
    e.preventDefault();
    var id = $("lookup-id").value.trim(), last4 = $("lookup-last4").value.trim();
    show($("lookup-error"), "");
    if (!id || !/^\d{4}$/.test(last4)) { show($("lookup-error"), "请输入来电人的身份证号码和手机号后4位（4位数字）。"); return; }
    var result = $("lookup-result");
    result.textContent = "查询中…";
    SC.api("caller-lookup", { method: "POST", body: { id_number: id, phone_last4: last4 } }).then(function (r) {
      result.textContent = "";
      if (!r.ok) {
        var fields = r.data && r.data.error && r.data.error.fields;
        show($("lookup-error"), r.message + (fields ? " " + Object.keys(fields).map(function (k) { return fields[k]; }).join(" ") : ""));
        return;
      }
      $("lookup-id").value = ""; $("lookup-last4").value = "";   // the numbers do not stay on the page
      if (!r.data.cases.length) { result.appendChild(el("p", { class: "muted", "data-testid": "no-case", text: "没有查到案件。请核对身份证号码和手机号后4位是否为申请时填写的。" })); return; }
      r.data.cases.forEach(function (c) { renderCase(c, result); });
    });
  }

  // ------------------------------------------------------------------ handoff queue
  var held = null, heldAfter = 0, heldTimer = null;

  function pollQueue() {
    SC.api("handoffs").then(function (r) {
      if (!r.ok) return;
      var list = $("queue-list");
      var waiting = r.data.handoffs.filter(function (h) { return h.status === "waiting"; });
      var badge = $("queue-count");
      badge.textContent = String(waiting.length); badge.hidden = !waiting.length;
      list.textContent = "";
      if (!r.data.handoffs.length) { list.appendChild(el("p", { class: "muted", text: "暂无等待的转人工会话。" })); return; }
      r.data.handoffs.forEach(function (h) {
        var ctx = h.context || {};
        var entry = el("div", { class: "queue-entry", "data-testid": "queue-entry" }, [
          el("div", {}, [el("strong", { text: (h.status === "waiting" ? "等待中" : "已接入：" + (h.staff_name || "")) + " " }),
            (h.channel === "wechat" ? "微信" : "网页") + " · " + h.created_at.slice(11, 16)]),
          el("div", { class: "small", text: "已选事项：" + ((ctx.selected_items || []).join("、") || "无") +
            (ctx.form ? "；填表：" + ctx.form.answered + "/" + ctx.form.total + (ctx.form.current_field ? "，正在填“" + ctx.form.current_field + "”" : "") : "") }),
          el("div", { class: "small", text: "最后的问题：" + (ctx.last_question || "（无）") })]);
        if (h.status === "waiting" || h.staff_id === me.staff_id) {
          var take = el("button", { type: "button", class: "primary", "data-testid": "take", text: h.status === "waiting" ? "接入" : "继续" });
          take.addEventListener("click", function () { takeHandoff(h.id); });
          entry.appendChild(take);
        }
        list.appendChild(entry);
      });
    });
  }

  function takeHandoff(id) {
    SC.api("handoffs/" + id + "/take", { method: "POST", body: {} }).then(function (r) {
      if (!r.ok) { show($("handoff-error"), r.message); return; }
      held = r.data; heldAfter = 0;
      $("handoff").hidden = false;
      var ctx = held.context || {};
      $("handoff-head").textContent = "会话 " + held.conversation_id.slice(0, 12) + "… · 已选：" + ((ctx.selected_items || []).join("、") || "无");
      var log = $("handoff-log"); log.textContent = "";
      (ctx.recent || []).forEach(function (t) { log.appendChild(el("div", { class: t.who === "citizen" ? "h-citizen" : "h-bot", text: t.text })); });
      log.appendChild(el("div", { class: "h-system", text: "—— 以上为转人工前的对话（已脱敏） ——" }));
      addHandoffMessages(held.messages || []);
      (ctx.selected_items || []).forEach(function (n) { remember("items", n); });
      if (ctx.last_question) call.caller.push("（网页转人工）" + ctx.last_question);
      saveCall();
      if (heldTimer) clearInterval(heldTimer);
      heldTimer = setInterval(pollHeld, 2500);
      pollQueue();
    });
  }

  function addHandoffMessages(messages) {
    var log = $("handoff-log");
    messages.forEach(function (m) {
      if (m.id <= heldAfter) return;
      heldAfter = m.id;
      log.appendChild(el("div", { class: "h-" + m.sender, "data-testid": "handoff-" + m.sender, text: m.text }));
    });
    log.scrollTop = log.scrollHeight;
  }

  function pollHeld() {
    if (!held) return;
    SC.api("handoffs/" + held.id + "?after=" + heldAfter).then(function (r) {
      if (r.ok) addHandoffMessages(r.data.messages || []);
    });
  }

  function replyHandoff(e) {
    e.preventDefault();
    var text = $("handoff-input").value.trim();
    if (!held || !text) return;
    SC.api("handoffs/" + held.id + "/messages", { method: "POST", body: { text: text } }).then(function (r) {
      if (!r.ok) { show($("handoff-error"), r.message + " 回复内容已保留。"); return; }
      show($("handoff-error"), "");
      $("handoff-input").value = "";
      remember("facts", "网页来访者答复：" + r.data.text);
      saveCall();
      pollHeld();
    });
  }

  function releaseHandoff() {
    if (!held) return;
    SC.api("handoffs/" + held.id + "/release", { method: "POST", body: {} }).then(function (r) {
      if (!r.ok) { show($("handoff-error"), r.message); return; }
      addHandoffMessages(r.data.messages || []);
      clearInterval(heldTimer); heldTimer = null; held = null;
      $("handoff-log").appendChild(el("div", { class: "h-system", "data-testid": "released", text: "已交还智能助手。" }));
      pollQueue();
    });
  }

  // ------------------------------------------------------------------ call note
  function makeNote() {
    var lines = [];
    var asked = call.caller.filter(function (t) { return t.charAt(0) !== "/" && t.length > 3; });   // not 好的 / 是的
    lines.push("【来电诉求】" + (asked.slice(0, 3).join("；") || "（未记录）"));
    lines.push("【涉及事项】" + (call.items.join("、") || "无"));
    lines.push("【答复内容及依据】");
    if (call.facts.length) call.facts.slice(0, 20).forEach(function (f, i) { lines.push((i + 1) + ". " + f); });
    else lines.push("（无）");
    lines.push("【办件编号】" + (call.cases.join("、") || "无"));
    if (call.readback) lines.push("【身份信息】已向来电人复述核对（" + call.readback + "项，均为脱敏号码）");
    lines.push("【后续事项】" + (call.asks.length ? call.asks[call.asks.length - 1] : "无"));
    $("note-text").value = lines.join("\n");
    show($("note-status"), "");
  }

  function copyNote() {
    var text = $("note-text");
    text.select();
    var done = function () { show($("note-status"), "已复制到剪贴板。"); };
    if (navigator.clipboard && navigator.clipboard.writeText) navigator.clipboard.writeText(text.value).then(done, function () { document.execCommand("copy"); done(); });
    else { document.execCommand("copy"); done(); }
  }

  function saveNote() {
    var text = $("note-text").value.trim();
    if (!text) { show($("note-error"), "请先生成或填写小结。"); return; }
    show($("note-error"), "");
    var cases = call.cases.filter(function (c) { return /^[A-Za-z0-9\-]{1,40}$/.test(c); });
    SC.api("call-notes", { method: "POST", body: { conversation_id: call.id, text: text, case_numbers: cases } }).then(function (r) {
      if (!r.ok) { show($("note-error"), r.message + " 小结内容已保留。"); return; }
      show($("note-status"), "小结已保存（" + r.data.created_at.slice(0, 16).replace("T", " ") + "，" + r.data.staff_name + "）。");
    });
  }

  // ------------------------------------------------------------------ wiring
  function startCall(fresh) {
    if (fresh) { call = freshCall(); saveCall(); }
    $("call-id").textContent = call.id.slice(8, 16);
    $("call-log").textContent = "";
    $("card-body").textContent = "";
    $("note-text").value = "";
    refreshCard();
  }

  function selectTab(name) {
    document.querySelectorAll(".tab").forEach(function (t) { t.classList.toggle("active", t.getAttribute("data-tab") === name); });
    document.querySelectorAll(".tab-body").forEach(function (p) { p.hidden = p.getAttribute("data-pane") !== name; });
    if (name === "queue") pollQueue();
  }

  SC.whoami().then(function (who) {
    if (!who) { location.assign(SC.signinUrl()); return; }
    me = who;
    SC.mountUserBar($("user-bar"), me);
    startCall(false);
    pollQueue();
    setInterval(pollQueue, 5000);
  });

  $("call-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var text = $("call-input").value.trim();
    if (!text) return;
    sendCall(text, text).then(function (ok) { if (ok) $("call-input").value = ""; $("call-input").focus(); });
  });
  $("call-input").addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); $("call-form").requestSubmit(); }
  });
  $("apply").addEventListener("click", function () { call.inForm = true; sendCall("/start_application", "（代为申请）"); });
  $("lookup-progress").addEventListener("click", function () { selectTab("case"); $("lookup-id").focus(); });
  $("new-call").addEventListener("click", function () { startCall(true); });
  $("lookup-form").addEventListener("submit", lookup);
  $("handoff-form").addEventListener("submit", replyHandoff);
  $("handoff-release").addEventListener("click", releaseHandoff);
  $("note-make").addEventListener("click", makeNote);
  $("note-copy").addEventListener("click", copyNote);
  $("note-save").addEventListener("click", saveNote);
  document.querySelectorAll(".tab").forEach(function (t) { t.addEventListener("click", function () { selectTab(t.getAttribute("data-tab")); }); });
})();
