// every.js BASE LIST: open every page LIST names (one path under BASE a
// line) in headless Chromium and report, per page, any console error,
// uncaught exception, failed request or HTTP error. Prints one JSON object
// {pages, errors: [[path, what], ...]}; exits 1 when there is any.
"use strict";
const fs = require("fs");
const { launch } = require("./browser");

const [base, list] = process.argv.slice(2);
// An empty line is the site's root.
const pages = fs.readFileSync(list, "utf8").replace(/\n$/, "").split("\n");
const out = { pages: 0, errors: [] };

async function main() {
	const browser = await launch();
	try {
		const page = await browser.newPage();
		page.setDefaultTimeout(15000);
		let cur = "";
		page.on("console", (m) => {
			if (m.type() === "error")
				out.errors.push([cur, "console: " + m.text()]);
		});
		page.on("pageerror", (e) => out.errors.push([cur, "page: " + e]));
		page.on("requestfailed", (r) => {
			// A navigation away cancels what is still loading.
			if (!/ERR_ABORTED/.test(r.failure() && r.failure().errorText))
				out.errors.push([cur, "failed: " + r.url()]);
		});
		page.on("response", (r) => {
			if (r.status() >= 400)
				out.errors.push([cur, r.status() + " " + r.url()]);
		});
		for (const p of pages) {
			cur = p;
			await page.goto(base + p, { waitUntil: "load" });
			// Let the scripts run: fetches, timers of a few 100 ms.
			await page.waitForLoadState("networkidle");
			if (/(^|\/)graph\/($|#)/.test(p))
				await page.waitForFunction(() =>
				    document.body.dataset.drawn !== undefined);
			out.pages++;
		}
	} finally {
		await browser.close();
	}
}

main().then(() => {
	console.log(JSON.stringify(out));
	process.exit(out.errors.length ? 1 : 0);
}, (e) => {
	out.errors.push(["", "driver: " + (e && e.stack || e)]);
	console.log(JSON.stringify(out));
	process.exit(1);
});
