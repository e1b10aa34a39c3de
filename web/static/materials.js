// Materials checklist with upload buttons, drawn from the bot's custom payload
// {"materials_checklists": [{case_number, upload_token, mode, title, later_text, materials: [...]}]}
// (actions/materials.py). Uploads go to /api/uploads/ on this origin (web/uploads.py), with the
// case-scoped token in the X-Upload-Token header; the state shown is always read back from there.
(function () {
  "use strict";

  var MAX_BYTES = 10 * 1024 * 1024;
  var STATE_TEXT = { "in": "已上传", "missing": "未上传", "resubmit": "需重新上传" };
  var progressSeen = {};   // material id -> the last upload progress in % (kept across redraws)

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text != null) node.textContent = text;
    return node;
  }

  function errorText(xhrOrResp, body) {
    var msg = body && body.error && body.error.message;
    return msg && /[\u4e00-\u9fa5]/.test(msg) ? msg : "上传失败，请检查网络后重试。";
  }

  function api(method, path, token, body) {
    return fetch("/api/uploads/" + path, {
      method: method,
      headers: { "X-Upload-Token": token },
      body: body || null
    }).then(function (resp) {
      return resp.json().catch(function () { return null; }).then(function (data) {
        if (!resp.ok) throw new Error(errorText(resp, data));
        return data;
      });
    });
  }

  function upload(file, material, token, bar, done, fail) {
    var xhr = new XMLHttpRequest();
    xhr.open("PUT", "/api/uploads/materials/" + material.material_id);
    xhr.setRequestHeader("X-Upload-Token", token);
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    xhr.upload.onprogress = function (e) {
      if (!e.lengthComputable) return;
      bar.max = e.total; bar.value = e.loaded;
      bar.setAttribute("data-progress", String(Math.round(100 * e.loaded / (e.total || 1))));
      progressSeen[material.material_id] = bar.getAttribute("data-progress");
    };
    xhr.onload = function () {
      var body = null;
      try { body = JSON.parse(xhr.responseText); } catch (e) { body = null; }
      if (xhr.status === 200 || xhr.status === 201) done(body); else fail(errorText(xhr, body));
    };
    xhr.onerror = function () { fail("网络连接中断，文件没有上传成功，请重试。"); };
    xhr.send(file);
  }

  function renderOffer(offer, ctx) {
    var box = el("div", "materials");
    box.setAttribute("data-case", offer.case_number || "");
    box.appendChild(el("div", "materials-title", offer.title || "请上传办理材料："));
    if (offer.mode === "resubmit" && offer.return_reason) {
      box.appendChild(el("div", "materials-reason", "退回原因：" + offer.return_reason));
    }
    var list = el("ul", "materials-list");
    box.appendChild(list);
    var summary = el("div", "materials-summary");
    box.appendChild(summary);
    var actions = el("div", "buttons materials-actions");
    box.appendChild(actions);

    function draw(checklist) {
      list.innerHTML = "";
      var missing = 0, resubmit = 0;
      (checklist.materials || []).forEach(function (m) {
        if (m.required !== false && m.state === "missing") missing++;
        if (m.state === "resubmit") resubmit++;
        var li = el("li", "material state-" + m.state);
        li.setAttribute("data-material", m.material_id);
        var head = el("div", "material-head");
        head.appendChild(el("span", "material-name", m.display));
        head.appendChild(el("span", "material-state", STATE_TEXT[m.state] || m.state));
        li.appendChild(head);
        var by = (m.needed_by || []).map(function (n) { return n.name || n; });
        if (by.length) li.appendChild(el("div", "material-by", "用于：" + by.join("、")));
        var files = (m.files || []).length;
        if (files) li.appendChild(el("div", "material-files", "已收到 " + files + " 个文件"));
        var row = el("div", "material-row");
        var label = el("label", "material-pick", m.state === "in" ? "再传一份" : "拍照/选择文件");
        var input = document.createElement("input");
        input.type = "file";
        input.accept = "image/*,application/pdf";
        input.setAttribute("capture", "");
        input.className = "material-input";
        input.disabled = !checklist.open;
        label.appendChild(input);
        row.appendChild(label);
        var bar = el("progress", "material-progress");
        bar.hidden = true; bar.value = 0; bar.max = 1;
        if (progressSeen[m.material_id]) bar.setAttribute("data-progress", progressSeen[m.material_id]);
        row.appendChild(bar);
        li.appendChild(row);
        var msg = el("div", "material-msg");
        li.appendChild(msg);
        list.appendChild(li);
        input.addEventListener("change", function () {
          var file = input.files && input.files[0];
          if (!file) return;
          msg.textContent = ""; msg.classList.remove("error");
          if (file.size > MAX_BYTES) {
            msg.textContent = "文件超过 10 MB，无法上传。请压缩后再试，或用手机重新拍一张清晰度适中的照片。";
            msg.classList.add("error"); input.value = ""; return;
          }
          bar.hidden = false; bar.value = 0; bar.max = file.size || 1;
          label.classList.add("busy");
          upload(file, m, offer.upload_token, bar, function (body) {
            bar.hidden = true; label.classList.remove("busy"); input.value = "";
            refresh(body && body.duplicate ? "这个文件之前已经上传过了。" : "已上传：" + m.display, m.material_id);
          }, function (text) {
            bar.hidden = true; label.classList.remove("busy"); input.value = "";
            msg.textContent = text; msg.classList.add("error");
          });
        });
      });
      var others = checklist.other_resubmit || [];
      if (!checklist.open) {
        summary.textContent = "案件当前为“" + checklist.status + "”，不需要再上传材料。";
      } else if (resubmit) {
        summary.textContent = "还需重新上传 " + resubmit + " 项材料。";
      } else if (checklist.status_code === "returned") {
        summary.textContent = others.length ? "还需补正：" + others.join("、") + "（请通过“查询进度”或转人工办理）。"
          : "补正材料已上传，请点击“提交补正材料”。";
      } else if (missing) {
        summary.textContent = "还缺 " + missing + " 项材料。";
      } else {
        summary.textContent = "材料已齐全，工作人员将尽快审核。";
      }
      actions.innerHTML = "";
      if (checklist.can_resubmit && !others.length) {
        var submit = el("button", "materials-resubmit", "提交补正材料");
        submit.type = "button";
        submit.addEventListener("click", function () {
          submit.disabled = true;
          api("POST", "resubmit", offer.upload_token).then(function (body) {
            ctx.note(body.message || "补正材料已提交。");
            draw(body);
          }).catch(function (err) { submit.disabled = false; summary.textContent = err.message; });
        });
        actions.appendChild(submit);
      }
      if (checklist.open && (missing || resubmit)) {
        var later = el("button", "materials-later", "稍后再传");
        later.type = "button";
        later.addEventListener("click", function () { ctx.note(offer.later_text); later.disabled = true; });
        actions.appendChild(later);
      }
    }

    function refresh(notice, materialId) {
      return api("GET", "checklist", offer.upload_token).then(function (checklist) {
        draw(checklist);
        if (notice && materialId) {
          var li = list.querySelector('[data-material="' + materialId + '"] .material-msg');
          if (li) li.textContent = notice;
        }
      }).catch(function (err) {
        list.innerHTML = "";
        summary.textContent = err.message;
        actions.innerHTML = "";
      });
    }

    // first draw from the payload, then the current state from the backend
    draw({ materials: offer.materials || [], open: true, status_code: offer.mode === "resubmit" ? "returned" : "pending",
           other_resubmit: offer.other_resubmit || [], can_resubmit: false });
    refresh();
    return box;
  }

  window.YJSMaterials = {
    // payload: the bot's custom {"materials_checklists": [...]}; ctx.note(text) adds a line to the chat
    render: function (payload, ctx) {
      var wrap = el("div", "msg bot materials-msg");
      (payload.materials_checklists || []).forEach(function (offer) { wrap.appendChild(renderOffer(offer, ctx)); });
      return wrap;
    }
  };
})();
