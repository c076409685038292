/* graph.js: the graph page: a metric tree and uPlot over graph/ data.
 * The data is multi-resolution (layout in lib/site/page_graph.c): the
 * whole history comes as bucket summaries, zooming in loads the files of
 * the finest level that keeps the view under MAX_POINTS points. */
"use strict";
(function () {
	var MAX_POINTS = 2000, MAX_FILES = 4, MAX_SELECTED = 12;
	var statusEl = document.getElementById("status");
	var plotEl = document.getElementById("plot");
	var treeEl = document.getElementById("tree");
	var filterEl = document.getElementById("filter");
	var daysEl = document.getElementById("days");
	var bandEl = document.getElementById("band");
	var changesEl = document.getElementById("changes");
	var idx = null, metrics = [], byName = new Map(), byKey = new Map();
	var selected = [], cache = new Map(), plot = null, range = null;
	var top = null;		/* the top level's bucket times: pos <-> time */
	var view = null;	/* what the plot shows: {level, rows, ...} */
	var gen = 0;		/* bumps on every redraw request */
	var topP = null;
	/* uPlot loads async (graph.html): the data is fetched meanwhile. */
	var uplotP = new Promise(function (resolve, reject) {
		var s = document.getElementById("uplot-js");
		if (typeof uPlot !== "undefined" || !s)
			return resolve();
		s.addEventListener("load", function () { resolve(); });
		s.addEventListener("error", function () {
			reject(new Error("cannot load uPlot"));
		});
	});

	function status(t) { statusEl.textContent = t; }
	function getJSON(url) {
		var c = cache.get(url);
		if (c)
			return c;
		c = fetch(url, {cache: "no-cache"}).then(function (r) {
			if (!r.ok)
				throw new Error(url + ": HTTP " + r.status);
			return r.json();
		});
		cache.set(url, c);
		c.catch(function () { cache.delete(url); });
		return c;
	}
	/* Stable colours: the hue comes from the metric's name. */
	function colour(name, alpha) {
		var h = 2166136261;
		for (var i = 0; i < name.length; i++) {
			h ^= name.charCodeAt(i);
			h = Math.imul(h, 16777619) >>> 0;
		}
		return "hsla(" + (h % 360) + ", 70%, 45%, " + (alpha || 1) + ")";
	}
	/* Metric names in the fragment as they read: only what must be
	 * escaped is (a "/" stays a "/"). */
	function encName(s) {
		return encodeURIComponent(s).replace(/%2F/g, "/");
	}
	function readHash() {
		var want = [], seen = new Set();
		selected = [];
		daysEl.checked = false;
		bandEl.checked = false;
		range = null;
		location.hash.slice(1).split("&").forEach(function (part) {
			var eq = part.indexOf("="), k, v;
			if (eq < 0)
				return;
			k = part.slice(0, eq);
			try {
				v = decodeURIComponent(part.slice(eq + 1));
			} catch (e) {
				return;
			}
			if (k === "m") {
				/* Comma lists of keys: links of older pages. */
				(byName.has(v) ? [v] : v.split(",")).forEach(function (x) {
					var n = byName.has(x) ? x : byKey.get(x);
					if (n !== undefined && !seen.has(n) &&
					    want.length < MAX_SELECTED) {
						seen.add(n);
						want.push(n);
					}
				});
			} else if (k === "d") {
				daysEl.checked = v === "1";
			} else if (k === "b") {
				bandEl.checked = v === "1";
			} else if (k === "x") {
				var x = v.split(",").map(Number);
				if (x.length === 2 && isFinite(x[0]) &&
				    isFinite(x[1]) && x[0] < x[1])
					range = x;
			}
		});
		selected = want;
		return want.length > 0;
	}
	function writeHash() {
		var parts = selected.map(function (n) { return "m=" + encName(n); });
		if (daysEl.checked)
			parts.push("d=1");
		if (bandEl.checked)
			parts.push("b=1");
		if (range)
			parts.push("x=" + range.map(function (v) {
				return Number(v.toPrecision(12));
			}).join(","));
		history.replaceState(null, "", parts.length ? "#" + parts.join("&") :
		    location.pathname + location.search);
	}

	/* The files must come from one render: the ids must agree. */
	function loadIndex(tries) {
		cache.clear();
		return Promise.all([getJSON("commits.json"),
		    getJSON("metrics.json")]).then(function (r) {
			if (r[0].id !== r[1].commits_id)
				throw new Error("changed");
			idx = r[0];
			metrics = r[1].metrics;
			byName = new Map();
			byKey = new Map();
			metrics.forEach(function (m) {
				byName.set(m.name, m);
				byKey.set(m.key, m.name);
			});
			idx.dflt = r[1]["default"].filter(function (n) {
				return byName.has(n);
			});
			/* Fetched alongside the first view's files. */
			topP = idx.levels === 0 || idx.n === 0 ?
			    Promise.resolve(null) :
			    getJSON("l/" + idx.levels + "/0.json");
			topP.then(function (t) { top = t; }, function () {});
		}).catch(function (e) {
			if (e.message === "changed" && tries > 0)
				return loadIndex(tries - 1);
			if (e.message === "changed")
				throw new Error("the graph data keeps changing; reload");
			throw e;
		});
	}
	function bucketSize(level) { return Math.pow(idx.fan, level); }
	/* Position -> time and back, from the top level's bucket starts (or
	 * the one chunk when there are no levels). */
	function timeAt(p) {
		if (idx.n === 0)
			return 0;
		if (!top)
			return view && view.level === 0 && view.times ?
			    view.times[Math.max(0, Math.min(view.times.length - 1,
			    Math.round(p)))] : idx.t0;
		var bs = bucketSize(idx.levels), b = p / bs, i = Math.floor(b);
		if (i <= 0)
			return top.t[0];
		if (i >= top.t.length - 1) {
			var last = top.t.length - 1, f = (p - last * bs) /
			    Math.max(1, idx.n - 1 - last * bs);
			return top.t[last] + Math.min(1, f) * (idx.t1 - top.t[last]);
		}
		return top.t[i] + (b - i) * (top.t[i + 1] - top.t[i]);
	}
	function posAt(t) {
		var lo = 0, hi = idx.n - 1;
		while (lo < hi) {
			var mid = (lo + hi) >> 1;
			if (timeAt(mid) < t)
				lo = mid + 1;
			else
				hi = mid;
		}
		return lo;
	}
	/* The level for positions [lo, hi]: the finest that keeps the view
	 * under MAX_POINTS points and MAX_FILES files per metric. */
	function levelFor(lo, hi) {
		for (var l = 0; l <= idx.levels; l++) {
			var bs = bucketSize(l), span = idx.chunk * bs;
			var files = Math.floor(hi / span) - Math.floor(lo / span) + 1;
			if ((hi - lo + 1) / bs <= MAX_POINTS && files <= MAX_FILES)
				return l;
		}
		return idx.levels;
	}
	function loadView(lo, hi) {
		lo = Math.max(0, Math.floor(lo));
		hi = Math.min(idx.n - 1, Math.ceil(hi));
		var level = levelFor(lo, hi), bs = bucketSize(level),
		    span = idx.chunk * bs, f0 = Math.floor(lo / span),
		    f1 = Math.floor(hi / span), files = [];
		for (var f = f0; f <= f1; f++)
			files.push(f);
		var ms = selected.map(function (n) { return byName.get(n); });
		return Promise.all(files.map(function (f) {
			var head = level === 0 ? "c/" + f + ".json" :
			    "l/" + level + "/" + f + ".json";
			return Promise.all([getJSON(head)].concat(ms.map(function (m) {
				return getJSON("m/" + m.key + "/" + (level === 0 ? f :
				    "l" + level + "-" + f) + ".json");
			})));
		})).then(function (parts) {
			return assemble(level, files, parts, ms);
		});
	}
	/* Rows of the view: x (position), time, values and bands per metric,
	 * and what the tooltip and markers need. */
	function assemble(level, files, parts, ms) {
		var bs = bucketSize(level), v = {level: level, bs: bs, pos: [],
		    times: [], commits: [], failed: [], y: [], lo: [], hi: [],
		    ms: ms};
		ms.forEach(function () {
			v.y.push([]);
			v.lo.push([]);
			v.hi.push([]);
		});
		parts.forEach(function (p, fi) {
			var f = files[fi], head = p[0], base, n;
			if (level === 0) {
				base = f * idx.chunk;
				n = head.commits.length;
			} else {
				base = f * idx.chunk;
				n = head.t.length;
			}
			var start = v.pos.length, failed = new Map();
			if (level > 0)
				head.f.forEach(function (x) { failed.set(x[0], x[1]); });
			for (var i = 0; i < n; i++) {
				if (level === 0) {
					var c = head.commits[i];
					v.pos.push(base + i);
					v.times.push(c[1]);
					v.commits.push(c);
					v.failed.push(c[3] ? 1 : 0);
				} else {
					var p0 = (base + i) * bs;
					v.pos.push(Math.min(idx.n - 1, p0 + (bs - 1) / 2));
					v.times.push(head.t[i]);
					v.commits.push(null);
					v.failed.push(failed.get(i) || 0);
				}
			}
			ms.forEach(function (m, mi) {
				var d = p[1 + mi], k;
				for (k = 0; k < n; k++) {
					v.y[mi].push(null);
					v.lo[mi].push(null);
					v.hi[mi].push(null);
				}
				if (level === 0) {
					d.p.forEach(function (q) {
						v.y[mi][start + q[0]] = q[1];
						v.lo[mi][start + q[0]] = q[2];
						v.hi[mi][start + q[0]] = q[3];
					});
				} else {
					for (k = 0; k < n; k++) {
						v.y[mi][start + k] = d.v[k];
						v.lo[mi][start + k] = d.lo[k];
						v.hi[mi][start + k] = d.hi[k];
					}
				}
			});
		});
		return v;
	}

	function buildTree() {
		function node() { return {kids: new Map(), leaves: []}; }
		var root = node();
		metrics.forEach(function (m) {
			var parts = m.name.split("/"), n = root;
			for (var i = 0; i < parts.length - 1; i++) {
				if (!n.kids.has(parts[i]))
					n.kids.set(parts[i], node());
				n = n.kids.get(parts[i]);
			}
			n.leaves.push({label: parts[parts.length - 1], m: m});
		});
		function render(n) {
			var ul = document.createElement("ul");
			Array.from(n.kids.keys()).sort().forEach(function (k) {
				var li = document.createElement("li");
				var d = document.createElement("details");
				var s = document.createElement("summary");
				d.open = true;
				s.textContent = k;
				d.appendChild(s);
				d.appendChild(render(n.kids.get(k)));
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
				cb.value = l.m.name;
				cb.checked = selected.indexOf(l.m.name) >= 0;
				cb.addEventListener("change", function () {
					if (cb.checked) {
						if (selected.indexOf(l.m.name) < 0)
							selected.push(l.m.name);
					} else {
						selected = selected.filter(function (k) {
							return k !== l.m.name;
						});
					}
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
	function syncTree() {
		treeEl.querySelectorAll("li.leaf input").forEach(function (cb) {
			cb.checked = selected.indexOf(cb.value) >= 0;
		});
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
	/* Axis numbers: short (620M, 1.5k, 0.0012), so labels stay short. */
	function fmtNum(v) {
		var a = Math.abs(v), units = [[1e12, "T"], [1e9, "G"], [1e6, "M"],
		    [1e3, "k"]];
		for (var i = 0; i < units.length; i++)
			if (a >= units[i][0])
				return Number((v / units[i][0]).toPrecision(4)) +
				    units[i][1];
		return String(Number(v.toPrecision(4)));
	}
	/* An axis as wide as its longest label, so none is ever cut. */
	function axisSize(u, values, ai, cycle) {
		var axis = u.axes[ai];
		if (cycle > 1)
			return axis._size;
		var size = axis.ticks.size + axis.gap + 4, longest = "";
		(values || []).forEach(function (v) {
			if (String(v).length > longest.length)
				longest = String(v);
		});
		if (longest !== "") {
			u.ctx.font = axis.font[0];
			size += u.ctx.measureText(longest).width / devicePixelRatio;
		}
		return Math.ceil(size);
	}
	function tooltip() {
		var t = document.createElement("div");
		t.className = "tooltip";
		t.hidden = true;
		return t;
	}

	/* The x of position p in the current mode. */
	function xOf(p) { return daysEl.checked ? timeAt(p) : p; }
	function fullRange() {
		return daysEl.checked ? [idx.t0, Math.max(idx.t1, idx.t0 + 1)] :
		    [0, Math.max(1, idx.n - 1)];
	}
	/* The positions the x range [a, b] covers. */
	function posRange(r) {
		if (!daysEl.checked)
			return [r[0], r[1]];
		return [Math.max(0, posAt(r[0]) - 1), Math.min(idx.n - 1,
		    posAt(r[1]) + 1)];
	}

	function data(v) {
		var days = daysEl.checked, d = [v.pos.map(function (p, i) {
			return days ? v.times[i] : p;
		})];
		v.y.forEach(function (ys) { d.push(ys); });
		return d;
	}

	function bandHook(u) {
		if (!view)
			return;
		var ctx = u.ctx, xs = u.data[0];
		if (!bandEl.checked && view.level === 0)
			return;
		ctx.save();
		ctx.beginPath();
		ctx.rect(u.bbox.left, u.bbox.top, u.bbox.width, u.bbox.height);
		ctx.clip();
		view.ms.forEach(function (m, mi) {
			var s = u.series[mi + 1];
			if (!s || !s.show)
				return;
			ctx.fillStyle = colour(m.name, 0.22);
			var w = Math.max(1, Math.min(8, u.bbox.width /
			    Math.max(1, xs.length) * 0.9));
			ctx.beginPath();
			for (var i = 0; i < xs.length; i++) {
				var lo = view.lo[mi][i], hi = view.hi[mi][i];
				if (lo === null || hi === null)
					continue;
				var x = u.valToPos(xs[i], "x", true),
				    y1 = u.valToPos(lo, s.scale, true),
				    y2 = u.valToPos(hi, s.scale, true);
				ctx.rect(x - w / 2, Math.min(y1, y2), w,
				    Math.max(1, Math.abs(y1 - y2)));
			}
			ctx.fill();
		});
		ctx.restore();
	}
	/* Failed runs: red ticks under the plot's bottom edge; change
	 * points: dashed lines and links. */
	function markHook(u) {
		if (!view)
			return;
		var ctx = u.ctx, xs = u.data[0], b = u.bbox;
		var nf = 0, px = devicePixelRatio, y = b.top + b.height;
		/* One path, one fill: a summary view can have a tick per
		 * bucket. */
		ctx.save();
		ctx.fillStyle = "#d32f2f";
		ctx.beginPath();
		for (var i = 0; i < xs.length; i++) {
			if (!view.failed[i])
				continue;
			var x = u.valToPos(xs[i], "x", true);
			if (x < b.left || x > b.left + b.width)
				continue;
			nf++;
			ctx.moveTo(x, y - 9 * px);
			ctx.lineTo(x - 4 * px, y);
			ctx.lineTo(x + 4 * px, y);
			ctx.closePath();
		}
		ctx.fill();
		ctx.restore();
		document.body.dataset.failed = String(nf);
		placeMarkers(u);
	}
	function changeList() {
		var out = [];
		selected.forEach(function (n) {
			var m = byName.get(n);
			m.changes.forEach(function (c) {
				out.push({m: m, pos: c[0], before: c[1], pct: c[2],
				    verdict: c[3], id: c[4]});
			});
		});
		return out;
	}
	function placeMarkers(u) {
		u.over.querySelectorAll(".change-marker").forEach(function (e) {
			e.remove();
		});
		var n = 0;
		changeList().forEach(function (c) {
			var x = u.valToPos(xOf(c.pos), "x");
			if (!(x >= 0 && x <= u.over.clientWidth))
				return;
			var a = document.createElement("a");
			a.className = "change-marker " + (c.verdict < 0 ?
			    "worse" : c.verdict > 0 ? "better" : "neutral");
			a.href = "../change/" + c.id + "/";
			a.style.left = x + "px";
			a.title = c.m.name + ": " + (c.pct > 0 ? "+" : "") +
			    Number(c.pct.toPrecision(3)) + " %";
			var g = document.createElement("span");
			g.textContent = c.verdict < 0 ? "▼" : c.verdict > 0 ? "▲" :
			    "◆";
			a.appendChild(g);
			u.over.appendChild(a);
			n++;
		});
		document.body.dataset.markers = String(n);
	}
	function listChanges() {
		var list = changeList();
		changesEl.replaceChildren();
		changesEl.hidden = list.length === 0;
		if (!list.length)
			return;
		var h = document.createElement("span");
		h.textContent = "Changes: ";
		changesEl.appendChild(h);
		list.slice(0, 20).forEach(function (c) {
			var a = document.createElement("a");
			a.href = "../change/" + c.id + "/";
			a.className = "chip " + (c.verdict < 0 ? "worse" :
			    c.verdict > 0 ? "better" : "");
			a.textContent = c.m.name + " " + (c.pct > 0 ? "+" : "") +
			    Number(c.pct.toPrecision(3)) + " %";
			changesEl.appendChild(a);
		});
	}

	function showTip(u, tip) {
		var i = u.cursor.idx;
		if (i === null || i === undefined || u.cursor.left < 0 || !view) {
			tip.hidden = true;
			return;
		}
		tip.replaceChildren();
		var h = document.createElement("div"), c = view.commits[i];
		h.className = "tip-commit";
		if (c) {
			h.textContent = c[0].slice(0, 10) + " " + fmtDate(c[1]) + " " +
			    c[2];
		} else {
			var p0 = view.pos[i] - (view.bs - 1) / 2;
			h.textContent = "commits " + p0 + "–" +
			    Math.min(idx.n - 1, p0 + view.bs - 1) + " from " +
			    fmtDate(view.times[i]) + " (median, range)";
		}
		tip.appendChild(h);
		var any = false;
		view.ms.forEach(function (m, mi) {
			var y = view.y[mi][i];
			if (y === null || y === undefined)
				return;
			any = true;
			var d = document.createElement("div");
			var lo = view.lo[mi][i], hi = view.hi[mi][i];
			d.textContent = m.name + ": " + Number(y.toPrecision(6)) +
			    " " + (m.unit || "") + (lo !== hi ? " (" +
			    Number(lo.toPrecision(6)) + "–" +
			    Number(hi.toPrecision(6)) + ")" : "");
			d.style.color = colour(m.name);
			tip.appendChild(d);
		});
		if (view.failed[i]) {
			any = true;
			var f = document.createElement("div");
			f.className = "worse";
			f.textContent = c ? "the latest run failed" :
			    view.failed[i] + " failed run" +
			    (view.failed[i] > 1 ? "s" : "");
			tip.appendChild(f);
		}
		tip.hidden = !any;
		var left = u.cursor.left + 12;
		if (left > u.over.clientWidth - 220)
			left = u.cursor.left - 232;
		tip.style.left = left + "px";
		tip.style.top = (u.cursor.top + 12) + "px";
	}

	/* Load what the range needs and show it; later requests win. */
	function refresh(r) {
		var my = ++gen, pr = posRange(r);
		return loadView(pr[0], pr[1]).then(function (v) {
			if (my !== gen || !plot)
				return;
			view = v;
			plot.setData(data(v), false);
			plot.setScale("x", {min: r[0], max: r[1]});
			document.body.dataset.level = String(v.level);
		});
	}
	var pendingZoom = null;
	function draw() {
		if (plot) {
			plot.destroy();
			plot = null;
		}
		view = null;
		document.body.dataset.drawn = "0";
		syncTree();
		listChanges();
		if (selected.length === 0) {
			status(idx.n + " commits; pick metrics on the left");
			return;
		}
		if (idx.n === 0) {
			status("no commits with runs yet");
			return;
		}
		status("loading…");
		var r = range || fullRange(), my = ++gen;
		/* Day mode maps times to positions with the top level. */
		(daysEl.checked ? topP : Promise.resolve()).then(function () {
			var pr = posRange(r);
			return Promise.all([loadView(pr[0], pr[1]), topP, uplotP]);
		}).then(function (vt) {
			var v = vt[0];
			if (my !== gen)
				return;
			view = v;
			var days = daysEl.checked, units = [], scales = {x: {time: days,
			    auto: false, range: function (u, lo, hi) {
				return [lo, hi];
			    }}};
			var axes = [{}], series = [{label: "commit",
			    value: function (u, x, si, i) {
				if (i === null || !view || i >= view.pos.length)
					return "--";
				var c = view.commits[i];
				return c ? c[0].slice(0, 10) + " " + fmtDate(c[1]) :
				    fmtDate(view.times[i]);
			    }}];
			v.ms.forEach(function (m) {
				var unit = m.unit || "";
				if (units.indexOf(unit) < 0) {
					units.push(unit);
					scales["u" + unit] = {auto: true};
					axes.push({scale: "u" + unit, label: unit,
					    side: units.length % 2 ? 3 : 1,
					    stroke: "currentColor", size: axisSize,
					    values: function (u, vals) {
						return vals.map(fmtNum);
					    },
					    grid: {show: units.length === 1}});
				}
				series.push({label: m.name, scale: "u" + unit,
				    stroke: colour(m.name), width: 1.5,
				    spanGaps: true, points: {show: true, size: 4},
				    value: function (u, y) {
					return y === null || y === undefined ? "--" :
					    String(Number(y.toPrecision(6)));
				    }});
			});
			/* Dates need room: at most one label per 100 px. */
			axes[0] = {stroke: "currentColor", space: 100, values: days ?
			    undefined : function (u, splits) {
				return splits.map(function (x) {
					return Math.round(x) === x && x >= 0 &&
					    x < idx.n ? fmtDate(timeAt(x)) : "";
				});
			}};
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
					drawAxes: [bandHook],
					draw: [markHook],
					setScale: [function (u, key) {
						if (key !== "x" || !view)
							return;
						var lo = u.scales.x.min, hi = u.scales.x.max,
						    f = fullRange();
						var full = lo <= f[0] && hi >= f[1];
						var nr = full ? null : [lo, hi];
						if (String(nr) !== String(range)) {
							range = nr;
							writeHash();
						}
						/* Zoomed: load the finer level it needs. */
						clearTimeout(pendingZoom);
						pendingZoom = setTimeout(function () {
							var pr = posRange([lo, hi]);
							var want = levelFor(Math.max(0, pr[0]),
							    Math.min(idx.n - 1, pr[1]));
							var have0 = view.pos[0], have1 =
							    view.pos[view.pos.length - 1];
							if (want !== view.level ||
							    pr[0] < have0 - view.bs ||
							    pr[1] > have1 + view.bs)
								refresh([lo, hi]);
						}, 50);
					}],
					setCursor: [function (u) { showTip(u, tip); }]
				}
			};
			plot = new uPlot(opts, data(v), plotEl);
			/* For the browser tests and the console. */
			window.tjPlot = plot;
			plot.setScale("x", {min: r[0], max: r[1]});
			plot.over.appendChild(tip);
			plot.over.addEventListener("mousedown", function (e) {
				down = [e.clientX, e.clientY];
			});
			/* A click opens the commit under the cursor (a summary
			 * zooms in), unless a second click makes it a
			 * double-click (reset zoom). */
			var pending = null;
			plot.over.addEventListener("click", function (e) {
				if (!down || Math.abs(e.clientX - down[0]) > 3 ||
				    !view)
					return;
				var i = plot.cursor.idx;
				if (i === null || i === undefined)
					return;
				var hit = false;
				for (var s = 1; s < plot.data.length; s++)
					if (plot.data[s][i] !== null)
						hit = true;
				if (!hit)
					return;
				clearTimeout(pending);
				var c = view.commits[i], x = plot.data[0][i],
				    w = (plot.scales.x.max - plot.scales.x.min) / 16;
				pending = setTimeout(function () {
					if (c)
						location.href = "../commit/" + c[0] + "/";
					else
						plot.setScale("x", {min: x - w, max: x + w});
				}, 300);
			});
			plot.over.addEventListener("dblclick", function () {
				clearTimeout(pending);
				pending = null;
				range = null;
				writeHash();
				refresh(fullRange());
			});
			status(idx.n + " commits, " + v.ms.length + " metric" +
			    (v.ms.length > 1 ? "s" : ""));
			document.body.dataset.level = String(v.level);
			document.body.dataset.drawn = String(v.ms.length);
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
	bandEl.addEventListener("change", function () {
		writeHash();
		if (plot)
			plot.redraw(false);
	});
	window.addEventListener("resize", function () {
		if (plot)
			plot.setSize({width: Math.max(300, plotEl.clientWidth),
			    height: plot.height});
	});
	window.addEventListener("hashchange", function () {
		if (!idx)
			return;
		if (!readHash())
			selected = idx.dflt.slice(0, MAX_SELECTED);
		draw();
	});
	loadIndex(3).then(function () {
		/* No valid metric in the fragment: the default view (the
		 * metrics of the latest changes, else the first metric). */
		if (!readHash())
			selected = idx.dflt.slice(0, MAX_SELECTED);
		buildTree();
		draw();
	}).catch(function (e) {
		status("cannot load the graph data: " + e.message);
	});
})();
