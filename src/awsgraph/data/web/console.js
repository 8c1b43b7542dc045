/* awsgraph serve: the table/graph switch of a result, and graph views that load their data from the server. */
(function () {
  "use strict";

  function entityHref(key) { return "/entity?key=" + encodeURIComponent(key); }
  function propsUrl(key) { return "/api/entity?key=" + encodeURIComponent(key); }

  function load(host) {
    if (host.getAttribute("data-state")) { return; }
    host.setAttribute("data-state", "loading");
    host.textContent = "Loading the graph…";
    fetch(host.getAttribute("data-graph-src"), {headers: {"Accept": "application/json"}})
      .then(function (resp) {
        return resp.json().then(function (body) {
          if (!resp.ok) { throw new Error(body.error || ("HTTP " + resp.status)); }
          return body;
        });
      })
      .then(function (data) {
        performance.mark("awsgraph-fetched");
        window.awsgraphView = window.AwsGraph.mount(host, data, {
          entityHref: entityHref,
          propsUrl: propsUrl,
          deepLinks: host.getAttribute("data-deep-links") === "true"
        });
        host.setAttribute("data-state", "shown");
      })
      .catch(function (err) {
        host.textContent = "";
        var p = document.createElement("p");
        p.className = "error";
        p.textContent = window.AwsGraph.clean("The graph could not be loaded: " + err.message);
        host.appendChild(p);
        host.setAttribute("data-state", "failed");
      });
  }

  function switchTo(view) {
    var table = document.getElementById("table-view");
    var graph = document.getElementById("graph-view");
    if (!table || !graph) { return; }
    table.hidden = view !== "table";
    graph.hidden = view !== "graph";
    ["table", "graph"].forEach(function (name) {
      document.getElementById("tab-" + name).classList.toggle("active", name === view);
    });
    var field = document.getElementById("view-field");
    if (field) { field.value = view; }
    var url = new URL(window.location.href);
    url.searchParams.set("view", view);
    history.replaceState(null, "", url.pathname + url.search + url.hash);
    if (view === "graph") { load(graph); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    ["table", "graph"].forEach(function (name) {
      var tab = document.getElementById("tab-" + name);
      if (tab) {
        tab.addEventListener("click", function (ev) { ev.preventDefault(); switchTo(name); });
      }
    });
    Array.prototype.forEach.call(document.querySelectorAll(".graph-host[data-graph-src]"), function (host) {
      if (!host.hidden) { load(host); }
    });
    var box = document.getElementById("q");
    if (box) {
      // Ctrl+Enter runs the query from the text box.
      box.addEventListener("keydown", function (ev) {
        if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) { ev.preventDefault(); box.form.submit(); }
      });
    }
  });
}());
