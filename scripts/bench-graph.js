// bench-graph.js BASE N: the graph page's first load and first paint in
// headless Chromium (a fresh context each, nothing cached), a baseline page
// in the same browser, then a zoom into 500 commits in the middle. Prints
// one JSON object.
"use strict";
const path = require("path");
const top = process.env.TJ_TOP || path.join(__dirname, "..");
const { chromium } = require(path.join(top, "node_modules/playwright-core"));

const [base, n] = process.argv.slice(2);
const out = { errors: [] };

async function visit(browser, url, wait) {
	const ctx = await browser.newContext({ viewport: { width: 1200,
	    height: 800 } });
	const page = await ctx.newPage();
	page.setDefaultTimeout(60000);
	const r = { bytes: 0, data: [] };
	page.on("console", (m) => {
		if (m.type() === "error")
			out.errors.push("console: " + m.text());
	});
	page.on("pageerror", (e) => out.errors.push("page: " + e));
	page.on("response", (x) => {
		if (x.status() >= 400)
			out.errors.push(x.status() + " " + x.url());
	});
	page.on("requestfinished", async (x) => {
		try {
			r.bytes += (await x.sizes()).responseBodySize;
		} catch (e) { /* gone */ }
		const u = new URL(x.url()).pathname;
		if (/\/graph\/(c|l|m)\//.test(u))
			r.data.push(u.replace(/.*\/graph\//, ""));
	});
	const t0 = Date.now();
	await page.goto(url, { waitUntil: "load" });
	await page.waitForSelector(wait);
	r.paint_ms = Date.now() - t0;
	// Let the last responses be counted.
	await page.waitForTimeout(300);
	r.level = await page.evaluate(() => document.body.dataset.level);
	return { ctx, page, r };
}

async function main() {
	const browser = await chromium.launch({
		executablePath: process.env.TJ_CHROMIUM || "/usr/bin/chromium",
		timeout: 30000,
		args: ["--no-sandbox", "--disable-gpu", "--disable-quic",
		    "--no-first-run", "--disable-background-networking",
		    "--disable-component-update", "--disable-sync"],
	});
	try {
		// Warm the browser itself once, then measure.
		let v = await visit(browser, base + "baseline/",
		    'body[data-drawn="1"]');
		await v.ctx.close();
		v = await visit(browser, base + "baseline/", 'body[data-drawn="1"]');
		out.baseline = v.r;
		await v.ctx.close();
		v = await visit(browser, base + "graph/", 'body[data-drawn="1"]');
		// A copy: v.r goes on counting what the zoom below loads.
		out.graph = { ...v.r, data: v.r.data.slice() };
		out.graph.data_requests = v.r.data.length;
		// Zoom into 500 commits in the middle: only their chunk(s).
		const mid = Math.floor(Number(n) / 2);
		const before = v.r.bytes, seen = v.r.data.length;
		const name = await v.page.evaluate(() =>
		    document.querySelector("#tree input:checked").value);
		await v.page.evaluate(([m, a, b]) => {
			location.hash = "m=" + encodeURIComponent(m)
			    .replace(/%2F/g, "/") + "&x=" + a + "," + b;
		}, [name, mid, mid + 500]);
		await v.page.waitForSelector('body[data-level="0"]');
		await v.page.waitForSelector('body[data-drawn="1"]');
		await v.page.waitForTimeout(300);
		out.zoom = { level: "0", bytes: v.r.bytes - before,
		    data: v.r.data.slice(seen) };
		await v.ctx.close();
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
