// changes.js: filter the table of changes/ by kind, metric, ref and state
// (the page is complete without it).
"use strict";
(function () {
	var form = document.getElementById("change-filters");
	var table = document.getElementById("changes");
	if (!form || !table) return;
	form.hidden = false;
	function apply() {
		var kind = form.elements.kind.value, metric = form.elements.metric.value;
		var ref = form.elements.ref.value, all = form.elements.all.checked;
		var rows = table.tBodies[0].rows;
		for (var i = 0; i < rows.length; i++) {
			var d = rows[i].dataset;
			rows[i].hidden = (kind && d.kind !== kind) ||
			    (metric && d.metric !== metric) ||
			    (ref && d.ref !== ref) ||
			    (!all && d.hidden === "1");
		}
	}
	form.addEventListener("change", apply);
	apply();
})();
