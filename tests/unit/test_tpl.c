/* test_tpl: the template engine: escaping, sections, partials, errors. */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "err.h"
#include "tpl.h"
#include "t.h"

static struct tpl_set *set;

/* Render text as template "t" with the JSON model; "ERR: msg" on error. */
static char *
render(const char *text, const char *json)
{
	cJSON *m = cJSON_Parse(json);
	struct buf b;

	buf_init(&b, 0);
	if (tpl_add(set, "t", "t.html", text, strlen(text)) < 0 ||
	    tpl_render(set, "t", m, &b) < 0) {
		buf_reset(&b);
		T_INT_EQ(buf_addf(&b, "ERR: %s", err_get()), 0);
	}
	cJSON_Delete(m);
	return buf_take(&b);
}

#define CHECK(text, json, want) do {					\
		char *got_ = render(text, json);			\
		T_STR_EQ(got_, want);					\
		free(got_);						\
	} while (0)

int
main(void)
{
	char dir[] = "/tmp/tj-test-tpl.XXXXXX", *cmd;
	struct buf b;
	cJSON *m;

	set = tpl_new();
	CHECK("Hi {{name}}!", "{\"name\":\"<b>&\\\"'\"}",
	    "Hi &lt;b&gt;&amp;&quot;&#39;!");
	CHECK("{{ name }}", "{\"name\":\"x\"}", "x");
	CHECK("[{{missing}}]", "{}", "[]");
	CHECK("{{n}} {{f}} {{t}} {{z}}", "{\"n\":42,\"f\":1.5,\"t\":true,"
	    "\"z\":null}", "42 1.5 true ");
	CHECK("{{{msg_html}}}", "{\"msg_html\":\"<p>ok</p>\"}", "<p>ok</p>");
	CHECK("{{#l}}<{{.}}>{{/l}}", "{\"l\":[\"a\",\"b\",\"<\"]}",
	    "<a><b><&lt;>");
	CHECK("{{#l}}{{x}}{{y}},{{/l}}", "{\"y\":\"Y\",\"l\":[{\"x\":1},"
	    "{\"x\":2,\"y\":\"z\"}]}", "1Y,2z,");
	CHECK("{{#o}}{{a.b}}{{/o}}", "{\"o\":{\"a\":{\"b\":\"deep\"}}}",
	    "deep");
	CHECK("{{o.a.b}}", "{\"o\":{\"a\":{\"b\":\"deep\"}}}", "deep");
	CHECK("{{#e}}x{{/e}}{{^e}}empty{{/e}}", "{\"e\":[]}", "empty");
	CHECK("{{#z}}x{{/z}}{{^z}}zero{{/z}}", "{\"z\":0}", "zero");
	CHECK("{{#s}}{{.}}{{/s}}{{^s}}no{{/s}}", "{\"s\":\"\"}", "no");
	CHECK("{{#s}}[{{.}}]{{/s}}", "{\"s\":\"x\"}", "[x]");
	CHECK("{{#f}}x{{/f}}{{^f}}F{{/f}}", "{\"f\":false}", "F");
	CHECK("a{{! a comment }}b", "{}", "ab");
	CHECK("{{#a}}{{#b}}{{c}}{{/b}}{{/a}}",
	    "{\"a\":[{\"b\":[{\"c\":1},{\"c\":2}]},{\"b\":[]}]}", "12");

	/* Errors: raw output of a non-_html name, tags, nesting. */
	CHECK("line1\n{{{name}}}", "{}",
	    "ERR: t.html:2: raw output of \"name\": only names ending in "
	    "_html may be written unescaped");
	CHECK("{{&name}}", "{}", "ERR: t.html:1: raw output of \"name\": "
	    "only names ending in _html may be written unescaped");
	CHECK("a\n\nb {{x", "{}", "ERR: t.html:3: unterminated tag");
	CHECK("{{#a}}\n{{/b}}", "{}",
	    "ERR: t.html:2: {{/b}} closes {{#a}} of line 1");
	CHECK("\n{{#a}}", "{}", "ERR: t.html:2: {{#a}} is never closed");
	CHECK("{{/a}}", "{}", "ERR: t.html:1: {{/a}} closes nothing");
	CHECK("{{a b}}", "{}", "ERR: t.html:1: bad tag name \"{{a b}}\"");
	CHECK("{{}}", "{}", "ERR: t.html:1: bad tag name \"{{}}\"");
	CHECK("{{>nope}}", "{}", "ERR: t.html:1: no template \"nope\"");

	/* Partials see the caller's context. */
	T_INT_EQ(tpl_add(set, "p", "p.html", "<{{v}}>", 7), 0);
	CHECK("{{#l}}{{>p}}{{/l}}", "{\"l\":[{\"v\":1},{\"v\":\"&\"}]}",
	    "<1><&amp;>");
	/* A partial that includes itself fails instead of looping. */
	T_INT_EQ(tpl_add(set, "loop", "loop.html", "x{{>loop}}", 10), 0);
	buf_init(&b, 0);
	m = cJSON_CreateObject();
	T_INT_EQ(tpl_render(set, "loop", m, &b), -1);
	T_OK(strstr(err_get(), "nested deeper") != NULL);
	T_INT_EQ(tpl_render(set, "none", m, &b), -1);
	buf_fini(&b);
	/* The output cap fails cleanly. */
	buf_init(&b, 3);
	T_INT_EQ(tpl_render(set, "p", m, &b), 0);
	cJSON_AddStringToObject(m, "v", "long");
	T_INT_EQ(tpl_render(set, "p", m, &b), -1);
	buf_fini(&b);
	tpl_free(set);

	/* Loading a directory: every *.html, partials checked. */
	T_OK(mkdtemp(dir) != NULL);
	cmd = xasprintf("cd %s && printf '<{{>part}}>' >page.html && "
	    "printf '{{x}}' >part.html && printf 'junk' >notes.txt && "
	    "printf '<a>{{x}}</a>' >feed.xml", dir);
	T_INT_EQ(system(cmd), 0);
	free(cmd);
	set = tpl_new();
	T_INT_EQ(tpl_load_dir(set, dir), 0);
	T_OK(tpl_has(set, "page"));
	T_OK(tpl_has(set, "part"));
	T_OK(!tpl_has(set, "notes"));
	T_OK(tpl_has(set, "feed"));
	buf_init(&b, 0);
	cJSON_DeleteItemFromObject(m, "v");
	cJSON_AddStringToObject(m, "x", "\"");
	T_INT_EQ(tpl_render(set, "page", m, &b), 0);
	T_STR_EQ(b.data, "<&quot;>");
	buf_fini(&b);
	tpl_free(set);
	cmd = xasprintf("cd %s && printf 'a\\n{{>gone}}' >page.html", dir);
	T_INT_EQ(system(cmd), 0);
	free(cmd);
	set = tpl_new();
	T_INT_EQ(tpl_load_dir(set, dir), -1);
	T_OK(strstr(err_get(), "page.html:2: no template \"gone\"") != NULL);
	tpl_free(set);
	cmd = xasprintf("rm -rf %s", dir);
	T_INT_EQ(system(cmd), 0);
	free(cmd);
	set = tpl_new();
	T_INT_EQ(tpl_load_dir(set, "/nonexistent"), -1);
	tpl_free(set);

	/* tpl_hash: the sources, not the order they came in. */
	{
		struct tpl_set *x = tpl_new(), *y = tpl_new();
		uint64_t hx;

		T_INT_EQ(tpl_add(x, "a", NULL, "A{{v}}", 6), 0);
		T_INT_EQ(tpl_add(x, "b", NULL, "B", 1), 0);
		T_INT_EQ(tpl_add(y, "b", NULL, "B", 1), 0);
		T_INT_EQ(tpl_add(y, "a", NULL, "A{{v}}", 6), 0);
		hx = tpl_hash(x);
		T_OK(hx == tpl_hash(y));
		T_INT_EQ(tpl_add(y, "a", NULL, "A{{w}}", 6), 0);
		T_OK(hx != tpl_hash(y));
		T_INT_EQ(tpl_add(y, "a", NULL, "A{{v}}", 6), 0);
		T_OK(hx == tpl_hash(y));
		T_INT_EQ(tpl_add(y, "ab", NULL, "", 0), 0);
		T_OK(hx != tpl_hash(y));
		tpl_free(x);
		tpl_free(y);
	}
	cJSON_Delete(m);
	return T_DONE();
}
