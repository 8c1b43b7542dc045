/* awsgraph's graph view, shared by `awsgraph visualize` (inline in one file) and `awsgraph serve`.
 *
 * The data (see awsgraph.visualize.payload) holds groups (account → region → VPC or service → type)
 * and entities by index. Only what is expanded reaches cytoscape: a collapsed group is one node with
 * a count, and relationships are drawn between whatever currently stands for their ends. Every
 * string from the data is shown as text (textContent, canvas labels), never parsed as markup.
 */
(function () {
  "use strict";
  var BUDGET = 60;          // about how many nodes the first overview draws
  var PAGE = 400;           // members of one group drawn at once
  var NEIGHBOURS = 150;     // neighbours drawn around a focused entity
  var RESULTS = 50;         // search results listed
  var EDGES = 800;          // relationships drawn in the overview before they are bundled further
  var LEAF_W = 130, LEAF_H = 62, GROUP_W = 170, GROUP_H = 64, PAD = 18, HEAD = 26;
  var KIND_COLOURS = {account: "#34495e", region: "#2471a3", vpc: "#1e8449", service: "#b9770e",
    type: "#7f8c8d", more: "#95a5a6"};

  // Control and bidirectional-override characters would hide or reorder what a label says.
  var UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;
  function clean(value) {
    var text = value === null || value === undefined ? "" : String(value);
    return text.replace(UNSAFE, function (c) {
      return "\\u" + ("000" + c.charCodeAt(0).toString(16)).slice(-4);
    });
  }
  function show(value) {
    return clean(value !== null && typeof value === "object" ? JSON.stringify(value) : value);
  }
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = clean(text); }
    return node;
  }

  function mark(name) {
    if (window.performance && performance.mark) { performance.mark(name); }
  }

  function Model(data) {
    var self = this;
    this.data = data;
    this.groups = data.groups.map(function (g, i) {
      return {id: i, label: g[0], kind: g[1], parent: g[2], count: g[3], childGroups: [], members: []};
    });
    this.nodes = data.nodes.map(function (n, i) {
      return {id: i, key: n[0], label: n[1], type: n[2], cls: n[3], group: n[4], sub: n[5] || ""};
    });
    this.edges = data.edges;
    this.byKey = new Map();
    this.out = this.nodes.map(function () { return []; });
    this.groups.forEach(function (g) {
      if (g.parent >= 0) { self.groups[g.parent].childGroups.push(g.id); }
    });
    this.nodes.forEach(function (n) {
      self.byKey.set(n.key, n.id);
      self.groups[n.group].members.push(n.id);
    });
    this.edges.forEach(function (e, i) {
      self.out[e[0]].push(i);
      if (e[1] !== e[0]) { self.out[e[1]].push(i); }
    });
    var byLabel = function (a, b) { return a.label < b.label ? -1 : a.label > b.label ? 1 : 0; };
    this.groups.forEach(function (g) {
      g.childGroups.sort(function (a, b) { return byLabel(self.groups[a], self.groups[b]); });
      g.members.sort(function (a, b) { return byLabel(self.nodes[a], self.nodes[b]); });
    });
    this.roots = this.groups.filter(function (g) { return g.parent < 0; }).map(function (g) { return g.id; });
    this.roots.sort(function (a, b) {
      var ga = self.groups[a], gb = self.groups[b];
      return (ga.label === "outside any account") - (gb.label === "outside any account") || gb.count - ga.count;
    });
    this.hay = this.nodes.map(function (n) {
      return [n.label, n.type, n.cls, n.key, n.sub].join(" ").toLowerCase();
    });
    var counts = {};
    this.nodes.forEach(function (n) { counts[n.cls] = (counts[n.cls] || 0) + 1; });
    this.classCounts = counts;
    // Hues a golden angle apart, by class name order: neighbours in the legend never look alike.
    var hues = {};
    Object.keys(counts).sort().forEach(function (cls, i) {
      hues[cls] = "hsl(" + Math.round((i * 137.508) % 360) + "," + (i % 2 ? "55%" : "70%") + ","
        + (i % 3 === 2 ? "38%" : "50%") + ")";
    });
    this.hues = hues;
  }
  Model.prototype.colour = function (cls) { return this.hues[cls] || "#888"; };
  Model.prototype.ancestors = function (groupId) {
    var chain = [];
    for (var g = groupId; g >= 0; g = this.groups[g].parent) { chain.unshift(g); }
    return chain;
  };
  Model.prototype.nodeLabel = function (n) { return n.sub ? n.label + "\n" + n.sub : n.label; };

  function mount(root, data, options) {
    options = options || {};
    // Properties may come later (options.lazyProps() parses them on the first look).
    function details() {
      if (!data.props && !data.eprops && options.lazyProps) {
        var more = options.lazyProps();
        data.props = more.props;
        data.eprops = more.eprops;
        options.lazyProps = null;
      }
      return data;
    }
    mark("awsgraph-mount");
    // cytoscape adds a <style> element unless one with this id exists; under a strict
    // Content-Security-Policy that is refused, and graph.css already positions the canvas.
    if (!document.getElementById("__________cytoscape_stylesheet")) {
      var marker = document.createElement("template");
      marker.id = "__________cytoscape_stylesheet";
      document.head.appendChild(marker);
    }
    var model = new Model(data);
    mark("awsgraph-model");
    root.textContent = "";
    root.classList.add("awsgraph");
    var side = el("div", "ag-side");
    var canvas = el("div", "ag-canvas");
    root.appendChild(side);
    root.appendChild(canvas);

    if (options.heading !== false) { side.appendChild(el("h1", "ag-title", data.title || "awsgraph")); }
    side.appendChild(el("div", "ag-note", data.note || ""));
    var toolbar = el("div", "ag-toolbar");
    var overviewButton = el("button", "ag-overview", "Overview");
    overviewButton.type = "button";
    var fitButton = el("button", "ag-fit", "Fit");
    fitButton.type = "button";
    toolbar.appendChild(overviewButton);
    toolbar.appendChild(fitButton);
    side.appendChild(toolbar);
    var box = el("input", "ag-search");
    box.type = "search";
    box.placeholder = "Search name, type, class or key";
    box.setAttribute("aria-label", "Search entities");
    side.appendChild(box);
    var matches = el("div", "ag-matches ag-note");
    side.appendChild(matches);
    var results = el("ol", "ag-results");
    side.appendChild(results);
    side.appendChild(el("h3", null, "Selected"));
    var inspector = el("div", "ag-inspector", "Click a group to open it, an entity or a relationship to see "
      + "its properties; double-click an entity for its neighbourhood.");
    side.appendChild(inspector);
    side.appendChild(el("h3", null, "Classes"));
    var legend = el("div", "ag-legend");
    side.appendChild(legend);
    var errors = el("div", "ag-errors");
    side.appendChild(errors);
    var status = el("div", "ag-status");
    status.setAttribute("data-ready", "false");
    side.appendChild(status);

    var state = {mode: "overview", expanded: new Set(), pages: new Map(), revealed: new Set(), focus: -1,
      hits: null};
    var cy = cytoscape({
      container: canvas,
      elements: [],
      minZoom: 0.02,
      maxZoom: 4,
      hideEdgesOnViewport: model.edges.length > 3000,
      style: [
        {selector: "node", style: {"label": "data(label)", "font-size": 9, "text-wrap": "wrap",
          "text-max-width": 120, "text-valign": "bottom", "text-margin-y": 3, "width": 22, "height": 22,
          "background-color": "data(colour)", "min-zoomed-font-size": 5}},
        {selector: "node.group", style: {"shape": "round-rectangle", "width": GROUP_W - 30, "height": GROUP_H - 18,
          "text-valign": "center", "text-margin-y": 0, "color": "#fff", "font-size": 10, "text-max-width": GROUP_W - 40,
          "border-width": 1, "border-color": "#333"}},
        {selector: "node.more", style: {"shape": "tag", "border-style": "dashed", "border-width": 1,
          "background-color": "#ecf0f1", "color": "#333", "text-valign": "center", "width": GROUP_W - 40,
          "height": 30, "text-max-width": GROUP_W - 50}},
        {selector: "node.open", style: {"shape": "round-rectangle", "background-color": "data(colour)",
          "background-opacity": 0.07, "border-width": 1, "border-color": "data(colour)", "text-valign": "top",
          "text-margin-y": -4, "color": "#222", "font-size": 12, "font-weight": "bold", "padding": 10,
          "text-max-width": 600}},
        {selector: "edge", style: {"label": "data(label)", "font-size": 7, "curve-style": "bezier",
          "target-arrow-shape": "triangle", "arrow-scale": 0.7, "width": 1, "line-color": "#aaa",
          "target-arrow-color": "#aaa", "text-rotation": "autorotate", "color": "#444",
          "text-background-color": "#fff", "text-background-opacity": 0.85, "text-background-padding": 1,
          "min-zoomed-font-size": 7}},
        {selector: "edge.bundle", style: {"width": "data(weight)"}},
        // In the overview, relationships stay faint until one of their ends is selected.
        {selector: "edge.ov", style: {"opacity": 0.22, "text-opacity": 0, "curve-style": "straight",
          "text-background-opacity": 0}},
        {selector: "edge.lit", style: {"opacity": 1, "text-opacity": 1, "text-background-opacity": 0.85,
          "line-color": "#c0392b",
          "target-arrow-color": "#c0392b", "z-index": 10}},
        {selector: ".faded", style: {"opacity": 0.12}},
        {selector: ".match", style: {"border-width": 4, "border-color": "#111"}},
        {selector: ".focus", style: {"width": 34, "height": 34, "border-width": 3, "border-color": "#111"}},
        {selector: ":selected", style: {"border-width": 4, "border-color": "#e67e22", "line-color": "#e67e22",
          "target-arrow-color": "#e67e22"}}
      ],
      layout: {name: "preset"}
    });

    function setStatus() {
      status.setAttribute("data-mode", state.mode);
      status.setAttribute("data-nodes", String(model.nodes.length));
      status.setAttribute("data-edges", String(model.edges.length));
      status.setAttribute("data-visible", String(cy.nodes().length));
      status.setAttribute("data-expanded", String(state.expanded.size));
    }

    // -- overview ------------------------------------------------------------------------------
    function pageOf(g) { return state.pages.get(g) || PAGE; }
    function shownMembers(g) {
      var members = model.groups[g].members, limit = pageOf(g);
      var shown = members.slice(0, limit);
      if (members.length > limit) {
        members.slice(limit).forEach(function (i) { if (state.revealed.has(i)) { shown.push(i); } });
      }
      return shown;
    }
    // What stands for each group and entity now: itself, its collapsed ancestor, or a "more" node.
    function representatives() {
      var open = new Array(model.groups.length), rep = new Array(model.groups.length);
      model.groups.forEach(function (g) {
        var visible = g.parent < 0 || open[g.parent];
        if (visible) {
          open[g.id] = state.expanded.has(g.id);
          rep[g.id] = open[g.id] ? null : "g" + g.id;
        } else {
          open[g.id] = false;
          rep[g.id] = rep[g.parent];
        }
      });
      var visibleMember = new Set();
      model.groups.forEach(function (g) {
        if (open[g.id]) { shownMembers(g.id).forEach(function (i) { visibleMember.add(i); }); }
      });
      var nodeRep = model.nodes.map(function (n) {
        if (!open[n.group]) { return rep[n.group]; }
        return visibleMember.has(n.id) ? "n" + n.id : "m" + n.group;
      });
      return {open: open, node: nodeRep};
    }

    function leafElement(n, parent) {
      return {group: "nodes", data: {id: "n" + n.id, label: clean(model.nodeLabel(n)), colour: model.colour(n.cls),
        parent: parent, index: n.id}, classes: "entity"};
    }

    function overviewElements() {
      var reps = representatives();
      var items = [];   // {element, w, h, children}
      function build(g) {
        var group = model.groups[g];
        var id = "g" + g;
        var colour = KIND_COLOURS[group.kind] || "#777";
        var parent = group.parent >= 0 ? "g" + group.parent : undefined;
        if (!reps.open[g]) {
          return {el: {group: "nodes", data: {id: id, parent: parent, label: clean(group.label) + "\n"
            + group.count + (group.count === 1 ? " entity" : " entities"), colour: colour, group: g},
            classes: "group kind-" + group.kind}, w: GROUP_W, h: GROUP_H};
        }
        var kids = group.childGroups.map(build);
        shownMembers(g).forEach(function (i) { kids.push({el: leafElement(model.nodes[i], id), w: LEAF_W, h: LEAF_H}); });
        var hidden = group.members.length - shownMembers(g).length;
        if (hidden > 0) {
          kids.push({el: {group: "nodes", data: {id: "m" + g, parent: id, group: g, label: "+" + hidden
            + " more (click)"}, classes: "more"}, w: GROUP_W, h: 48});
        }
        var packed = pack(kids);
        return {el: {group: "nodes", data: {id: id, parent: parent, colour: colour, group: g,
          label: clean(group.label) + " (" + group.count + ")"}, classes: "open kind-" + group.kind},
          w: packed.w + 2 * PAD, h: packed.h + 2 * PAD + HEAD, kids: kids};
      }
      var top = model.roots.map(build);
      var packed = pack(top);
      var elements = [];
      function place(item, x, y) {
        if (item.kids) {
          elements.push(item.el);
          item.kids.forEach(function (k) { place(k, x + PAD + k.x, y + PAD + HEAD + k.y); });
        } else {
          item.el.position = {x: x + item.w / 2, y: y + item.h / 2};
          elements.push(item.el);
        }
      }
      top.forEach(function (item) { place(item, item.x, item.y); });
      elements = elements.concat(bundles(reps.node));
      return {elements: elements, width: packed.w};
    }

    // Rows of children, as wide as about the square root of their area: a rough but O(n) packing.
    function pack(items) {
      items.sort(function (a, b) { return b.h - a.h; });  // shelf packing: tallest first (a stable sort)
      var area = 0, widest = 0;
      items.forEach(function (it) { area += it.w * it.h; widest = Math.max(widest, it.w); });
      var limit = Math.max(widest, Math.sqrt(area * 2.5));
      var x = 0, y = 0, rowH = 0, maxW = 0;
      items.forEach(function (it) {
        if (x > 0 && x + it.w > limit) { y += rowH; x = 0; rowH = 0; }
        it.x = x;
        it.y = y;
        x += it.w;
        rowH = Math.max(rowH, it.h);
        maxW = Math.max(maxW, x);
      });
      return {w: maxW, h: y + rowH};
    }

    // One drawn edge per pair of representatives, with how many relationships it stands for.
    // Too many, and they are bundled one level up (an entity's into its group's frame, a group's into its
    // parent's) until few enough remain; a selected entity still shows its own.
    function lift(id) {
      var kind = id.charAt(0), index = Number(id.slice(1));
      if (kind === "n") { return "g" + model.nodes[index].group; }
      if (kind === "m") { return "g" + index; }
      var parent = model.groups[index].parent;
      return parent >= 0 ? "g" + parent : id;
    }
    function pairsOf(nodeRep) {
      var pairs = new Map();
      model.edges.forEach(function (e, i) {
        var a = nodeRep[e[0]], b = nodeRep[e[1]];
        if (!a || !b || a === b) { return; }
        var key = a + ">" + b;
        var bundle = pairs.get(key);
        if (!bundle) { pairs.set(key, bundle = {source: a, target: b, count: 0, verbs: {}, first: i}); }
        bundle.count += 1;
        bundle.verbs[e[2]] = (bundle.verbs[e[2]] || 0) + 1;
      });
      return pairs;
    }
    function bundles(nodeRep) {
      var pairs = pairsOf(nodeRep);
      for (var level = 0; pairs.size > EDGES && level < 4; level++) {
        nodeRep = nodeRep.map(function (id) { return id && lift(id); });
        pairs = pairsOf(nodeRep);
      }
      var out = [];
      var n = 0;
      pairs.forEach(function (b) {
        var verbs = Object.keys(b.verbs);
        var single = b.count === 1;
        var label = single ? model.edges[b.first][3]
          : verbs.length === 1 ? verbs[0] + " ×" + b.count : b.count + " relationships";
        out.push({group: "edges", data: {id: "e" + (n++), source: b.source, target: b.target, label: clean(label),
          weight: Math.min(1 + Math.log(b.count) , 6), edge: single ? b.first : -1, verbs: b.verbs},
          classes: single ? "single ov" : "bundle ov"});
      });
      return out;
    }

    function draw(elements, layout) {
      cy.batch(function () {
        cy.elements().remove();
        cy.add(elements);
      });
      if (layout) {
        cy.layout(layout).run();
      }
      applySearchMarks();
      setStatus();
    }

    function renderOverview(fitTo) {
      state.mode = "overview";
      var built = overviewElements();
      mark("awsgraph-elements");
      draw(built.elements, null);
      mark("awsgraph-added");
      var target = fitTo ? cy.getElementById(fitTo) : null;
      if (target && target.length) {
        cy.fit(target, 30);
      } else {
        cy.fit(undefined, 20);
      }
    }

    // Open the biggest groups first while the drawing stays small, so the first view is readable.
    function autoExpand() {
      var visible = model.roots.length;
      var queue = model.roots.slice();
      while (queue.length) {
        queue.sort(function (a, b) { return model.groups[b].count - model.groups[a].count; });
        var g = queue.shift();
        var group = model.groups[g];
        var added = group.childGroups.length + Math.min(group.members.length, PAGE) - 1;
        if (visible + added > BUDGET && state.expanded.size > 0) { continue; }
        state.expanded.add(g);
        visible += added;
        group.childGroups.forEach(function (c) { queue.push(c); });
      }
    }

    function toggle(g) {
      if (state.expanded.has(g)) {
        state.expanded.delete(g);
        // Closing a group closes what was open inside it.
        model.groups.forEach(function (other) {
          if (other.id !== g && model.ancestors(other.id).indexOf(g) >= 0) { state.expanded.delete(other.id); }
        });
        renderOverview(null);
      } else {
        state.expanded.add(g);
        renderOverview("g" + g);
      }
      inspectGroup(g);
    }

    function reveal(i) {
      var n = model.nodes[i];
      model.ancestors(n.group).forEach(function (g) { state.expanded.add(g); });
      state.revealed.add(i);
      renderOverview(null);
      var node = cy.getElementById("n" + i);
      cy.elements().unselect();
      node.select();
      cy.zoom(1.2);
      cy.center(node);
      inspectNode(i);
      remember("inspect", n.key);
    }

    // -- neighbourhood ---------------------------------------------------------------------------
    function focus(i) {
      state.mode = "focus";
      state.focus = i;
      var shown = new Map();
      shown.set(i, true);
      var hiddenByType = {};
      model.out[i].forEach(function (ei) {
        var e = model.edges[ei];
        var other = e[0] === i ? e[1] : e[0];
        if (shown.has(other)) { return; }
        if (shown.size <= NEIGHBOURS) {
          shown.set(other, true);
        } else {
          var t = model.nodes[other].type;
          hiddenByType[t] = (hiddenByType[t] || 0) + 1;
        }
      });
      var elements = [];
      shown.forEach(function (_, k) {
        var element = leafElement(model.nodes[k], undefined);
        if (k === i) { element.classes += " focus"; }
        elements.push(element);
      });
      Object.keys(hiddenByType).forEach(function (t, j) {
        elements.push({group: "nodes", data: {id: "h" + j, label: "+" + hiddenByType[t] + " " + clean(t)},
          classes: "more"});
      });
      var n = 0;
      var seen = new Set();
      shown.forEach(function (_, k) {
        model.out[k].forEach(function (ei) {
          var e = model.edges[ei];
          if (seen.has(ei) || !shown.has(e[0]) || !shown.has(e[1]) || e[0] === e[1]) { return; }
          seen.add(ei);
          if (n > 4 * NEIGHBOURS) { return; }
          elements.push({group: "edges", data: {id: "e" + (n++), source: "n" + e[0], target: "n" + e[1],
            label: clean(e[3]), edge: ei}, classes: "single"});
        });
      });
      draw(elements, {name: "concentric", animate: false, minNodeSpacing: 30,
        concentric: function (node) { return node.id() === "n" + i ? 2 : 1; },
        levelWidth: function () { return 1; }});
      cy.fit(undefined, 30);
      cy.getElementById("n" + i).select();
      inspectNode(i);
      remember("focus", model.nodes[i].key);
    }

    // -- inspector -------------------------------------------------------------------------------
    function table(props) {
      var t = el("table", "ag-props");
      Object.keys(props || {}).sort().forEach(function (k) {
        var tr = el("tr");
        tr.appendChild(el("td", null, k));
        tr.appendChild(el("td", null, show(props[k])));
        t.appendChild(tr);
      });
      return t;
    }
    function button(text, handler) {
      var b = el("button", null, text);
      b.type = "button";
      b.addEventListener("click", handler);
      return b;
    }
    function inspectNode(i) {
      var n = model.nodes[i];
      inspector.textContent = "";
      inspector.appendChild(el("b", "ag-name", n.label));
      if (n.sub) { inspector.appendChild(el("div", "ag-note", n.sub)); }
      var actions = el("div", "ag-actions");
      actions.appendChild(button("Neighbourhood", function () { focus(i); }));
      actions.appendChild(button("Show in overview", function () { reveal(i); }));
      if (options.entityHref) {
        var link = el("a", null, "Entity page");
        link.href = options.entityHref(n.key);
        actions.appendChild(link);
      }
      inspector.appendChild(actions);
      inspector.setAttribute("data-key", n.key);
      if (details().props) {
        var props = Object.assign({_key: n.key}, data.props[i]);
        inspector.appendChild(table(props));
      } else if (options.propsUrl) {
        var holder = el("div", "ag-note", "Loading properties…");
        inspector.appendChild(holder);
        fetch(options.propsUrl(n.key), {headers: {"Accept": "application/json"}})
          .then(function (resp) { return resp.json(); })
          .then(function (body) {
            if (inspector.getAttribute("data-key") !== n.key) { return; }
            holder.replaceWith(table(body.props || {}));
          })
          .catch(function () { holder.textContent = "The properties could not be loaded."; });
      }
    }
    function inspectEdge(ele) {
      inspector.textContent = "";
      var ei = ele.data("edge");
      if (ei >= 0) {
        var e = model.edges[ei];
        var from = model.nodes[e[0]].key, to = model.nodes[e[1]].key;
        var props = Object.assign({_class: e[2], _fromEntityKey: from, _toEntityKey: to,
          _key: from + "|" + e[2].toLowerCase() + "|" + to}, (details().eprops || [])[ei] || {});
        inspector.appendChild(el("b", "ag-name", e[3] + " relationship"));
        inspector.appendChild(el("div", "ag-note", model.nodes[e[0]].label + " → " + model.nodes[e[1]].label));
        inspector.appendChild(table(props));
        inspector.setAttribute("data-key", props._key);
      } else {
        var verbs = ele.data("verbs") || {};
        inspector.appendChild(el("b", "ag-name", "Relationships between two groups"));
        var t = el("table", "ag-props");
        Object.keys(verbs).sort().forEach(function (v) {
          var tr = el("tr");
          tr.appendChild(el("td", null, v));
          tr.appendChild(el("td", null, String(verbs[v])));
          t.appendChild(tr);
        });
        inspector.appendChild(t);
        inspector.setAttribute("data-key", "");
      }
    }
    function inspectGroup(g) {
      var group = model.groups[g];
      var types = {};
      var stack = [g];
      while (stack.length) {
        var cur = model.groups[stack.pop()];
        cur.members.forEach(function (i) { var t = model.nodes[i].type; types[t] = (types[t] || 0) + 1; });
        cur.childGroups.forEach(function (c) { stack.push(c); });
      }
      inspector.textContent = "";
      inspector.appendChild(el("b", "ag-name", group.label));
      inspector.appendChild(el("div", "ag-note", group.kind + ", " + group.count + " entities"
        + (state.expanded.has(g) ? " (open: click its frame to close)" : " (click to open)")));
      var t = el("table", "ag-props");
      Object.keys(types).sort(function (a, b) { return types[b] - types[a]; }).slice(0, 30).forEach(function (k) {
        var tr = el("tr");
        tr.appendChild(el("td", null, k));
        tr.appendChild(el("td", null, String(types[k])));
        t.appendChild(tr);
      });
      inspector.appendChild(t);
      inspector.setAttribute("data-key", "");
      inspector.setAttribute("data-group", group.label);
    }

    cy.on("tap", "node", function (ev) {
      var d = ev.target.data();
      if (ev.target.hasClass("more") && d.group !== undefined) {
        state.pages.set(d.group, pageOf(d.group) + PAGE);
        renderOverview("g" + d.group);
      } else if (d.group !== undefined) {
        toggle(d.group);
      } else if (d.index !== undefined) {
        inspectNode(d.index);
        remember("inspect", model.nodes[d.index].key);
      }
    });
    // A selected entity's own relationships, to whatever stands for their other ends now.
    function ownEdges(i) {
      var reps = representatives().node;
      var out = [];
      var seen = new Set();
      model.out[i].forEach(function (ei) {
        var e = model.edges[ei];
        var a = e[0] === i ? "n" + i : reps[e[0]], b = e[1] === i ? "n" + i : reps[e[1]];
        if (!a || !b || a === b || seen.has(a + ">" + b) || out.length >= NEIGHBOURS) { return; }
        seen.add(a + ">" + b);
        out.push({group: "edges", data: {id: "t" + out.length, source: a, target: b, label: clean(e[3]), edge: ei},
          classes: "single own lit"});
      });
      return out;
    }
    cy.on("select", "node", function (ev) {
      cy.batch(function () {
        ev.target.union(ev.target.descendants()).connectedEdges().addClass("lit");
        var index = ev.target.data("index");
        if (state.mode === "overview" && index !== undefined) { cy.add(ownEdges(index)); }
      });
    });
    cy.on("unselect", "node", function (ev) {
      cy.batch(function () {
        cy.edges(".own").remove();
        ev.target.union(ev.target.descendants()).connectedEdges().removeClass("lit");
      });
    });
    cy.on("dbltap", "node.entity", function (ev) { focus(ev.target.data("index")); });
    cy.on("tap", "edge", function (ev) { inspectEdge(ev.target); });
    overviewButton.addEventListener("click", function () { renderOverview(null); remember(null); });
    fitButton.addEventListener("click", function () { cy.fit(undefined, 20); });

    // -- search ----------------------------------------------------------------------------------
    function applySearchMarks() {
      cy.batch(markHits);
    }
    function markHits() {
      cy.elements().removeClass("faded match");
      if (!state.hits) { return; }
      var reps = state.mode === "overview" ? representatives().node : null;
      var marked = cy.collection();
      state.hits.forEach(function (i) {
        var id = reps ? reps[i] : "n" + i;
        if (id) { marked = marked.union(cy.getElementById(id)); }
      });
      cy.elements().not(marked).not(marked.connectedEdges()).not(marked.ancestors()).addClass("faded");
      marked.addClass("match");
    }
    function search(text) {
      box.value = text;
      var q = text.trim().toLowerCase();
      results.textContent = "";
      if (!q) {
        state.hits = null;
        matches.textContent = "";
        matches.setAttribute("data-count", "");
        applySearchMarks();
        return;
      }
      var hits = [];
      for (var i = 0; i < model.hay.length; i++) {
        if (model.hay[i].indexOf(q) >= 0) { hits.push(i); }
      }
      state.hits = hits;
      matches.textContent = hits.length + " matching entities" + (hits.length > RESULTS ? " (first "
        + RESULTS + " listed)" : "");
      matches.setAttribute("data-count", String(hits.length));
      hits.slice(0, RESULTS).forEach(function (i) {
        var n = model.nodes[i];
        var li = el("li");
        var b = button(n.label, function () { reveal(i); });
        b.className = "ag-result";
        b.setAttribute("data-key", n.key);
        li.appendChild(b);
        li.appendChild(el("span", "ag-note", " " + n.type + (n.sub ? " · " + n.sub : "")));
        results.appendChild(li);
      });
      applySearchMarks();
    }
    var timer = null;
    box.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { search(box.value); remember("search", box.value); }, 150);
    });

    // -- legend ----------------------------------------------------------------------------------
    Object.keys(model.classCounts).sort().forEach(function (cls) {
      var row = el("div", "ag-legend-row");
      var sw = el("span", "ag-swatch");
      sw.style.background = model.colour(cls);
      row.appendChild(sw);
      row.appendChild(document.createTextNode(clean(cls + " (" + model.classCounts[cls] + ")")));
      row.addEventListener("click", function () { search(cls); });
      legend.appendChild(row);
    });

    // -- deep links: #search=text&inspect=key or #focus=key ----------------------------------------
    function remember(name, value) {
      if (options.deepLinks === false) { return; }
      var params = new URLSearchParams(window.location.hash.slice(1));
      if (name !== "search") { params.delete("inspect"); params.delete("focus"); }
      if (name && value) { params.set(name, value); } else if (name) { params.delete(name); }
      var text = params.toString();
      history.replaceState(null, "", text ? "#" + text : window.location.pathname + window.location.search);
    }

    var hash = new URLSearchParams(window.location.hash.slice(1));
    if (model.nodes.length <= BUDGET * 2) {
      model.groups.forEach(function (g) { state.expanded.add(g.id); });
    } else {
      autoExpand();
    }
    var focusKey = options.deepLinks === false ? null : hash.get("focus");
    var inspectKey = options.deepLinks === false ? null : hash.get("inspect");
    if (focusKey && model.byKey.has(focusKey)) {
      focus(model.byKey.get(focusKey));
    } else {
      renderOverview(null);
    }
    if (options.deepLinks !== false && hash.get("search")) { search(hash.get("search")); }
    if (inspectKey && model.byKey.has(inspectKey) && !focusKey) { reveal(model.byKey.get(inspectKey)); }

    var view = {cy: cy, model: model, state: state, search: search, reveal: reveal, focus: focus, toggle: toggle,
      overview: function () { renderOverview(null); }};
    cy.one("render", function () {
      mark("awsgraph-drawn");
      status.setAttribute("data-drawn", "true");
    });
    status.setAttribute("data-ready", "true");
    return view;
  }

  window.AwsGraph = {mount: mount, clean: clean};

  // The self-contained page (awsgraph visualize) carries its data inline.
  var inline = document.getElementById("graph-data");
  if (inline) {
    var app = document.getElementById("app");
    window.addEventListener("error", function (ev) {
      var line = el("div", "error", "Error: " + ev.message);
      var errors = app.querySelector(".ag-errors");
      (errors || app).appendChild(line);
    });
    var lazy = document.getElementById("graph-props");
    window.awsgraphView = mount(app, JSON.parse(inline.textContent), {
      lazyProps: lazy ? function () { return JSON.parse(lazy.textContent); } : null
    });
  }
}());
