/* Shared by the staff consoles (/worker, /agent): session check, API calls through
   the same-origin proxy /staff/api/ (cookie yjs_staff, HttpOnly: never read here),
   sign-out, the user bar. No dependencies. */
(function () {
  "use strict";
  var API = "/staff/api/";
  var NETWORK_ERROR = "网络连接失败，请检查网络后重试；您填写的内容仍保留在页面上。";
  var beforeLeave = [];

  function signinUrl() {
    return "/staff/signin?next=" + encodeURIComponent(location.pathname + location.search);
  }

  function toSignin() {
    beforeLeave.forEach(function (fn) { try { fn(); } catch (e) { /* keep going */ } });
    location.assign(signinUrl());
  }

  /* api("cases?status=待办") -> Promise<{ok, status, data, message}>; never rejects.
     401 (session gone): drafts are saved (onLeave hooks) and the sign-in page opens. */
  function api(path, options) {
    options = options || {};
    var init = { method: options.method || "GET", headers: { "Accept": "application/json" }, credentials: "same-origin" };
    if (options.body !== undefined) {
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(options.body);
    }
    return fetch(API + path, init).then(function (resp) {
      var type = resp.headers.get("Content-Type") || "";
      var read = type.indexOf("application/json") === 0 ? resp.json().catch(function () { return null; }) : Promise.resolve(null);
      return read.then(function (data) {
        var message = data && data.error && data.error.message;
        if (resp.status === 401 && !options.noRedirect) { toSignin(); }
        return { ok: resp.ok, status: resp.status, data: data,
                 message: resp.ok ? "" : (message || "操作未成功（" + resp.status + "），请稍后再试。") };
      });
    }, function () {
      return { ok: false, status: 0, data: null, message: NETWORK_ERROR };
    });
  }

  function whoami() {
    return api("session").then(function (r) { return r.ok ? r.data : null; });
  }

  function signOut() {
    return api("session", { method: "DELETE", noRedirect: true }).then(function () {
      location.assign("/staff/signin?next=" + encodeURIComponent(location.pathname));
    });
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") { node.textContent = attrs[k]; }
      else if (k === "class") { node.className = attrs[k]; }
      else { node.setAttribute(k, attrs[k]); }
    });
    (children || []).forEach(function (c) { if (c) { node.appendChild(typeof c === "string" ? document.createTextNode(c) : c); } });
    return node;
  }

  /* The signed-in person and a sign-out button, into `container`. */
  function mountUserBar(container, me) {
    container.textContent = "";
    container.appendChild(el("span", { class: "who", "data-testid": "who", text: me.name + "（" + me.role_label + "）" }));
    var out = el("button", { type: "button", class: "bar-btn", "data-testid": "sign-out", text: "退出登录" });
    out.addEventListener("click", signOut);
    container.appendChild(out);
  }

  window.StaffConsole = {
    api: api, whoami: whoami, signOut: signOut, mountUserBar: mountUserBar, el: el,
    onLeave: function (fn) { beforeLeave.push(fn); }, signinUrl: signinUrl
  };
})();
