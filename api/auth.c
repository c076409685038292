/* auth: HTTP Basic auth of workers against the server's token. */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "api.h"
#include "proto.h"

int
auth_equal_n(const char *a, size_t na, const char *b, size_t nb)
{
	unsigned char d = na != nb;
	size_t i;

	/* Walk the whole of the longer string whatever matches, so the time
	 * tells only the lengths. */
	for (i = 0; i < (na > nb ? na : nb); i++) {
		unsigned char x = i < na ? (unsigned char)a[i] : 0;
		unsigned char y = i < nb ? (unsigned char)b[i] : 0;

		d |= x ^ y;
	}
	return d == 0;
}

int
auth_equal(const char *a, const char *b)
{
	return auth_equal_n(a, strlen(a), b, strlen(b));
}

/* The value of a base64 digit, or -1. */
static int
b64(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Decode standard base64 (padding optional) s[0..n) into out (cap bytes):
 * the length, or -1 if malformed or too long. */
static long
b64_decode(const char *s, size_t n, unsigned char *out, size_t cap)
{
	unsigned acc = 0;
	size_t i, o = 0, bits = 0, pad = 0;
	int v;

	while (n > 0 && s[n - 1] == '=' && pad < 2) {
		n--;
		pad++;
	}
	if ((n + pad) % 4 != 0 && pad > 0)
		return -1;
	for (i = 0; i < n; i++) {
		if ((v = b64((unsigned char)s[i])) < 0)
			return -1;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o == cap)
				return -1;
			out[o++] = (unsigned char)(acc >> bits);
			acc &= (1u << bits) - 1;
		}
	}
	if (n % 4 == 1)
		return -1;
	return (long)o;
}

/*
 * Parse "Authorization: Basic <base64 of user:password>" (the scheme in
 * any case, RFC 7617) into user and pass (NUL-terminated, with lengths:
 * a NUL inside either is kept and so refused by the checks). 0 or -1.
 */
static int
basic_credentials(struct MHD_Connection *c, char *user, size_t *ulen,
    char *pass, size_t *plen, size_t cap)
{
	unsigned char dec[1024];
	const char *v = NULL, *tok;
	size_t vlen = 0, n;
	const unsigned char *colon;
	long dl;

	if (MHD_lookup_connection_value_n(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_AUTHORIZATION, strlen(MHD_HTTP_HEADER_AUTHORIZATION),
	    &v, &vlen) != MHD_YES || v == NULL)
		return -1;
	while (vlen > 0 && (*v == ' ' || *v == '\t')) {
		v++;
		vlen--;
	}
	if (vlen < 6 || strncasecmp(v, "basic", 5) != 0 ||
	    (v[5] != ' ' && v[5] != '\t'))
		return -1;
	tok = v + 6;
	n = vlen - 6;
	while (n > 0 && (*tok == ' ' || *tok == '\t')) {
		tok++;
		n--;
	}
	while (n > 0 && (tok[n - 1] == ' ' || tok[n - 1] == '\t'))
		n--;
	/* On every path dec is wiped: a failed decode leaves part of the
	 * password in it too. */
	dl = b64_decode(tok, n, dec, sizeof(dec));
	colon = dl < 0 ? NULL : memchr(dec, ':', (size_t)dl);
	*ulen = colon ? (size_t)(colon - dec) : 0;
	*plen = colon ? (size_t)dl - *ulen - 1 : 0;
	if (colon == NULL || *ulen >= cap || *plen >= cap) {
		explicit_bzero(dec, sizeof(dec));
		return -1;
	}
	memcpy(user, dec, *ulen);
	user[*ulen] = '\0';
	memcpy(pass, colon + 1, *plen);
	pass[*plen] = '\0';
	explicit_bzero(dec, sizeof(dec));
	return 0;
}

int
auth_check(struct api *api, struct MHD_Connection *c, char *name,
    const char **why)
{
	char user[1024], pass[1024];
	size_t ulen = 0, plen = 0;
	int rc = -1;

	if (basic_credentials(c, user, &ulen, pass, &plen, sizeof(user)) < 0) {
		*why = "authentication required (HTTP Basic: worker name and "
		    "token)";
		goto out;
	}
	if (ulen != strlen(user) || !proto_valid_id(user)) {
		*why = "invalid worker name (want " PROTO_ID_RULE ")";
		goto out;
	}
	/* The whole password, NUL bytes and all, against the whole token. */
	if (!auth_equal_n(pass, plen, api->token, strlen(api->token))) {
		*why = "invalid token";
		goto out;
	}
	snprintf(name, PROTO_ID_MAX + 1, "%s", user);
	rc = 0;
out:
	/* Do not leave the token lying around on the stack. */
	explicit_bzero(pass, sizeof(pass));
	return rc;
}
