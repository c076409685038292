// browser.js: headless Chromium for the site's browser tests, started as
// this machine needs it (no sandbox as root, no background networking:
// the network is closed). TJ_CHROMIUM overrides the binary.
"use strict";
const path = require("path");
const top = process.env.TJ_TOP || path.join(__dirname, "../../..");
const { chromium } = require(path.join(top, "node_modules/playwright-core"));

function launch() {
	return chromium.launch({
		executablePath: process.env.TJ_CHROMIUM || "/usr/bin/chromium",
		timeout: 30000,
		args: ["--no-sandbox", "--disable-gpu", "--disable-quic",
		    "--no-first-run", "--disable-background-networking",
		    "--disable-component-update", "--disable-sync"],
	});
}

module.exports = { launch };
