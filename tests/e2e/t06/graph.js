// graph.js URL METRIC1 METRIC2: drive the graph page in headless Chromium
// (Debian's, through playwright-core): select metrics, draw, filter, hover,
// zoom, reset, click a point. Prints one JSON object of findings; exits 1
// on a console error, a failed request or an exception.
"use strict";
const path = require("path");
const top = process.env.TJ_TOP || path.join(__dirname, "../../..");
const { chromium } = require(path.join(top, "node_modules/playwright-core"));

const [url, m1, m2] = process.argv.slice(2);
const out = { errors: [] };

async function ink(page) {
	return page.evaluate(() => {
		const c = document.querySelector("#plot canvas");
		const g = c.getContext("2d");
		const d = g.getImageData(0, 0, c.width, c.height).data;
		let n = 0;
		for (let i = 3; i < d.length; i += 4)
			if (d[i] !== 0)
				n++;
		return n;
	});
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
		const page = await browser.newPage({ viewport: { width: 1200,
		    height: 800 } });
		page.setDefaultTimeout(15000);
		page.on("console", (m) => {
			if (m.type() === "error")
				out.errors.push("console: " + m.text());
		});
		page.on("pageerror", (e) => out.errors.push("page: " + e));
		page.on("requestfailed", (r) => out.errors.push("failed: " +
		    r.url()));
		out.bytes = 0;
		page.on("response", async (r) => {
			if (r.status() >= 400)
				out.errors.push(r.status() + " " + r.url());
		});
		page.on("requestfinished", async (r) => {
			try {
				const s = await r.sizes();
				out.bytes += s.responseBodySize;
			} catch (e) { /* the page navigated away */ }
		});
		let mreq = 0;
		page.on("request", (r) => {
			if (/\/graph\/m\//.test(r.url()))
				mreq++;
		});
		const t0 = Date.now();
		// No fragment: the default view is drawn at once.
		await page.goto(url, { waitUntil: "load" });
		await page.waitForSelector('body[data-drawn="1"]');
		out.first_paint_ms = Date.now() - t0;
		out.first_load_bytes = out.bytes;
		out.default_checked = await page.evaluate(() => Array.from(
		    document.querySelectorAll("#tree input:checked"))
		    .map((e) => e.value));
		out.default_hash = await page.evaluate(() => location.hash);
		out.markers = await page.evaluate(() => document.body.dataset.markers);
		out.failed_marks = await page.evaluate(() =>
		    document.body.dataset.failed);
		for (const v of out.default_checked)
			await page.uncheck(`#tree input[value="${v.replace(/"/g, '\\"')}"]`);
		await page.waitForSelector('body[data-drawn="0"]');
		const box = `#tree label[title="${m1}"] input`;
		await page.check(box);
		await page.waitForSelector('body[data-drawn="1"]');
		out.hash1 = await page.evaluate(() => location.hash);
		out.inked = await ink(page);
		out.status = await page.textContent("#status");
		// The spread band adds ink and goes into the fragment.
		await page.check("#band");
		await page.waitForFunction(() => location.hash.includes("b=1"));
		out.inked_band = await ink(page);
		out.hash_band = await page.evaluate(() => location.hash);
		await page.uncheck("#band");
		await page.check(`#tree label[title="${m2}"] input`);
		await page.waitForSelector('body[data-drawn="2"]');
		out.hash2 = await page.evaluate(() => location.hash);
		out.legend = await page.evaluate(() => Array.from(
		    document.querySelectorAll(".u-legend .u-series th"))
		    .map((e) => e.textContent.trim()));
		// The filter box hides what does not match.
		await page.fill("#filter", "fannkuch");
		out.visible_leaves = await page.evaluate(() => Array.from(
		    document.querySelectorAll("#tree li.leaf"))
		    .filter((li) => !li.hidden).map((li) => li.dataset.name));
		await page.fill("#filter", "");
		// Hover: a tooltip with the commit and the values.
		const over = await page.$("#plot .u-over");
		const b = await over.boundingBox();
		await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2);
		await page.waitForSelector("#plot .tooltip:not([hidden])");
		out.tooltip = await page.textContent("#plot .tooltip");
		// Drag to zoom: the range goes into the fragment.
		await page.mouse.move(b.x + b.width * 0.2, b.y + b.height / 2);
		await page.mouse.down();
		await page.mouse.move(b.x + b.width * 0.6, b.y + b.height / 2,
		    { steps: 5 });
		await page.mouse.up();
		out.hash_zoomed = await page.evaluate(() => location.hash);
		// Reload: metrics and range come back from the fragment.
		await page.reload({ waitUntil: "load" });
		await page.waitForSelector('body[data-drawn="2"]');
		out.checked_after_reload = await page.evaluate(() => Array.from(
		    document.querySelectorAll("#tree input:checked")).length);
		out.hash_reloaded = await page.evaluate(() => location.hash);
		// Double-click resets the zoom.
		await page.mouse.dblclick(b.x + b.width / 2, b.y + b.height / 2);
		await page.waitForTimeout(200);
		out.hash_reset = await page.evaluate(() => location.hash);
		// The day-equidistant toggle redraws on a time axis.
		await page.check("#days");
		await page.waitForFunction(() => location.hash.includes("d=1"));
		await page.waitForSelector('body[data-drawn="2"]');
		out.hash_days = await page.evaluate(() => location.hash);
		// Click a point: its commit opens.
		await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2);
		await page.waitForTimeout(100);
		await Promise.all([
			page.waitForURL(/\/commit\/[0-9a-f]{40}\/$/),
			page.mouse.click(b.x + b.width / 2, b.y + b.height / 2),
		]);
		out.clicked_to = page.url();
		out.commit_title = await page.textContent("h1");
		// Hostile fragments: unknown names (Object.prototype's
		// included) are dropped, and a name repeated 2,000 times is
		// fetched once.
		const graph = url.replace(/#.*/, "");
		for (const [k, frag] of [["proto", "#m=constructor&m=toString&m=hasOwnProperty&m=valueOf"],
		    ["bad_escape", "#m=%E0%A4%A&x=5,1&d=2"]]) {
			await page.goto("about:blank");
			await page.goto(graph + frag, { waitUntil: "load" });
			await page.waitForSelector('body[data-drawn="1"]');
			out[k + "_checked"] = await page.evaluate(() => Array.from(
			    document.querySelectorAll("#tree input:checked"))
			    .map((e) => e.value));
		}
		await page.goto("about:blank");
		mreq = 0;
		await page.goto(graph + "#" + Array(2000).fill("m=" + m1).join("&"),
		    { waitUntil: "load" });
		await page.waitForSelector('body[data-drawn="1"]');
		out.repeated_fetches = mreq;
		out.repeated_hash_checked = await page.evaluate(() =>
		    document.querySelectorAll("#tree input:checked").length);
		// Object.prototype names as metrics draw like any other.
		for (const m of (process.env.TJ_PROTO_METRICS || "").split("\n")) {
			if (!m)
				continue;
			await page.goto("about:blank");
			await page.goto(graph + "#m=" + encodeURIComponent(m)
			    .replace(/%2F/g, "/"), { waitUntil: "load" });
			await page.waitForSelector('body[data-drawn="1"]');
			out.proto_drawn = (out.proto_drawn || []).concat([
			    await page.evaluate(() => Array.from(document
			    .querySelectorAll("#tree input:checked"))
			    .map((e) => e.value).join(","))]);
		}
		// A large metric: every y label fits its axis.
		if (process.env.TJ_BIG_METRIC) {
			await page.goto("about:blank");
			await page.goto(graph + "#m=" + process.env.TJ_BIG_METRIC,
			    { waitUntil: "load" });
			await page.waitForSelector('body[data-drawn="1"]');
			out.big = await page.evaluate(() => {
				const u = window.tjPlot;
				const a = u.axes[1];
				u.ctx.font = a.font[0];
				const w = Math.max(...a._values.map((v) =>
				    u.ctx.measureText(v).width / devicePixelRatio));
				const can = u.root.querySelector("canvas")
				    .getBoundingClientRect();
				const over = u.over.getBoundingClientRect();
				return { labels: a._values, label_width: w,
				    room: over.left - can.left - a.ticks.size -
				    a.gap };
			});
		}
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
