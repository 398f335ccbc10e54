// The mailbox viewer's few behaviours: live mail list, tabs, event buttons, control-API actions.
"use strict";
(function () {
  var tokenMeta = document.querySelector('meta[name="sc-admin-token"]');
  var lang = document.body.dataset.lang;
  var word = function (zh, en) { return lang === "en" ? en : zh; };

  function headers(json) {
    var h = {};
    if (json) h["Content-Type"] = "application/json";
    if (tokenMeta) h["Authorization"] = "Bearer " + tokenMeta.content;
    return h;
  }
  // Calls of the /_emulator/ control API (plain JSON).
  function control(method, path, body) {
    return fetch(path, {method: method, headers: headers(body !== undefined), credentials: "same-origin",
                        body: body === undefined ? undefined : JSON.stringify(body)})
      .then(function (r) {
        return r.text().then(function (text) {
          var data = null;
          try { data = text ? JSON.parse(text) : null; } catch (e) { data = text; }
          if (!r.ok) throw new Error((data && data.detail) || (r.status + " " + r.statusText));
          return data;
        });
      });
  }
  function toast(message, bad) {
    var box = document.getElementById("toast");
    box.textContent = message;
    box.className = bad ? "show bad" : "show";
    clearTimeout(toast.timer);
    toast.timer = setTimeout(function () { box.className = ""; }, 3000);
  }

  // Mail list: poll for rows newer than the first one shown.
  var table = document.getElementById("mails");
  if (table && table.dataset.live) {
    var tbody = table.querySelector("tbody");
    var poll = function () {
      if (document.hidden) return schedule();
      var url = table.dataset.live + (table.dataset.live.indexOf("?") < 0 ? "?" : "&") + "after=" + table.dataset.after;
      fetch(url, {headers: headers(false), credentials: "same-origin"})
        .then(function (r) { return r.ok ? r.json() : null; })
        .then(function (data) {
          if (data && data.count) {
            tbody.insertAdjacentHTML("afterbegin", data.html);
            table.dataset.after = data.newestId;
            var rows = tbody.querySelectorAll("tr");
            if (rows.length > 50) keepOlderLink(rows[49].dataset.id);
            for (var i = 50; i < rows.length; i++) rows[i].remove();
            for (var j = 0; j < data.count && j < rows.length; j++) rows[j].classList.add("fresh");
            document.getElementById("no-mails").hidden = true;
          }
          if (data) document.getElementById("total").textContent = data.totalText;
        })
        .catch(function () {})
        .then(schedule);
    };
    var schedule = function () { setTimeout(poll, 1000); };
    // Rows pushed off the first page stay reachable: "older" starts right after the last row shown.
    var keepOlderLink = function (lastId) {
      var older = document.getElementById("older");
      var url = new URL(older ? older.href : location.href);
      url.searchParams.delete("after");
      url.searchParams.set("before", lastId);
      if (!older) {
        older = document.createElement("a");
        older.id = "older";
        older.textContent = word("较旧 →", "Older →");
        document.querySelector(".bar .pager").appendChild(older);
      }
      older.href = url.pathname + url.search;
    };
    schedule();
  }

  // Tabs of the mail view.
  document.querySelectorAll(".tabs [data-tab]").forEach(function (button) {
    button.addEventListener("click", function () {
      document.querySelectorAll(".tabs [data-tab]").forEach(function (b) { b.classList.toggle("on", b === button); });
      document.querySelectorAll(".tab[data-panel]").forEach(function (panel) {
        panel.hidden = panel.dataset.panel !== button.dataset.tab;
      });
    });
  });

  // Remote images: reload the sandboxed document under a CSP that allows them.
  var remote = document.getElementById("remote-images");
  var frame = document.getElementById("mail-html");
  if (remote && frame) {
    remote.addEventListener("change", function () {
      frame.src = frame.dataset.src + (remote.checked ? "?images=1" : "");
    });
  }

  // Source: fetch the .eml through the control API.
  var showSource = document.getElementById("show-source");
  if (showSource) {
    showSource.addEventListener("click", function () {
      fetch(showSource.dataset.raw, {headers: headers(false), credentials: "same-origin"})
        .then(function (r) { if (!r.ok) throw new Error(r.status); return r.text(); })
        .then(function (text) { var pre = document.getElementById("source"); pre.textContent = text; pre.hidden = false; })
        .catch(function (e) { toast(word("操作失败", "Failed") + ": " + e.message, true); });
    });
  }

  // Events timeline: inject events through POST /_emulator/events, then refresh the timeline.
  var box = document.getElementById("timeline-box");
  var layout = document.querySelector(".mail-layout");
  function refreshTimeline() {
    if (!box) return Promise.resolve();
    return fetch(box.dataset.src, {headers: headers(false), credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html === null) return;
        box.innerHTML = html;
        var status = document.getElementById("mail-status");
        var timeline = document.getElementById("timeline");
        if (status && timeline && status.className.indexOf("s-" + timeline.dataset.status) < 0) location.reload();
      });
  }
  document.querySelectorAll(".event-button").forEach(function (button) {
    button.addEventListener("click", function () {
      var body = {emailId: layout.dataset.emailId, event: button.dataset.event};
      if (button.dataset.event === "click") body.url = document.getElementById("click-url").value;
      button.disabled = true;
      control("POST", "/_emulator/events", body)
        .then(function () { toast(word("已完成", "Done") + ": " + button.textContent); return refreshTimeline(); })
        .catch(function (e) { toast(word("操作失败", "Failed") + ": " + e.message, true); })
        .then(function () { button.disabled = false; });
    });
  });
  if (box) setInterval(function () { if (!document.hidden) refreshTimeline(); }, 3000);

  // Account pages: reveal a key, verify a domain, review a template.
  var accountBox = document.querySelector("[data-account]");
  var account = accountBox && accountBox.dataset.account;
  document.querySelectorAll(".show-key").forEach(function (button) {
    button.addEventListener("click", function () {
      control("GET", "/_emulator/accounts/" + encodeURIComponent(account)).then(function (data) {
        var user = (data.apiUsers || []).filter(function (u) { return u.name === button.dataset.apiUser; })[0];
        var target = document.querySelector('.secret[data-api-user="' + button.dataset.apiUser + '"]');
        if (user && target) { target.textContent = user.apiKey; target.classList.add("shown"); button.remove(); }
      }).catch(function (e) { toast(word("操作失败", "Failed") + ": " + e.message, true); });
    });
  });
  document.querySelectorAll(".verify-domain").forEach(function (button) {
    button.addEventListener("click", function () {
      control("POST", "/_emulator/domains/verify", {account: account, name: button.dataset.name})
        .then(function () { location.reload(); })
        .catch(function (e) { toast(word("操作失败", "Failed") + ": " + e.message, true); });
    });
  });
  document.querySelectorAll(".review").forEach(function (button) {
    button.addEventListener("click", function () {
      control("POST", "/_emulator/templates/review",
              {account: account, invokeName: button.dataset.invokeName, approve: button.dataset.approve === "true"})
        .then(function () { location.reload(); })
        .catch(function (e) { toast(word("操作失败", "Failed") + ": " + e.message, true); });
    });
  });
})();
