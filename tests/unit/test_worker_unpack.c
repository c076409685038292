/* test_worker_unpack: secure extraction of trees, from files and over HTTP. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../../worker/fetch.c"
#include "../../worker/output.c"
#include "../../worker/unpack.c"
#include "../../worker/util.c"
#include "t.h"
#include "worker_t.h"

/* Builds the archives with python3's tarfile, as a hostile server could. */
static const char make_tars[] =
    "import io, sys, tarfile\n"
    "d = sys.argv[1]\n"
    "def tar(name, entries, mode='w:gz'):\n"
    "    with tarfile.open(d + '/' + name, mode) as t:\n"
    "        for e in entries:\n"
    "            n, kind, arg = e[0], e[1], e[2]\n"
    "            ti = tarfile.TarInfo(n)\n"
    "            ti.mode = e[3] if len(e) > 3 else 0o644\n"
    "            if kind == 'f':\n"
    "                ti.size = len(arg)\n"
    "                t.addfile(ti, io.BytesIO(arg))\n"
    "                continue\n"
    "            ti.type = {'d': tarfile.DIRTYPE, 'l': tarfile.SYMTYPE,\n"
    "                       'h': tarfile.LNKTYPE, 'p': tarfile.FIFOTYPE}[kind]\n"
    "            ti.linkname = arg\n"
    "            t.addfile(ti)\n"
    "tar('good.tar.gz', [('dir', 'd', '', 0o755),\n"
    "    ('dir/run.sh', 'f', b'#!/bin/sh\\necho hi\\n', 0o4755),\n"
    "    ('a.txt', 'f', b'hello\\n'), ('dir/ln', 'l', '../a.txt'),\n"
    "    ('up', 'l', 'dir/..'), ('dir/hard', 'h', 'a.txt')])\n"
    "tar('plain.tar', [('x', 'f', b'plain\\n')], 'w')\n"
    "tar('dotdot.tar.gz', [('ok', 'f', b'1'), ('../evil', 'f', b'x')])\n"
    "tar('dotdot2.tar.gz', [('dir/../../evil', 'f', b'x')])\n"
    "tar('abs.tar.gz', [('/abs/evil', 'f', b'x')])\n"
    "tar('symlink.tar.gz', [('link', 'l', '/etc'), ('link/x', 'f', b'x')])\n"
    "tar('symup.tar.gz', [('d/link', 'l', '../..'),\n"
    "    ('d/link/evil', 'f', b'x')])\n"
    "tar('outlink.tar.gz', [('a', 'f', b'a'), ('abs', 'l', '/etc'),\n"
    "    ('d/up', 'l', '../../x'), ('b', 'f', b'b')])\n"
    "tar('through.tar.gz', [('sub', 'd', '', 0o755), ('link', 'l', 'sub'),\n"
    "    ('link/x', 'f', b'x')])\n"
    "tar('dotlink.tar.gz', [('l', 'l', '.'), ('x', 'l', 'l/..'),\n"
    "    ('d/y', 'l', 'l/../d'), ('b', 'f', b'b')])\n"
    "tar('hard.tar.gz', [('h', 'h', '../evil')])\n"
    "tar('hardthrough.tar.gz', [('sub', 'd', '', 0o755), ('link', 'l', 'sub'),\n"
    "    ('h', 'h', 'link/f')])\n"
    "tar('samename.tar.gz', [('sub', 'd', '', 0o755), ('link', 'l', 'sub'),\n"
    "    ('link', 'd', '', 0o755)])\n"
    "tar('dotslash.tar.gz', [('./d//x', 'f', b'x'), ('d/./y', 'f', b'y')])\n"
    "tar('fifo.tar.gz', [('f', 'p', '')])\n"
    "tar('big.tar.gz', [('a', 'f', b'a' * 600), ('b', 'f', b'b' * 600)])\n"
    "open(d + '/junk.tar.gz', 'wb').write(b'this is not a tar at all')\n";

static char *top, *tars, *run;

static int
exists(const char *p)
{
	struct stat st;

	return lstat(p, &st) == 0;
}

static char *
slurp(const char *p)
{
	char buf[256];
	FILE *f = fopen(p, "r");
	size_t n;

	if (f == NULL)
		return xstrdup("(missing)");
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return xstrdup(buf);
}

