// Web chat page for the 人社“一件事” assistant.
// Talks to /api/chat on the same origin (web/server.py forwards to Rasa's REST channel).
(function () {
  "use strict";

  var log = document.getElementById("log");
  var form = document.getElementById("composer");
  var input = document.getElementById("input");
  var sendBtn = document.getElementById("send");
  var statusBox = document.getElementById("status");
  var restartBtn = document.getElementById("restart");
  var HISTORY_KEY = "yjs.history";
  var SENDER_KEY = "yjs.sender";
  var busy = false;

  function newSenderId() {
    if (window.crypto && window.crypto.randomUUID) return "web-" + window.crypto.randomUUID();
    return "web-" + Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
  }

  function senderId() {
    var id = localStorage.getItem(SENDER_KEY);
    if (!id) { id = newSenderId(); localStorage.setItem(SENDER_KEY, id); }
    return id;
  }

  function loadHistory() {
    try { return JSON.parse(localStorage.getItem(HISTORY_KEY) || "[]"); } catch (e) { return []; }
  }

  function saveHistory(items) {
    localStorage.setItem(HISTORY_KEY, JSON.stringify(items.slice(-200)));
  }

  var history = loadHistory();

  var statusText = document.getElementById("status-text");
  var retryBtn = document.getElementById("retry");
  var retryAction = null;

  function showStatus(text, retry) {
    statusText.textContent = text || "";
    statusBox.hidden = !text;
    retryAction = retry || null;
    retryBtn.hidden = !retry;
  }

  retryBtn.addEventListener("click", function () {
    var action = retryAction;
    showStatus("");
    if (action) action();
  });

  function scrollDown() { log.scrollTop = log.scrollHeight; }

  function renderMessage(item, live) {
    if (item.who === "materials") {   // the checklist with upload buttons (materials.js)
      if (window.YJSMaterials) log.appendChild(window.YJSMaterials.render(item.payload, { note: function (t) { add({ who: "note", text: t }); } }));
      return scrollDown();
    }
    var div = document.createElement("div");
    div.className = "msg " + item.who;
    if (item.text) div.textContent = item.text;
    if (item.buttons && item.buttons.length) {
      var row = document.createElement("div");
      row.className = "buttons";
      item.buttons.forEach(function (b) {
        var btn = document.createElement("button");
        btn.type = "button";
        btn.textContent = b.title;
        btn.disabled = !live;
        btn.addEventListener("click", function () {
          if (busy) return;
          send(b.payload, b.title);
        });
        row.appendChild(btn);
      });
      div.appendChild(row);
    }
    log.appendChild(div);
    scrollDown();
  }

  function add(item) {
    history.push(item);
    saveHistory(history);
    renderMessage(item, true);
  }

  function disableOldButtons() {
    var all = log.querySelectorAll(".buttons");
    // keep the newest button row usable, older ones are history
    for (var i = 0; i < all.length - 1; i++) {
      all[i].querySelectorAll("button").forEach(function (b) { b.disabled = true; });
    }
  }

  function setBusy(on) {
    busy = on;
    sendBtn.disabled = on;
    var t = document.getElementById("typing");
    if (on && !t) {
      t = document.createElement("div");
      t.id = "typing"; t.className = "typing"; t.textContent = "正在输入…";
      log.appendChild(t); scrollDown();
    } else if (!on && t) { t.remove(); }
  }

  function handleReplies(replies) {
    if (!replies.length) {
      add({ who: "note", text: "（助手暂时没有回复，您可以换个说法，或说“转人工”。）" });
    }
    replies.forEach(function (r) {
      if (r.custom && r.custom.handoff) {
        add({ who: "note", text: "已发出转人工请求。人工服务热线：" + (r.custom.handoff.hotline || "12333") });
        if (r.custom.handoff.queued) handoffWatch(true);   // agent replies arrive by polling (below)
      }
      if (r.text || (r.buttons && r.buttons.length)) {
        add({ who: "bot", text: r.text || "", buttons: r.buttons || [] });
      }
      if (r.custom && r.custom.materials_checklists) add({ who: "materials", payload: r.custom });
    });
    disableOldButtons();
  }

  function send(message, shown) {
    if (busy) return Promise.resolve(false);
    if (shown !== null) add({ who: "me", text: shown || message });
    setBusy(true);
    showStatus("");
    return fetch("/api/chat", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ sender: senderId(), message: message })
    }).then(function (resp) {
      return resp.json().catch(function () { return null; }).then(function (body) {
        if (!resp.ok) {
          var msg = body && body.error && body.error.message;
          throw new Error(msg || "服务暂时不可用，请稍后再试。");
        }
        return body || [];
      });
    }).then(function (replies) {
      setBusy(false);
      handleReplies(replies);
      return true;
    }).catch(function (err) {
      setBusy(false);
      var text = err && err.message && /[\u4e00-\u9fa5]/.test(err.message) ? err.message : "网络连接失败，请检查网络后重试。";
      if (shown === null) {
        showStatus(text, function () { send(message, null); });   // e.g. the greeting at start-up
      } else {
        history.pop(); saveHistory(history);                       // the message was not delivered
        var mine = log.querySelectorAll(".msg.me");
        if (mine.length) mine[mine.length - 1].remove();
        showStatus(text + " 您输入的内容已保留，可稍后再发送。");
      }
      return false;
    });
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var text = input.value.trim();
    if (!text || busy) return;
    send(text, text).then(function (ok) {
      if (ok) input.value = "";   // keep the text if sending failed
      input.focus();
    });
  });

  input.addEventListener("input", function () {
    input.style.height = "auto";
    input.style.height = Math.min(input.scrollHeight, 120) + "px";
    input.style.overflowY = input.scrollHeight > 120 ? "auto" : "hidden";
  });

  input.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      form.requestSubmit ? form.requestSubmit() : form.dispatchEvent(new Event("submit"));
    }
  });

  restartBtn.addEventListener("click", function () {
    if (busy) return;
    history = []; saveHistory(history);
    handoffStop();
    localStorage.setItem(SENDER_KEY, newSenderId());
    log.innerHTML = "";
    send("/greet", null);
  });

  // -- handoff to a 12333 agent: the agent's replies are polled from /api/handoff ------------
  // While an agent holds the conversation, /api/chat relays the citizen's messages to them
  // (web/handoff_relay.py); the page only shows what the agent and the system say.
  var HANDOFF_KEY = "yjs.handoff";
  var handoffTimer = null;

  function handoffState() {
    try { return JSON.parse(localStorage.getItem(HANDOFF_KEY) || "null"); } catch (e) { return null; }
  }

  function handoffSave(state) {
    if (state) localStorage.setItem(HANDOFF_KEY, JSON.stringify(state));
    else localStorage.removeItem(HANDOFF_KEY);
  }

  function handoffWatch(start) {
    var state = handoffState();
    if (start && (!state || state.sender !== senderId())) {
      state = { sender: senderId(), after: 0 };
      handoffSave(state);
    }
    if (!state || state.sender !== senderId() || handoffTimer) return;
    handoffTimer = setInterval(handoffPoll, 2500);
    handoffPoll();
  }

  function handoffStop() {
    if (handoffTimer) { clearInterval(handoffTimer); handoffTimer = null; }
    handoffSave(null);
  }

  function handoffPoll() {
    var state = handoffState();
    if (!state || state.sender !== senderId()) { handoffStop(); return; }
    fetch("/api/handoff?sender=" + encodeURIComponent(state.sender) + "&after=" + (state.after || 0))
      .then(function (resp) { return resp.ok ? resp.json() : null; })
      .then(function (body) {
        if (!body) return;                       // try again at the next tick
        (body.messages || []).forEach(function (m) {
          if (m.sender === "agent") add({ who: "agent", text: "人工客服：" + m.text });
          else add({ who: "note", text: m.text });
          state.after = Math.max(state.after || 0, m.id);
        });
        handoffSave(state);
        if (body.status === "closed" || body.status === "none") handoffStop();
      })
      .catch(function () { /* offline: the next tick retries */ });
  }

  // restore the conversation after a reload, or start with the menu
  if (history.length) {
    history.forEach(function (item) { renderMessage(item, false); });
    var rows = log.querySelectorAll(".buttons");
    if (rows.length) rows[rows.length - 1].querySelectorAll("button").forEach(function (b) { b.disabled = false; });
  } else {
    send("/greet", null);
  }
  handoffWatch(false);   // a handoff still open after a reload
})();
