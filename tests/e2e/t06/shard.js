// shard.js URL...: open each URL (a commit/<hash>/ without a page of its
// own, or a short hash) in headless Chromium and report where it ended:
// one JSON line per URL {url, final, target, errors}, where target is the
// id of the element the fragment points at (the :target), or null.
"use strict";
const { launch } = require("./browser");

async function main() {
	const browser = await launch();
	try {
		for (const url of process.argv.slice(2)) {
			const page = await browser.newPage();
			const errors = [];
			page.setDefaultTimeout(15000);
			page.on("console", (m) => {
				if (m.type() === "error" &&
				    !/status of 404/.test(m.text()))
					errors.push("console: " + m.text());
			});
			page.on("pageerror", (e) => errors.push("page: " + e));
			await page.goto(url);
			// The 404 page replaces itself; wait until a page of the
			// site (not 404.html) has loaded.
			for (let i = 0; i < 100; i++) {
				const done = await page.evaluate(() =>
				    document.readyState === "complete" &&
				    !/^Not found$/.test((document.querySelector("h1") ||
				    {}).textContent || "") &&
				    !/\/go\/\?q=/.test(location.href)).catch(() => false);
				if (done)
					break;
				await page.waitForTimeout(100);
			}
			const target = await page.evaluate(() => {
				const t = document.querySelector(":target");
				return t ? t.id : null;
			});
			console.log(JSON.stringify({url, final: page.url(), target,
			    errors}));
			await page.close();
		}
	} finally {
		await browser.close();
	}
}
main().catch((e) => {
	console.error(e);
	process.exit(1);
});