/* A fresh, empty run/tree; returns its path. */
static char *
fresh_tree(void)
{
	char *tree = xasprintf("%s/tree", run);

	util_rmtree(tree);
	util_mkdirs(tree);
	return tree;
}

/* Nothing but tree/ in the run dir, nothing at the absolute targets. */
static int
nothing_outside(void)
{
	char *p[] = {
		xasprintf("%s/evil", run), xasprintf("%s/evil", top),
		xasprintf("%s/../evil", top),
	};
	int ok = 1;
	size_t i;

	char *cmd, line[4096];
	FILE *f;

	for (i = 0; i < 3; i++) {
		if (exists(p[i]))
			ok = 0;
		free(p[i]);
	}
	if (exists("/abs/evil") || exists("/etc/x") || exists("/evil"))
		ok = 0;
	/* And in the whole scratch dir: nothing but the archives, the run
	 * dir and its tree. */
	cmd = xasprintf("find '%s' -path '%s/tars' -prune -o -path "
	    "'%s/tree' -prune -o -print", top, top, run);
	f = popen(cmd, "r");
	free(cmd);
	while (f != NULL && fgets(line, sizeof(line), f) != NULL) {
		line[strcspn(line, "\n")] = '\0';
		if (strcmp(line, top) != 0 && strcmp(line, run) != 0) {
			printf("written outside the tree: %s\n", line);
			ok = 0;
		}
	}
	if (f == NULL || pclose(f) != 0)
		ok = 0;
	return ok;
}

static struct output out;

static int
refused(const char *tar, const char *why)
{
	char *tree = fresh_tree(), *path = xasprintf("%s/%s", tars, tar);
	int rc = unpack_file(tree, path, 1000, &out);

	free(tree);
	free(path);
	if (rc == 0) {
		printf("%s: was not refused\n", tar);
		return 0;
	}
	if (strstr(err_get(), why) == NULL) {
		printf("%s: error '%s' does not say '%s'\n", tar, err_get(),
		    why);
		return 0;
	}
	return nothing_outside();
}

