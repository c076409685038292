/*
 * compare.js: compare/?a=RUN&b=RUN compares two runs from their run.json.
 * The verdict (better / worse / unchanged, significant or not) is decided
 * by tablejohn (lib/verdict.c) and carried in run.json's measurement rows
 * against the run's base run: when A is B's base run, the rows show that
 * verdict. For any other pair no verdict exists; the rows then only say
 * which way each metric moved, and no change is called significant.
 */
"use strict";
(function () {
	var params = new URLSearchParams(location.search);
	var a = params.get("a"), b = params.get("b");
	var status = document.getElementById("status");
	var inA = document.getElementById("a"), inB = document.getElementById("b");
	if (a)
		inA.value = a;
	if (b)
		inB.value = b;

	/* Resolve a form field to a run id: a ref, a commit or a run. */
	function toRun(q) {
		return TJ.resolve("../", q).then(function (r) {
			if (!r.run)
				throw new Error("commit " + r.hash.slice(0, 10) +
				    " has no run");
			return r.run;
		});
	}
	document.getElementById("pick").addEventListener("submit",
	    function (ev) {
		ev.preventDefault();
		status.textContent = "resolving…";
		Promise.all([toRun(inA.value), toRun(inB.value)]).then(
		    function (ids) {
			location.search = "?a=" + encodeURIComponent(ids[0]) +
			    "&b=" + encodeURIComponent(ids[1]);
		}, function (e) {
			status.textContent = e.message;
		});
	});

	function fmt(v) {
		if (v === null || v === undefined)
			return "";
		var x = Math.abs(v);
		if (x !== 0 && (x >= 1e6 || x < 1e-3))
			return v.toPrecision(4);
		return String(Number(v.toPrecision(6)));
	}
	/* Which way a metric moved from x to m (not a verdict). */
	function moved(d, direction) {
		return d === 0 ? "same" : direction === 0 ? "neutral" :
		    ((d < 0) === (direction < 0) ? "better" : "worse");
	}
	function show(ra, rb) {
		var ma = Object.create(null), rows = [], better = 0, worse = 0, same = 0, logs = 0,
		    nlog = 0, nsig = 0;
		var judged = !!(rb.base_run && rb.base_run.id === ra.id);
		ra.measurements.forEach(function (m) { ma[m.metric] = m; });
		rb.measurements.forEach(function (m) {
			var x = ma[m.metric];
			if (!x || x.median === null || m.median === null)
				return;
			var d = m.median - x.median;
			var pct = x.median !== 0 ? d / Math.abs(x.median) * 100 :
			    (d === 0 ? 0 : Infinity);
			var given = judged && typeof m["class"] === "string" &&
			    m["class"] !== "new";
			var cls = given ? m["class"] : moved(d, m.direction);
			var sig = given ? m.significant === true : null;
			if (cls === "better")
				better++;
			else if (cls === "worse")
				worse++;
			else
				same++;
			if (sig)
				nsig++;
			if (x.median > 0 && m.median > 0) {
				logs += Math.log(m.median / x.median);
				nlog++;
			}
			rows.push({name: m.metric, a: x.median, b: m.median, d: d,
			    pct: pct, cls: cls, sig: sig, unit: m.unit || ""});
		});
		rows.sort(function (p, q) {
			return Math.abs(q.pct) - Math.abs(p.pct);
		});
		var tb = document.querySelector("#rows tbody");
		rows.forEach(function (r) {
			var tr = document.createElement("tr");
			tr.className = r.cls + (r.sig ? " sig" : "");
			[r.name, fmt(r.a), fmt(r.b), (r.d > 0 ? "+" : "") + fmt(r.d),
			    isFinite(r.pct) ? (r.pct > 0 ? "+" : "") +
			    r.pct.toFixed(2) + "%" : "", r.unit, r.sig === null ?
			    "–" : r.sig ? "significant" : "within noise"].forEach(
			    function (t, i) {
				var td = document.createElement("td");
				td.textContent = t;
				if (i > 0 && i < 5)
					td.className = i > 2 ? "num delta" : "num";
				tr.appendChild(td);
			});
			tr.dataset.name = r.name.toLowerCase();
			tb.appendChild(tr);
		});
		var s = document.getElementById("summary");
		s.replaceChildren();
		function lnk(run) {
			var e = document.createElement("a");
			e.href = "../" + TJ.runPath(run.id);
			e.textContent = run.id + " (" + run.commit.short + ")";
			return e;
		}
		s.appendChild(document.createTextNode("B "));
		s.appendChild(lnk(rb));
		s.appendChild(document.createTextNode(" against A "));
		s.appendChild(lnk(ra));
		s.appendChild(document.createTextNode(": " + better + " better, " +
		    worse + " worse, " + same + " unchanged or neutral; " +
		    "geometric mean of the ratios B/A " + (nlog ?
		    Math.exp(logs / nlog).toFixed(4) : "n/a") + ". " +
		    (judged ? nsig + " significant (A is B's base run)." :
		    "Significance is judged against a run's base run only: " +
		    "A is not B's base run.")));
		document.getElementById("result").hidden = false;
		status.textContent = "";
		document.getElementById("filter").addEventListener("input",
		    function (ev) {
			var f = ev.target.value.toLowerCase();
			tb.querySelectorAll("tr").forEach(function (tr) {
				tr.hidden = f !== "" && tr.dataset.name.indexOf(f) < 0;
			});
		});
	}
	if (a && b) {
		var pa = TJ.runPath(a), pb = TJ.runPath(b);
		if (pa === null || pb === null) {
			status.textContent = "bad run id";
			return;
		}
		status.textContent = "loading…";
		Promise.all([TJ.getJSON("../" + pa + "run.json"),
		    TJ.getJSON("../" + pb + "run.json")]).then(function (r) {
			show(r[0], r[1]);
		}, function (e) {
			status.textContent = "cannot load the runs: " + e.message;
		});
	} else if (a) {
		status.textContent = "Pick run B: a run id, a commit hash " +
		    "prefix or a ref name (its commit's latest run).";
		inB.focus();
	}
})();
