/* queue.js: refresh the queue page from queue.json every 5 s. */
"use strict";
(function () {
	function el(tag, text, cls) {
		var e = document.createElement(tag);
		if (text !== undefined && text !== null)
			e.textContent = String(text);
		if (cls)
			e.className = cls;
		return e;
	}
	function link(href, text, code) {
		var a = el("a");
		a.href = "../" + href;
		if (code)
			a.appendChild(el("code", text));
		else
			a.textContent = text;
		return a;
	}
	function row(cells) {
		var tr = el("tr");
		cells.forEach(function (c) {
			var td = el("td");
			if (c instanceof Node)
				td.appendChild(c);
			else if (c !== null && c !== undefined)
				td.textContent = String(c);
			tr.appendChild(td);
		});
		return tr;
	}
	function commit(c) {
		var s = el("span");
		if (!c)
			return s;
		s.appendChild(link(c.url, c.short, true));
		s.appendChild(document.createTextNode(" " + c.summary));
		return s;
	}
	function output(lines) {
		var pre = el("pre", null, "output");
		(lines || []).forEach(function (l) {
			pre.appendChild(el("span", l.text, "line " + l.source_name));
			pre.appendChild(document.createTextNode("\n"));
		});
		return pre;
	}
	function show(q) {
		var wb = document.querySelector("#workers tbody");
		var qb = document.querySelector("#queue tbody");
		var pr = document.getElementById("progress");
		wb.replaceChildren();
		q.workers.forEach(function (w) {
			var run = el("span");
			if (w.run) {
				run.appendChild(el("code", w.run.id));
				if (w.run.commit) {
					run.appendChild(document.createTextNode(" "));
					run.appendChild(link(w.run.commit.url,
					    w.run.commit.short, true));
				}
			}
			wb.appendChild(row([link(w.url, w.name),
			    el("span", w.status, "state " + w.status),
			    w.last_seen, run, w.info]));
		});
		pr.replaceChildren();
		if (q.in_progress.length === 0)
			pr.appendChild(el("p", "Nothing is running.", "muted"));
		q.in_progress.forEach(function (p) {
			var d = el("div", null, "progress"), h = el("p");
			h.appendChild(el("code", p.id));
			h.appendChild(document.createTextNode(" on "));
			h.appendChild(link(p.worker_url, p.worker));
			if (p.commit) {
				h.appendChild(document.createTextNode(" for "));
				h.appendChild(commit(p.commit));
			}
			d.appendChild(h);
			d.appendChild(output(p.last_output));
			pr.appendChild(d);
		});
		qb.replaceChildren();
		q.queue.forEach(function (e) {
			qb.appendChild(row([e.pos, commit(e.commit), e.priority,
			    el("span", e.reason, "reason " + e.reason_kind),
			    e.added, e.reserved_by]));
		});
		document.getElementById("total").textContent = q.queue_total;
		document.getElementById("refreshed").textContent =
		    "Refreshed " + new Date().toLocaleTimeString() +
		    "; refreshes every 5 s.";
	}
	function tick() {
		fetch("queue.json", {cache: "no-store"}).then(function (r) {
			if (!r.ok)
				throw new Error(r.status);
			return r.json();
		}).then(show).catch(function (e) {
			document.getElementById("refreshed").textContent =
			    "Could not refresh (" + e.message + "); retrying.";
		});
	}
	setInterval(tick, 5000);
})();