static void
test_files(void)
{
	struct stat st;
	char *tree, *p, *s, buf[64];
	ssize_t n;

	tree = fresh_tree();
	p = xasprintf("%s/good.tar.gz", tars);
	T_INT_EQ(unpack_file(tree, p, 1 << 20, NULL), 0);
	free(p);
	p = xasprintf("%s/dir/run.sh", tree);
	T_OK(stat(p, &st) == 0 && (st.st_mode & 0777) == 0755);
	T_OK((st.st_mode & S_ISUID) == 0);
	free(p);
	p = xasprintf("%s/dir/ln", tree);
	n = readlink(p, buf, sizeof(buf) - 1);
	T_INT_EQ(n, 8);
	buf[n > 0 ? n : 0] = '\0';
	T_STR_EQ(buf, "../a.txt");
	s = slurp(p);
	T_STR_EQ(s, "hello\n");
	free(s);
	free(p);
	p = xasprintf("%s/dir/hard", tree);
	s = slurp(p);
	T_STR_EQ(s, "hello\n");
	free(s);
	free(p);
	free(tree);

	tree = fresh_tree();
	p = xasprintf("%s/plain.tar", tars);
	T_INT_EQ(unpack_file(tree, p, 1 << 20, NULL), 0);
	free(p);
	p = xasprintf("%s/x", tree);
	s = slurp(p);
	T_STR_EQ(s, "plain\n");
	free(s);
	free(p);
	free(tree);

	T_OK(refused("dotdot.tar.gz", "'../evil'"));
	T_OK(refused("dotdot2.tar.gz", "'dir/../../evil'"));
	T_OK(refused("abs.tar.gz", "'/abs/evil'"));
	output_reset(&out);
	T_OK(refused("symlink.tar.gz", "'link/x': a path through a symlink"));
	s = output_text(&out);
	T_STR_EQ(s, "0:not created: symlink 'link' -> '/etc' points outside "
	    "the tree\n");
	free(s);
	T_OK(refused("symup.tar.gz", "'d/link/evil': a path through a "
	    "symlink"));
	T_OK(refused("through.tar.gz", "'link/x'"));
	T_OK(refused("hard.tar.gz", "hard link"));
	T_OK(refused("hardthrough.tar.gz", "hard link to 'link/f'"));
	T_OK(refused("samename.tar.gz", "'link/': a path through a symlink"));
	T_OK(refused("fifo.tar.gz", "not a file, directory or symlink"));
	T_OK(refused("junk.tar.gz", "Unrecognized archive format"));
	T_OK(refused("big.tar.gz", "larger than"));
	/* The symlink to /etc was never made. */
	p = xasprintf("%s/tree/link", run);
	T_OK(!exists(p));
	free(p);

	/* Names are normalized. */
	tree = fresh_tree();
	p = xasprintf("%s/dotslash.tar.gz", tars);
	T_INT_EQ(unpack_file(tree, p, 1 << 20, NULL), 0);
	free(p);
	p = xasprintf("%s/d/x", tree);
	T_OK(exists(p));
	free(p);
	p = xasprintf("%s/d/y", tree);
	T_OK(exists(p));
	free(p);
	free(tree);

	/* Links out of the tree alone are left out; the rest is there. */
	output_reset(&out);
	tree = fresh_tree();
	p = xasprintf("%s/outlink.tar.gz", tars);
	T_INT_EQ(unpack_file(tree, p, 1 << 20, &out), 0);
	free(p);
	p = xasprintf("%s/b", tree);
	T_OK(exists(p));
	free(p);
	p = xasprintf("%s/abs", tree);
	T_OK(!exists(p));
	free(p);
	p = xasprintf("%s/d/up", tree);
	T_OK(!exists(p));
	free(p);
	s = output_text(&out);
	T_STR_EQ(s, "0:not created: symlink 'abs' -> '/etc' points outside "
	    "the tree\n0:not created: symlink 'd/up' -> '../../x' points "
	    "outside the tree\n");
	free(s);
	free(tree);

	/* "l/.." is the parent of what l points to: with l -> ".", the
	 * tree's parent
	 * (found by tests/fuzz/fuzz_unpack). */
	output_reset(&out);
	tree = fresh_tree();
	p = xasprintf("%s/dotlink.tar.gz", tars);
	T_INT_EQ(unpack_file(tree, p, 1 << 20, &out), 0);
	free(p);
	p = xasprintf("%s/l", tree);
	T_OK(exists(p));
	free(p);
	p = xasprintf("%s/x", tree);
	T_OK(!exists(p));
	free(p);
	s = output_text(&out);
	T_STR_EQ(s, "0:not created: symlink 'x' -> 'l/..' points outside the "
	    "tree\n0:not created: symlink 'd/y' -> 'l/../d' points outside "
	    "the tree\n");
	free(s);
	T_OK(nothing_outside());
	free(tree);
}

static int
free_port(void)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0), port;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	bind(fd, (struct sockaddr *)&a, sizeof(a));
	getsockname(fd, (struct sockaddr *)&a, &len);
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

