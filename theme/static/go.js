/* go.js: go/?q=NAME opens the commit of a ref name, hash prefix or run. */
"use strict";
(function () {
	var form = document.getElementById("go");
	var input = document.getElementById("q");
	var status = document.getElementById("status");
	function go(q) {
		status.textContent = "looking up " + q + "…";
		TJ.resolve("../", q).then(function (r) {
			location.href = "../commit/" + r.hash + "/";
		}, function (e) {
			status.textContent = e.message;
		});
	}
	form.addEventListener("submit", function (ev) {
		ev.preventDefault();
		if (input.value.trim() !== "")
			go(input.value);
	});
	var q = new URLSearchParams(location.search).get("q");
	if (q) {
		input.value = q;
		go(q);
	}
})();
