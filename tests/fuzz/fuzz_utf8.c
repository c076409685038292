/* fuzz_utf8: UTF-8 validation and repair (lib/utf8.c) and every escaper
 * (lib/esc.c), checking what they promise: repaired and escaped text is
 * valid UTF-8, valid input survives repair unchanged, JSON strings parse
 * back to the repaired text, file names and URL segments use only their
 * safe bytes. */
#include <string.h>

#include <cjson/cJSON.h>

#include "buf.h"
#include "esc.h"
#include "fuzz.h"
#include "utf8.h"

/* Valid UTF-8 allowing NULs (utf8_valid refuses them). */
static int
valid_with_nul(const char *s, size_t n)
{
	size_t i = 0, j;

	while (i < n) {
		j = i;
		while (j < n && s[j] != '\0')
			j++;
		if (!utf8_valid(s + i, j - i))
			return 0;
		i = j + 1;
	}
	return 1;
}

static int
no_html_specials(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strchr("<>\"'", s[i]) != NULL && s[i] != '\0')
			return 0;
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data;
	char *s = fuzz_str(data, size), *fixed, *again, hex[17];
	size_t flen, alen, i;
	struct buf b;
	cJSON *j;
	int valid = utf8_valid(in, size);

	fixed = utf8_repair(in, size, &flen);
	FUZZ_ASSERT(fixed != NULL && strlen(fixed) == flen);
	FUZZ_ASSERT(utf8_valid(fixed, flen));
	if (valid)
		FUZZ_ASSERT(flen == size && memcmp(fixed, in, size) == 0);
	again = utf8_repair(fixed, flen, &alen);
	FUZZ_ASSERT(alen == flen && memcmp(again, fixed, flen) == 0);
	free(again);

	buf_init(&b, (size_t)64 << 20);
	FUZZ_ASSERT(esc_html(&b, in, size) == 0);
	FUZZ_ASSERT(valid_with_nul(b.data, b.len) && memchr(b.data, 0, b.len)
	    == NULL && no_html_specials(b.data, b.len));
	buf_reset(&b);
	FUZZ_ASSERT(esc_text(&b, in, size) == 0);
	FUZZ_ASSERT(utf8_valid(b.data, b.len));
	buf_reset(&b);

	/* The escapers of C strings see the input up to its first NUL. */
	FUZZ_ASSERT(esc_json(&b, s) == 0);
	FUZZ_ASSERT(b.len >= 2 && b.data[0] == '"' && b.data[b.len - 1] == '"');
	j = cJSON_ParseWithLength(b.data, b.len);
	FUZZ_ASSERT(j != NULL && cJSON_IsString(j));
	if (utf8_valid(s, strlen(s)))
		FUZZ_ASSERT(strcmp(j->valuestring, s) == 0);
	FUZZ_ASSERT(utf8_valid(j->valuestring, strlen(j->valuestring)));
	cJSON_Delete(j);
	buf_reset(&b);

	FUZZ_ASSERT(esc_url_segment(&b, s) == 0);
	for (i = 0; i < b.len; i++)
		FUZZ_ASSERT(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
		    "qrstuvwxyz0123456789-._~%", b.data[i]) != NULL);
	buf_reset(&b);

	FUZZ_ASSERT(esc_filename(&b, s) == 0);
	FUZZ_ASSERT(b.len > 0 && b.len <= 140 && b.data[0] != '.');
	for (i = 0; i < b.len; i++)
		FUZZ_ASSERT(strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnop"
		    "qrstuvwxyz0123456789-._~", b.data[i]) != NULL);
	buf_fini(&b);

	esc_hash_hex(s, hex);
	FUZZ_ASSERT(strlen(hex) == 16);
	free(fixed);
	free(s);
	return 0;
}
