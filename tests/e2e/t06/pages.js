// pages.js BASE RUN_A RUN_B PREFIX [BASE_RUN RUN]: drive compare/, go/ and
// queue/ in headless Chromium; with BASE_RUN and RUN (BASE_RUN is RUN's base
// run) compare/ also shows the verdict run.json carries. TJ_QUEUE_CMD is run (a shell command that changes the
// queue and re-renders) while queue/ is open: the page must pick it up.
// Prints one JSON object of findings; exits 1 on any console error.
"use strict";
const { execSync } = require("child_process");
const { launch } = require("./browser");

const [base, a, b, prefix, va, vb] = process.argv.slice(2);
const out = { errors: [] };

async function main() {
	const browser = await launch();
	try {
		const page = await browser.newPage();
		page.setDefaultTimeout(15000);
		page.on("console", (m) => {
			if (m.type() === "error")
				out.errors.push("console: " + m.text());
		});
		page.on("pageerror", (e) => out.errors.push("page: " + e));
		page.on("response", (r) => {
			if (r.status() >= 400)
				out.errors.push(r.status() + " " + r.url());
		});
		await page.goto(`${base}compare/?a=${a}&b=${b}`);
		await page.waitForSelector("#result:not([hidden])");
		out.summary = await page.textContent("#summary");
		out.rows = await page.$$eval("#rows tbody tr", (trs) =>
		    trs.map((tr) => Array.from(tr.children).map((td) =>
		    td.textContent)));
		await page.fill("#filter", "nbody");
		out.filtered = await page.$$eval("#rows tbody tr:not([hidden])",
		    (trs) => trs.map((tr) => tr.children[0].textContent));
		if (va && vb) {
			await page.goto(`${base}compare/?a=${va}&b=${vb}`);
			await page.waitForSelector("#result:not([hidden])");
			out.judged_summary = await page.textContent("#summary");
			out.judged_rows = await page.$$eval("#rows tbody tr",
			    (trs) => trs.map((tr) => [tr.className].concat(
			    Array.from(tr.children).map((td) => td.textContent))));
		}
		// Only a: the form resolves a ref name to its latest run.
		await page.goto(`${base}compare/?a=${a}`);
		await page.fill("#b", "main");
		await Promise.all([page.waitForURL(/\?a=.*&b=/),
		    page.click("#pick button")]);
		out.picked = page.url();
		await page.waitForSelector("#result:not([hidden])");
		// go/: a hash prefix opens its commit.
		await Promise.all([page.waitForURL(/\/commit\/[0-9a-f]{40}\/$/),
		    page.goto(`${base}go/?q=${prefix}`)]);
		out.went_to = page.url();
		// changes/: the hidden rows (suspected from single runs and
		// not confirmed yet, or not confirmed) show only with "all".
		await page.goto(`${base}changes/`);
		await page.waitForSelector("#change-filters:not([hidden])");
		const count = () => page.$$eval("#changes tbody tr", (trs) => [
		    trs.length, trs.filter((t) => !t.hidden).length,
		    trs.filter((t) => t.dataset.hidden === "1").length]);
		out.changes_default = await count();
		await page.check("#change-filters input[name=all]");
		out.changes_all = await count();
		// queue/: refreshes itself from queue.json.
		await page.goto(`${base}queue/`);
		out.total_before = await page.textContent("#total");
		// queue.js rebuilds the tables as queue.html has them: the
		// same rows, classes, <time> elements and notes.
		const snap = () => page.evaluate(() => {
			const norm = (e) => e.outerHTML.replace(/>\s+</g, "><")
			    .replace(/\s+/g, " ").replace(/ </g, "<");
			const all = (sel) => Array.from(
			    document.querySelectorAll(sel)).map(norm);
			return { workers: all("#workers tbody tr"),
			    progress: all("#progress > *"),
			    queue: all("#queue tbody tr"),
			    notes: all("#no-workers, #queue-more") };
		});
		out.queue_static = await snap();
		await page.evaluate(() => fetch("queue.json").then((r) =>
		    r.json()).then(window.tjQueueShow));
		out.queue_rebuilt = await snap();
		out.queue_more = await page.evaluate(() => fetch("queue.json")
		    .then((r) => r.json()).then((q) => {
			q.queue_more = 7;
			window.tjQueueShow(q);
			const a = document.getElementById("queue-more").textContent;
			q.queue_more = 0;
			window.tjQueueShow(q);
			return [a, document.getElementById("queue-more")];
		    }));
		execSync(process.env.TJ_QUEUE_CMD, { stdio: "inherit" });
		await page.waitForFunction((t) =>
		    document.getElementById("total").textContent !== t,
		    out.total_before, { timeout: 12000 });
		out.total_after = await page.textContent("#total");
		out.queue_rows = await page.$$eval("#queue tbody tr",
		    (trs) => trs.length);
		out.refreshed = await page.textContent("#refreshed");
	} finally {
		await browser.close();
	}
}

main().then(() => {
	console.log(JSON.stringify(out));
	process.exit(out.errors.length ? 1 : 0);
}, (e) => {
	out.errors.push("driver: " + (e && e.stack || e));
	console.log(JSON.stringify(out));
	process.exit(1);
});
