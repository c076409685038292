/* site.js: what the site's scripts share: paths and resolving names. */
"use strict";
var TJ = (function () {
	/* The directory of a run, as lib/esc.c names it on disk. */
	function runPath(id) {
		if (!/^[A-Za-z0-9._-]{1,64}$/.test(id))
			return null;
		return "run/" + (id[0] === "." ? "~2E" + id.slice(1) : id) + "/";
	}
	function getJSON(url) {
		return fetch(url, {cache: "no-cache"}).then(function (r) {
			if (!r.ok)
				throw new Error(url + ": " + r.status);
			return r.json();
		});
	}
	/*
	 * Resolve q (a ref name, a hash prefix of 4+ hex digits or a run id)
	 * through go/: {hash, run} (run may be null), or an Error.
	 */
	function resolve(root, q) {
		q = q.trim();
		return getJSON(root + "go/refs.json").then(function (refs) {
			var r = Object.prototype.hasOwnProperty.call(refs.refs, q) ?
			    refs.refs[q] : null;
			if (r)
				return {hash: r[0], run: r[1]};
			if (/^[0-9a-fA-F]{4,40}$/.test(q)) {
				var p = q.toLowerCase();
				return getJSON(root + "go/h/" + p.slice(0, 2) +
				    ".json").catch(function () {
					return {hashes: {}};
				}).then(function (shard) {
					var hits = Object.keys(shard.hashes || {}).filter(
					    function (h) { return h.startsWith(p); });
					if (hits.length === 1)
						return {hash: hits[0],
						    run: shard.hashes[hits[0]]};
					if (hits.length > 1)
						throw new Error("'" + q + "' is ambiguous: " +
						    hits.length + " commits start with it");
					return byRun(root, q);
				});
			}
			return byRun(root, q);
		});
	}
	function byRun(root, q) {
		var p = runPath(q);
		if (p === null)
			return Promise.reject(new Error("no ref, commit or run '" +
			    q + "'"));
		return getJSON(root + p + "run.json").then(function (run) {
			return {hash: run.commit.hash, run: run.id};
		}, function () {
			throw new Error("no ref, commit or run '" + q + "'");
		});
	}
	return {runPath: runPath, getJSON: getJSON, resolve: resolve};
})();
