/*
 * bench-floor.c: what the filesystem costs for a site, the floor the
 * renderer is measured against (scripts/bench-render.sh,
 * bench-site-scale.sh). MANIFEST lists path<TAB>size, one a line.
 *   bench-floor write MANIFEST DIR: write every file (plain open, write,
 *       close; directories made as needed).
 *   bench-floor compare MANIFEST DIR: read every file whole and compare it
 *       with bytes in memory, as a writer that skips unchanged files must.
 */
#include <sys/stat.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char line[8192], path[16384], buf[1 << 20], got[1 << 20];

static void
mkparents(char *p)
{
	for (char *s = strchr(p + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = 0;
		mkdir(p, 0755);
		*s = '/';
	}
}

static int
put(const char *p, long n)
{
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	if (fd < 0) {
		mkparents((char *)p);
		fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	}
	if (fd < 0)
		return -1;
	while (n > 0) {
		long k = n < (long)sizeof(buf) ? n : (long)sizeof(buf);
		if (write(fd, buf, k) != k)
			return -1;
		n -= k;
	}
	return close(fd);
}

/* Read p whole; count the bytes that differ from the writer's. */
static int
cmp(const char *p, long *differ)
{
	int fd = open(p, O_RDONLY);
	ssize_t k;

	if (fd < 0)
		return -1;
	while ((k = read(fd, got, sizeof(got))) > 0)
		*differ += memcmp(got, buf, (size_t)k) != 0;
	close(fd);
	return k < 0 ? -1 : 0;
}

int
main(int argc, char **argv)
{
	FILE *m;
	long differ = 0;
	int writing;

	if (argc != 4 || (strcmp(argv[1], "write") != 0 &&
	    strcmp(argv[1], "compare") != 0)) {
		fprintf(stderr, "usage: bench-floor write|compare MANIFEST DIR\n");
		return 2;
	}
	writing = strcmp(argv[1], "write") == 0;
	if ((m = fopen(argv[2], "r")) == NULL) {
		perror(argv[2]);
		return 1;
	}
	memset(buf, 'x', sizeof(buf));
	while (fgets(line, sizeof(line), m)) {
		char *tab = strchr(line, '\t');
		if (!tab)
			continue;
		*tab = 0;
		snprintf(path, sizeof(path), "%s/%s", argv[3], line);
		if ((writing ? put(path, atol(tab + 1)) : cmp(path, &differ)) < 0) {
			perror(path);
			return 1;
		}
	}
	fclose(m);
	if (!writing)
		printf("%ld\n", differ);
	return 0;
}