static int
can_connect(int port)
{
	struct sockaddr_in a;
	int fd = socket(AF_INET, SOCK_STREAM, 0), ok;

	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((unsigned short)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0;
	close(fd);
	return ok;
}

static void
test_http(void)
{
	struct fetch *f;
	char port_s[16], *url, *tree, *p, *s;
	long status;
	pid_t pid;
	int port = free_port(), i;

	snprintf(port_s, sizeof(port_s), "%d", port);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		freopen("/dev/null", "w", stdout);
		freopen("/dev/null", "w", stderr);
		execlp("python3", "python3", "-m", "http.server", port_s,
		    "--bind", "127.0.0.1", "--directory", tars, (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 100 && !can_connect(port); i++)
		usleep(100000);
	T_OK(can_connect(port));
	fetch_global_init();
	f = fetch_new("w", "token");

	tree = fresh_tree();
	url = xasprintf("http://127.0.0.1:%d/good.tar.gz", port);
	T_INT_EQ(fetch_tree(f, url, tree, 1 << 20, &out, NULL, &status), 0);
	T_INT_EQ(status, 200);
	p = xasprintf("%s/a.txt", tree);
	s = slurp(p);
	T_STR_EQ(s, "hello\n");
	free(s);
	free(p);
	free(url);
	free(tree);

	/* Stopped by the caller (an abort). */
	{
		atomic_int stop = 1;

		tree = fresh_tree();
		url = xasprintf("http://127.0.0.1:%d/good.tar.gz", port);
		T_INT_EQ(fetch_tree(f, url, tree, 1 << 20, &out, &stop,
		    &status), -1);
		T_INT_EQ(status, 0);
		free(url);
		free(tree);
	}

	/* Hostile over HTTP too; the connection is then reused. */
	tree = fresh_tree();
	url = xasprintf("http://127.0.0.1:%d/symlink.tar.gz", port);
	T_INT_EQ(fetch_tree(f, url, tree, 1 << 20, &out, NULL, &status), -1);
	T_OK(strstr(err_get(), "a path through a symlink") != NULL);
	T_OK(nothing_outside());
	free(url);
	free(tree);

	tree = fresh_tree();
	url = xasprintf("http://127.0.0.1:%d/missing.tar.gz", port);
	T_INT_EQ(fetch_tree(f, url, tree, 1 << 20, &out, NULL, &status), -1);
	T_INT_EQ(status, 404);
	T_OK(strstr(err_get(), "HTTP 404") != NULL);
	free(url);
	free(tree);

	fetch_free(f);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);

	/* Nobody listens now. */
	f = fetch_new("w", "token");
	tree = fresh_tree();
	url = xasprintf("http://127.0.0.1:%d/good.tar.gz", port);
	T_INT_EQ(fetch_tree(f, url, tree, 1 << 20, &out, NULL, &status), -1);
	T_INT_EQ(status, 0);
	free(url);
	free(tree);
	fetch_free(f);

	/* A transfer cut short (the server dies mid-stream) says status 0:
	 * no complete reply, unlike a refused tree. */
	port = free_port();
	snprintf(port_s, sizeof(port_s), "%d", port);
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		static const char cut[] =
		    "import socket, sys\n"
		    "data = open(sys.argv[2] + '/good.tar.gz', 'rb').read()\n"
		    "s = socket.socket()\n"
		    "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
		    "s.bind(('127.0.0.1', int(sys.argv[1])))\n"
		    "s.listen(1)\n"
		    "while True:\n"
		    "    c, _ = s.accept()\n"
		    "    if not c.recv(4096):\n"
		    "        c.close()\n"
		    "        continue\n"
		    "    c.sendall(b'HTTP/1.1 200 OK\\r\\nContent-Length: 100000'\n"
		    "              b'\\r\\n\\r\\n' + data[:len(data) // 2])\n"
		    "    c.close()\n";

		execlp("python3", "python3", "-c", cut, port_s, tars,
		    (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 100 && !can_connect(port); i++)
		usleep(100000);
	f = fetch_new("w", "token");
	tree = fresh_tree();
	url = xasprintf("http://127.0.0.1:%d/cut.tar.gz", port);
	T_INT_EQ(fetch_tree(f, url, tree, 1 << 20, &out, NULL, &status), -1);
	T_INT_EQ(status, 0);
	/* libarchive or curl tells, depending on who notices first. */
	T_OK(strstr(err_get(), "truncated") != NULL ||
	    strstr(err_get(), "transfer closed") != NULL);
	free(url);
	free(tree);
	fetch_free(f);
	kill(pid, SIGTERM);
	waitpid(pid, NULL, 0);
	curl_global_cleanup();
}

int
main(void)
{
	char tmpl[] = "/tmp/test_worker_unpack.XXXXXX";
	char *cmd;

	top = mkdtemp(tmpl);
	tars = xasprintf("%s/tars", top);
	run = xasprintf("%s/run", top);
	util_mkdirs(tars);
	util_mkdirs(run);
	output_init(&out, NULL);
	cmd = xasprintf("python3 - '%s' <<'EOF'\n%sEOF\n", tars, make_tars);
	T_INT_EQ(system(cmd), 0);
	free(cmd);
	test_files();
	test_http();
	util_rmtree(top);
	output_fini(&out);
	free(tars);
	free(run);
	return T_DONE();
}
