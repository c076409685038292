/* auth: HTTP Basic auth of workers against the server's token. */
#include <stdio.h>
#include <string.h>

#include "api.h"
#include "proto.h"

int
auth_equal(const char *a, const char *b)
{
	size_t na = strlen(a), nb = strlen(b), i;
	unsigned char d = na != nb;

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
auth_check(struct api *api, struct MHD_Connection *c, char *name,
    const char **why)
{
	char *pass = NULL, *user;
	int rc = -1;

	user = MHD_basic_auth_get_username_password(c, &pass);
	if (user == NULL) {
		*why = "authentication required (HTTP Basic: worker name and "
		    "token)";
		goto out;
	}
	if (!proto_valid_id(user)) {
		*why = "invalid worker name (want [A-Za-z0-9._-]{1,64})";
		goto out;
	}
	if (pass == NULL || !auth_equal(pass, api->token)) {
		*why = "invalid token";
		goto out;
	}
	snprintf(name, PROTO_ID_MAX + 1, "%s", user);
	rc = 0;
out:
	if (pass != NULL) {
		/* Do not leave the token lying around in freed memory. */
		explicit_bzero(pass, strlen(pass));
		MHD_free(pass);
	}
	if (user != NULL)
		MHD_free(user);
	return rc;
}
