/* graph.js: the graph page: a metric tree and uPlot over graph/ data. */
"use strict";
(function () {
	var statusEl = document.getElementById("status");
	var plotEl = document.getElementById("plot");
	var treeEl = document.getElementById("tree");
	var filterEl = document.getElementById("filter");
	var daysEl = document.getElementById("days");
	var commits = [], commitsId = "", metrics = [], byKey = {}, chunks = [];
	var selected = [], cache = {}, plot = null, range = null;

	function status(t) { statusEl.textContent = t; }
	function getJSON(url) {
		return fetch(url, {cache: "no-cache"}).then(function (r) {
			if (!r.ok)
				throw new Error(url + ": HTTP " + r.status);
			return r.json();
		});
	}
	/* Stable colours: the hue comes from the metric's name. */
	function colour(name) {
		var h = 2166136261;
		for (var i = 0; i < name.length; i++) {
			h ^= name.charCodeAt(i);
			h = Math.imul(h, 16777619) >>> 0;
		}
		return "hsl(" + (h % 360) + ", 70%, 45%)";
	}
	function readHash() {
		var p = new URLSearchParams(location.hash.slice(1));
		selected = (p.get("m") || "").split(",").filter(function (k) {
			return byKey[k] !== undefined;
		});
		daysEl.checked = p.get("d") === "1";
		var x = (p.get("x") || "").split(",").map(Number);
		range = x.length === 2 && isFinite(x[0]) && isFinite(x[1]) &&
		    x[0] < x[1] ? x : null;
	}
	function writeHash() {
		var parts = [];
		if (selected.length)
			parts.push("m=" + selected.join(","));
		if (daysEl.checked)
			parts.push("d=1");
		if (range)
			parts.push("x=" + range.map(function (v) {
				return Number(v.toPrecision(12));
			}).join(","));
		history.replaceState(null, "", parts.length ? "#" + parts.join("&") :
		    location.pathname + location.search);
	}

	/* A min-heap of positions, for the topological order below. */
	function Heap() { this.a = []; }
	Heap.prototype.push = function (v) {
		var a = this.a, i = a.length, p;
		a.push(v);
		while (i > 0 && a[p = (i - 1) >> 1] > a[i]) {
			a[i] = a[p];
			a[p] = v;
			i = p;
		}
	};
	Heap.prototype.pop = function () {
		var a = this.a, top = a[0], last = a.pop(), i = 0, c, t;
		if (a.length === 0)
			return top;
		a[0] = last;
		for (;;) {
			c = 2 * i + 1;
			if (c >= a.length)
				break;
			if (c + 1 < a.length && a[c + 1] < a[c])
				c++;
			if (a[i] <= a[c])
				break;
			t = a[i];
			a[i] = a[c];
			a[c] = t;
			i = c;
		}
		return top;
	};
	/* Date order, corrected so that a parent comes before its child. */
	function order(list) {
		list.sort(function (x, y) { return x[2] - y[2] || x[0] - y[0]; });
		var pos = {}, kids = list.map(function () { return []; }),
		    indeg = list.map(function () { return 0; }), h = new Heap(),
		    out = [];
		list.forEach(function (c, i) { pos[c[0]] = i; });
		list.forEach(function (c, i) {
			c[4].forEach(function (p) {
				if (pos[p] !== undefined) {
					kids[pos[p]].push(i);
					indeg[i]++;
				}
			});
		});
		indeg.forEach(function (d, i) {
			if (d === 0)
				h.push(i);
		});
		while (h.a.length) {
			var i = h.pop();
			out.push(list[i]);
			kids[i].forEach(function (k) {
				if (--indeg[k] === 0)
					h.push(k);
			});
		}
		return out;
	}
	/* The files must come from one render: the ids must agree. */
	function loadIndex(tries) {
		return Promise.all([getJSON("commits.json"),
		    getJSON("metrics.json")]).then(function (r) {
			var idx = r[0];
			if (idx.id !== r[1].commits_id)
				throw new Error("changed");
			return Promise.all(idx.chunks.map(function (c) {
				return getJSON("c/" + c[0] + ".json?v=" + c[1]).then(
				    function (f) {
					if (f.id !== c[1])
						throw new Error("changed");
					return f.commits;
				});
			})).then(function (parts) {
				commits = order([].concat.apply([], parts));
				chunks = idx.chunks;
				commitsId = idx.id;
				metrics = r[1].metrics;
				metrics.forEach(function (m, i) { byKey[m.key] = i; });
			});
		}).catch(function (e) {
			if (e.message === "changed" && tries > 0)
				return loadIndex(tries - 1);
			if (e.message === "changed")
				throw new Error("the graph data keeps changing; reload");
			throw e;
		});
	}
	function loadMetric(key) {
		if (cache[key])
			return Promise.resolve(cache[key]);
		var m = metrics[byKey[key]];
		return Promise.all(chunks.map(function (c) {
			return getJSON("m/" + key + "/" + c[0] + ".json?v=" + c[1]);
		})).then(function (parts) {
			var r = {name: m.name, unit: m.unit, points: []};
			parts.forEach(function (p) {
				r.points = r.points.concat(p.points);
			});
			cache[key] = r;
			return r;
		});
	}

	function buildTree() {
		var root = {kids: {}, leaves: []};
		metrics.forEach(function (m) {
			var parts = m.name.split("/"), n = root;
			for (var i = 0; i < parts.length - 1; i++) {
				n.kids[parts[i]] = n.kids[parts[i]] ||
				    {kids: {}, leaves: []};
				n = n.kids[parts[i]];
			}
			n.leaves.push({label: parts[parts.length - 1], m: m});
		});
		function render(n) {
			var ul = document.createElement("ul");
			Object.keys(n.kids).sort().forEach(function (k) {
				var li = document.createElement("li");
				var d = document.createElement("details");
				var s = document.createElement("summary");
				d.open = true;
				s.textContent = k;
				d.appendChild(s);
				d.appendChild(render(n.kids[k]));
				li.appendChild(d);
				li.className = "group";
				ul.appendChild(li);
			});
			n.leaves.forEach(function (l) {
				var li = document.createElement("li");
				var lab = document.createElement("label");
				var cb = document.createElement("input");
				var sw = document.createElement("span");
				cb.type = "checkbox";
				cb.value = l.m.key;
				cb.checked = selected.indexOf(l.m.key) >= 0;
				cb.addEventListener("change", function () {
					if (cb.checked)
						selected.push(l.m.key);
					else
						selected = selected.filter(function (k) {
							return k !== l.m.key;
						});
					range = null;
					writeHash();
					draw();
				});
				sw.className = "swatch";
				sw.style.background = colour(l.m.name);
				lab.appendChild(cb);
				lab.appendChild(sw);
				lab.appendChild(document.createTextNode(l.label +
				    (l.m.unit ? " (" + l.m.unit + ")" : "")));
				lab.title = l.m.name;
				li.className = "leaf";
				li.dataset.name = l.m.name.toLowerCase();
				li.appendChild(lab);
				ul.appendChild(li);
			});
			return ul;
		}
		treeEl.replaceChildren(render(root));
		if (metrics.length === 0)
			treeEl.textContent = "No metrics yet.";
	}
	filterEl.addEventListener("input", function () {
		var f = filterEl.value.toLowerCase();
		treeEl.querySelectorAll("li.leaf").forEach(function (li) {
			li.hidden = f !== "" && li.dataset.name.indexOf(f) < 0;
		});
		/* Groups without a visible leaf go too, innermost first. */
		var groups = Array.prototype.slice.call(
		    treeEl.querySelectorAll("li.group")).reverse();
		groups.forEach(function (g) {
			g.hidden = f !== "" &&
			    g.querySelector("li.leaf:not([hidden])") === null;
		});
	});

	function fmtDate(t) {
		return new Date(t * 1000).toISOString().slice(0, 10);
	}
	function tooltip() {
		var t = document.createElement("div");
		t.className = "tooltip";
		t.hidden = true;
		return t;
	}

	function draw() {
		if (plot) {
			plot.destroy();
			plot = null;
		}
		if (selected.length === 0) {
			status(commits.length + " commits; pick metrics on the left");
			return;
		}
		status("loading…");
		Promise.all(selected.map(loadMetric)).then(function (ms) {
			var pos = {}, days = daysEl.checked;
			commits.forEach(function (c, i) { pos[c[0]] = i; });
			var xs = commits.map(function (c, i) {
				return days ? c[2] : i;
			});
			var data = [xs], axes = [{}], scales = {},
			    series = [{label: "commit", value: function (u, v, si,
				i) {
				var c = commits[i];
				return c ? c[1].slice(0, 10) + " " + fmtDate(c[2]) :
				    "--";
			    }}],
			    units = [];
			var x = {time: days};
			scales.x = x;
			ms.forEach(function (m) {
				var ys = new Array(commits.length).fill(null);
				m.points.forEach(function (p) {
					if (pos[p[0]] !== undefined)
						ys[pos[p[0]]] = p[1];
				});
				var unit = m.unit || "";
				if (units.indexOf(unit) < 0) {
					units.push(unit);
					scales["u" + unit] = {auto: true};
					axes.push({scale: "u" + unit, label: unit,
					    side: units.length % 2 ? 3 : 1,
					    stroke: "currentColor",
					    grid: {show: units.length === 1}});
				}
				data.push(ys);
				series.push({label: m.name, scale: "u" + unit,
				    stroke: colour(m.name), width: 1.5,
				    spanGaps: true, points: {show: true, size: 4}});
			});
			/* Dates need room: at most one label per 100 px. */
			axes[0] = {stroke: "currentColor", space: 100, values: days ?
			    undefined : function (u, splits) {
				return splits.map(function (v) {
					var c = commits[Math.round(v)];
					return c && Math.round(v) === v ?
					    fmtDate(c[2]) : "";
				});
			}};
			axes.forEach(function (a) { a.stroke = "currentColor"; });
			var tip = tooltip(), down = null;
			var opts = {
				width: Math.max(300, plotEl.clientWidth),
				height: Math.max(260, Math.min(520,
				    Math.round(window.innerHeight * 0.6))),
				scales: scales, series: series, axes: axes,
				cursor: {drag: {x: true, y: false},
				    points: {size: 7}},
				legend: {show: true},
				hooks: {
					setScale: [function (u, key) {
						if (key !== "x")
							return;
						var lo = u.scales.x.min, hi = u.scales.x.max;
						var full = xs.length === 0 ||
						    (lo <= xs[0] && hi >= xs[xs.length - 1]);
						range = full ? null : [lo, hi];
						writeHash();
					}],
					setCursor: [function (u) {
						var i = u.cursor.idx;
						if (i === null || i === undefined ||
						    u.cursor.left < 0) {
							tip.hidden = true;
							return;
						}
						var c = commits[i];
						tip.replaceChildren();
						var h = document.createElement("div");
						h.className = "tip-commit";
						h.textContent = c[1].slice(0, 10) + " " +
						    fmtDate(c[2]) + " " + c[3];
						tip.appendChild(h);
						var any = false;
						for (var s = 1; s < u.series.length; s++) {
							var v = u.data[s][i];
							if (v === null || v === undefined)
								continue;
							any = true;
							var d = document.createElement("div");
							d.textContent = u.series[s].label + ": " +
							    Number(v.toPrecision(6)) + " " +
							    (ms[s - 1].unit || "");
							d.style.color = colour(u.series[s].label);
							tip.appendChild(d);
						}
						tip.hidden = !any;
						var left = u.cursor.left + 12;
						if (left > u.over.clientWidth - 220)
							left = u.cursor.left - 232;
						tip.style.left = left + "px";
						tip.style.top = (u.cursor.top + 12) + "px";
					}]
				}
			};
			plot = new uPlot(opts, data, plotEl);
			plot.over.appendChild(tip);
			plot.over.addEventListener("mousedown", function (e) {
				down = [e.clientX, e.clientY];
			});
			/* A click opens the commit under the cursor, unless a
			 * second click makes it a double-click (reset zoom). */
			var pending = null;
			plot.over.addEventListener("click", function (e) {
				if (!down || Math.abs(e.clientX - down[0]) > 3)
					return;
				var i = plot.cursor.idx;
				if (i === null || i === undefined)
					return;
				var hit = false;
				for (var s = 1; s < data.length; s++)
					if (data[s][i] !== null)
						hit = true;
				if (!hit)
					return;
				clearTimeout(pending);
				pending = setTimeout(function () {
					location.href = "../commit/" + commits[i][1] + "/";
				}, 300);
			});
			plot.over.addEventListener("dblclick", function () {
				clearTimeout(pending);
				pending = null;
			});
			if (range)
				plot.setScale("x", {min: range[0], max: range[1]});
			status(commits.length + " commits, " + ms.length +
			    " metric" + (ms.length > 1 ? "s" : ""));
			document.body.dataset.drawn = String(ms.length);
		}).catch(function (e) {
			status("cannot draw: " + e.message);
		});
	}
	document.getElementById("reset").addEventListener("click", function () {
		range = null;
		writeHash();
		draw();
	});
	daysEl.addEventListener("change", function () {
		range = null;
		writeHash();
		draw();
	});
	window.addEventListener("resize", function () {
		if (plot)
			plot.setSize({width: Math.max(300, plotEl.clientWidth),
			    height: plot.height});
	});
	loadIndex(3).then(function () {
		readHash();
		buildTree();
		draw();
	}).catch(function (e) {
		status("cannot load the graph data: " + e.message);
	});
})();
