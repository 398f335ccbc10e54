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

  // Server-sent events: reopened with the page's current cursors when the server ends a stream
  // (it does every few seconds so that shutdowns never wait) or the connection drops.
  function follow(url, handlers) {
    var source = null, closed = false;
    var open = function () {
      source = new EventSource(url(), {withCredentials: true});
      Object.keys(handlers).forEach(function (name) {
        source.addEventListener(name, function (e) { handlers[name](JSON.parse(e.data)); });
      });
      source.addEventListener("ready", function () { document.body.dataset.live = "on"; });
      var again = function (delay) {
        source.close();
        document.body.dataset.live = "off";
        if (!closed) setTimeout(open, delay);
      };
      source.addEventListener("bye", function () { again(0); });
      source.onerror = function () { again(1000); };
    };
    open();
    return {close: function () { closed = true; if (source) source.close(); }};
  }
  function withParams(base, params) {
    var url = new URL(base, location.href);
    Object.keys(params).forEach(function (k) { url.searchParams.set(k, params[k]); });
    return url.pathname + url.search;
  }

  // Mail list: the first page follows new mail, changed rows and deletions, pushed by the server.
  var table = document.getElementById("mails");
  if (table && table.dataset.live) {
    var tbody = table.querySelector("tbody");
    follow(function () {
      return withParams(table.dataset.live, {after: table.dataset.after, events: table.dataset.events});
    }, {page: function (data) {
      var incoming = {};
      var holder = document.createElement("tbody");
      holder.innerHTML = data.html;
      holder.querySelectorAll("tr").forEach(function (tr) { incoming[tr.dataset.id] = tr; });
      var current = {};
      tbody.querySelectorAll("tr").forEach(function (tr) { current[tr.dataset.id] = tr; });
      var fresh = {};
      data.fresh.forEach(function (id) { fresh[id] = true; });
      var rows = data.order.map(function (id) {
        var row = incoming[id] || current[id];
        if (row && fresh[id]) row.classList.add("fresh");
        return row;
      }).filter(Boolean);
      tbody.replaceChildren.apply(tbody, rows);
      table.dataset.after = data.newestId;
      table.dataset.events = data.events;
      document.getElementById("no-mails").hidden = rows.length > 0;
      document.getElementById("total").textContent = data.totalText;
      setDeleteAll(data.total, data.shownTotal);
      if (data.older) keepOlderLink(data.older);
    }});
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
  }

  // Deleting: one mail (row button or mail view) or every mail of the filter, through
  // DELETE /_emulator/mails[/{emailId}] (the routes scripts use too).
  var deleteAll = document.getElementById("delete-all");
  function setDeleteAll(total, shown) {
    if (!deleteAll) return;
    deleteAll.disabled = !total;
    deleteAll.dataset.confirm = deleteAll.dataset.confirm.replace(/\d+\+?/, shown);
  }
  if (deleteAll) {
    deleteAll.addEventListener("click", function () {
      if (!window.confirm(deleteAll.dataset.confirm)) return;
      control("DELETE", "/_emulator/mails" + deleteAll.dataset.query)
        .then(function (data) {
          toast(word("已删除 " + data.deleted + " 封", data.deleted + " deleted"));
          if (!table || !table.dataset.live) location.reload();
        })
        .catch(function (e) { toast(word("操作失败", "Failed") + ": " + e.message, true); });
    });
  }
  document.addEventListener("click", function (e) {
    var button = e.target.closest && e.target.closest(".delete-mail");
    if (!button) return;
    var inView = button.id === "delete-mail";
    if (inView && !window.confirm(button.dataset.confirm)) return;
    button.disabled = true;
    var emailId = button.dataset.emailId || button.closest("tr").dataset.emailId;
    control("DELETE", "/_emulator/mails/" + encodeURIComponent(emailId))
      .then(function () {
        if (inView) { location.href = "/"; return; }
        var row = button.closest("tr");
        if (row) row.remove();
        toast(word("已删除 1 封", "1 deleted"));
      })
      .catch(function (err) { button.disabled = false; toast(word("操作失败", "Failed") + ": " + err.message, true); });
  });

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

  // Events timeline and webhook attempts: pushed by the server; the buttons inject events through
  // POST /_emulator/events and refresh both at once.
  var box = document.getElementById("timeline-box");
  var deliveriesBox = document.getElementById("deliveries-box");
  var layout = document.querySelector(".mail-layout");
  function showStatus(status, text) {
    var badge = document.getElementById("mail-status");
    if (!badge || !status) return;
    badge.className = "status s-" + status;
    badge.textContent = text;
  }
  function refreshBox(target) {
    if (!target) return Promise.resolve();
    return fetch(target.dataset.src, {headers: headers(false), credentials: "same-origin"})
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) { if (html !== null) target.innerHTML = html; });
  }
  function refreshMail() {
    return Promise.all([refreshBox(box), refreshBox(deliveriesBox)]).then(function () {
      var timeline = document.getElementById("timeline");
      var badge = document.getElementById("mail-status");
      if (timeline && badge && badge.className.indexOf("s-" + timeline.dataset.status) < 0) {
        showStatus(timeline.dataset.status, timeline.dataset.statusText);
      }
    });
  }
  if (layout && layout.dataset.stream) {
    var mailStream = follow(function () {
      return withParams(layout.dataset.stream, {events: layout.dataset.events, attempts: layout.dataset.attempts});
    }, {
      mail: function (data) {
        box.innerHTML = data.timeline;
        deliveriesBox.innerHTML = data.deliveries;
        layout.dataset.events = data.events;
        layout.dataset.attempts = data.attempts;
        showStatus(data.status, data.statusText);
      },
      gone: function () { mailStream.close(); toast(word("这封邮件已被删除", "This mail was deleted"), true); }
    });
  }
  document.querySelectorAll(".event-button").forEach(function (button) {
    button.addEventListener("click", function () {
      var body = {emailId: layout.dataset.emailId, event: button.dataset.event};
      if (button.dataset.event === "click") body.url = document.getElementById("click-url").value;
      button.disabled = true;
      control("POST", "/_emulator/events", body)
        .then(function () { toast(word("已完成", "Done") + ": " + button.textContent); return refreshMail(); })
        .catch(function (e) { toast(word("操作失败", "Failed") + ": " + e.message, true); })
        .then(function () { button.disabled = false; });
    });
  });

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

  // Suppression lists: remove one address, or all, through DELETE /_emulator/accounts/{userName}/suppressions/{list}.
  var suppressed = document.getElementById("suppression");
  if (suppressed) {
    var listPath = "/_emulator/accounts/" + encodeURIComponent(account) + "/suppressions/" + suppressed.dataset.kind;
    document.querySelectorAll(".remove-entry").forEach(function (button) {
      button.addEventListener("click", function () {
        button.disabled = true;
        control("DELETE", listPath + "?email=" + encodeURIComponent(button.dataset.email))
          .then(function () {
            button.closest("tr").remove();
            var total = document.getElementById("suppression-total");
            total.textContent = Math.max(0, parseInt(total.textContent, 10) - 1);
            toast(word("已移除", "Removed") + ": " + button.dataset.email);
          })
          .catch(function (e) { button.disabled = false; toast(word("操作失败", "Failed") + ": " + e.message, true); });
      });
    });
    var removeAll = suppressed.querySelector(".remove-all");
    if (removeAll) {
      removeAll.addEventListener("click", function () {
        if (!window.confirm(removeAll.dataset.confirm)) return;
        control("DELETE", listPath).then(function () { location.reload(); })
          .catch(function (e) { toast(word("操作失败", "Failed") + ": " + e.message, true); });
      });
    }
  }
})();
