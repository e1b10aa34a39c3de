(function () {
  "use strict";
  var form = document.getElementById("signin");
  var username = document.getElementById("username");
  var password = document.getElementById("password");
  var error = document.getElementById("error");
  var submit = document.getElementById("submit");

  function nextPath() {
    var next = new URLSearchParams(location.search).get("next") || "/worker";
    // only a path on this site (the server checks it again)
    return /^\/(?!\/)[^\\]*$/.test(next) ? next : "/worker";
  }

  function show(message) {
    error.textContent = message;
    error.hidden = !message;
  }

  // Already signed in: go straight on.
  StaffConsole.api("session", { noRedirect: true }).then(function (r) {
    if (r.ok) { location.replace(nextPath()); }
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var name = username.value.trim();
    if (!name || !password.value) {
      show(!name ? "请输入用户名。" : "请输入密码。");
      (!name ? username : password).focus();
      return;
    }
    show("");
    submit.disabled = true;
    submit.textContent = "正在登录…";
    StaffConsole.api("session", { method: "POST", body: { username: name, password: password.value }, noRedirect: true })
      .then(function (r) {
        if (r.ok) { location.replace(nextPath()); return; }
        submit.disabled = false;
        submit.textContent = "登录";
        show(r.status === 422 ? "请输入用户名和密码。" : r.message);
        password.focus();  // both fields keep what was typed
        password.select();
      });
  });
})();
