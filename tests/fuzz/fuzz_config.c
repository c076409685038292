/* fuzz_config: the config reader (lib/config.c over libgit2's parser).
 * The input is written to a file once per run and loaded over the
 * defaults; the duration and size parsers get it as a string too. */
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "config.h"
#include "fuzz.h"

static char path[64];

static void
cleanup(void)
{
	(void)unlink(path);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	int fd;

	(void)argc;
	(void)argv;
	snprintf(path, sizeof(path), "/tmp/tj-fuzz-config.XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		abort();
	close(fd);
	atexit(cleanup);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config c;
	FILE *f = fopen(path, "wb");
	char *s;
	int64_t v;

	if (f == NULL)
		abort();
	/* libgit2 follows include.path and includeIf (reading /dev/zero or a
	 * pipe would hang): the admin's own choice, not input to fuzz. */
	for (size_t i = 0; i + 7 <= size; i++) {
		if (strncasecmp((const char *)data + i, "include", 7) == 0) {
			fclose(f);
			return 0;
		}
	}
	if (fwrite(data, 1, size, f) != size || fclose(f) != 0)
		abort();
	config_init(&c);
	if (config_load(&c, path) == 0)
		config_finish(&c);
	config_fini(&c);

	s = fuzz_str(data, size);
	if (config_parse_duration(s, &v) == 0)
		FUZZ_ASSERT(v >= 0);
	if (config_parse_size(s, &v) == 0)
		FUZZ_ASSERT(v >= 0);
	config_init(&c);
	(void)config_set(&c, "worker.timeout", s);
	(void)config_set(&c, "site.title", s);
	config_fini(&c);
	free(s);
	return 0;
}
