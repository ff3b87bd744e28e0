/* SPDX-License-Identifier: Apache-2.0 */
#include <netdb.h>
#include <string.h>

#include "err.h"
#include "listen.h"

int kr_listen_resolve(const char *listen, struct sockaddr_storage *ret,
		      int *ret_v6, struct kr_err *err)
{
	struct addrinfo hints = { .ai_flags = AI_PASSIVE,
				  .ai_socktype = SOCK_STREAM };
	const char *colon = strrchr(listen, ':'), *host = listen;
	struct addrinfo *ai;
	char name[256];
	size_t n;
	int r;

	if (!colon)
		return kr_err_set(err, -EINVAL, "listen %s: no port", listen);
	n = (size_t)(colon - listen);
	if (host[0] == '[' && n >= 2) {	/* [v6]:port */
		host++;
		n -= 2;
	}
	if (n >= sizeof(name))
		return kr_err_set(err, -EINVAL, "listen %s: host too long",
				  listen);
	memcpy(name, host, n);
	name[n] = '\0';
	r = getaddrinfo(name, colon + 1, &hints, &ai);
	if (r)
		return kr_err_set(err, -EINVAL, "listen %s: %s", listen,
				  gai_strerror(r));
	memcpy(ret, ai->ai_addr, ai->ai_addrlen);
	*ret_v6 = ai->ai_family == AF_INET6;
	freeaddrinfo(ai);
	return 0;
}
