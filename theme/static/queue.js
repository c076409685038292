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
	/* A commit as commitlink.html has it, appended to parent. */
	function commit(c, parent) {
		if (!c)
			return;
		parent.appendChild(link(c.url, c.short, true));
		parent.appendChild(document.createTextNode(" " + c.summary));
	}
	function output(lines) {
		var pre = el("pre", null, "output");
		(lines || []).forEach(function (l) {
			pre.appendChild(el("span", l.text, "line " + l.source_name));
			pre.appendChild(document.createTextNode("\n"));
		});
		return pre;
	}
	function cell(c, cls) {
		var td = el("td", null, cls);
		if (c instanceof Node)
			td.appendChild(c);
		else if (c !== null && c !== undefined)
			td.textContent = String(c);
		return td;
	}
	/* A paragraph after the element after, with id: made, updated or
	 * removed, as the template has it or not. */
	function note(after, id, text) {
		var p = document.getElementById(id);
		if (text === null) {
			if (p)
				p.remove();
			return;
		}
		if (!p) {
			p = el("p", null, "muted");
			p.id = id;
			after.after(p);
		}
		p.textContent = text;
	}
	/* The same rows, classes and <time> elements as queue.html. */
	function show(q) {
		var wb = document.querySelector("#workers tbody");
		var qb = document.querySelector("#queue tbody");
		var pr = document.getElementById("progress");
		wb.replaceChildren();
		q.workers.forEach(function (w) {
			var tr = el("tr"), run_td = el("td");
			if (w.run) {
				run_td.appendChild(el("code", w.run.id));
				if (w.run.commit) {
					run_td.appendChild(document.createTextNode(" "));
					run_td.appendChild(link(w.run.commit.url,
					    w.run.commit.short, true));
				}
			}
			tr.appendChild(cell(link(w.url, w.name)));
			tr.appendChild(cell(el("span", w.status, "state " +
			    w.status)));
			tr.appendChild(cell(el("time", w.last_seen)));
			tr.appendChild(run_td);
			tr.appendChild(cell(w.info, "info"));
			wb.appendChild(tr);
		});
		note(document.getElementById("workers").parentNode, "no-workers",
		    q.workers.length ? null : "No worker has reported yet.");
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
				commit(p.commit, h);
			}
			if (p.start) {
				h.appendChild(document.createTextNode(", since "));
				h.appendChild(el("time", p.start));
			}
			d.appendChild(h);
			d.appendChild(output(p.last_output));
			pr.appendChild(d);
		});
		qb.replaceChildren();
		q.queue.forEach(function (e) {
			var tr = el("tr"), c = el("td");
			tr.appendChild(cell(e.pos, "num"));
			commit(e.commit, c);
			tr.appendChild(c);
			tr.appendChild(cell(e.priority, "num"));
			tr.appendChild(cell(el("span", e.reason, "reason " +
			    e.reason_kind)));
			tr.appendChild(cell(el("time", e.added)));
			tr.appendChild(cell(e.reserved_by));
			qb.appendChild(tr);
		});
		note(document.getElementById("queue").parentNode, "queue-more",
		    q.queue_more ? "… and " + q.queue_more + " more." : null);
		document.getElementById("total").textContent = q.queue_total;
		document.getElementById("refreshed").textContent =
		    "Refreshed " + new Date().toLocaleTimeString() +
		    "; refreshes every 5 s.";
	}
	/* For the browser tests. */
	window.tjQueueShow = show;
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
