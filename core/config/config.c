/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Configuration parsing.  inih splits the file into (section, key, value);
 * this file knows what each may be.  Keys are described by one table per
 * section, so adding a key is one line.
 *
 * inih is fed through our own line reader, which (a) counts lines so every
 * message names the line, (b) sees section headers, so an empty unknown
 * section is still an error, and (c) strips leading blanks, so indented keys
 * are keys and never inih's multi-line continuations.
 */
#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "err.h"
#include "kr_limits.h"
#include "paths.h"
#include "util.h"

enum section_kind {
	SECTION_NONE,	/* before the first header */
	SECTION_NODE,
	SECTION_DAEMON,
	SECTION_EXTENDER,
	SECTION_PF,
};

/* How a value is checked and stored. */
enum value_kind {
	VALUE_NODE_NAME,
	VALUE_ABS_PATH,
	VALUE_LISTEN,
	VALUE_URL_TEMPLATE,
	VALUE_PATH_PREFIX,
	VALUE_BACKEND,
	VALUE_NUM_VFS,
	VALUE_MBPS,
	VALUE_U32,		/* a whole number in lo..hi */
	VALUE_POLICY,		/* binpack or spread */
	VALUE_AUTH,		/* none or tokenreview */
	VALUE_NAME,		/* one user, group or audience name */
	VALUE_NAME_LIST,	/* names separated by commas */
	VALUE_TOKEN_FILE,	/* an absolute path, or none */
};

struct key_spec {
	enum section_kind section;
	const char *key;
	enum value_kind kind;
	/* offset in struct kr_config (global sections) or kr_pf_config */
	size_t offset;
	uint32_t lo, hi;	/* VALUE_U32 */
};

#define CFG(member) offsetof(struct kr_config, member)
#define PF(member) offsetof(struct kr_pf_config, member)

static const struct key_spec key_specs[] = {
	{ SECTION_NODE, "name", VALUE_NODE_NAME, CFG(node_name), 0, 0 },
	{ SECTION_NODE, "backend_dir", VALUE_ABS_PATH, CFG(backend_dir), 0, 0 },
	{ SECTION_NODE, "state_dir", VALUE_ABS_PATH, CFG(state_dir), 0, 0 },
	{ SECTION_NODE, "sysfs_root", VALUE_ABS_PATH, CFG(sysfs_root), 0, 0 },
	{ SECTION_NODE, "dev_root", VALUE_ABS_PATH, CFG(dev_root), 0, 0 },
	{ SECTION_DAEMON, "cdi_dir", VALUE_ABS_PATH, CFG(daemon_cdi_dir), 0, 0 },
	{ SECTION_DAEMON, "listen", VALUE_LISTEN, CFG(daemon_listen), 0, 0 },
	{ SECTION_DAEMON, "agent_socket", VALUE_ABS_PATH, CFG(daemon_agent_socket),
	  0, 0 },
	{ SECTION_DAEMON, "kubeconfig", VALUE_ABS_PATH, CFG(daemon_kubeconfig),
	  0, 0 },
	{ SECTION_DAEMON, "auth", VALUE_AUTH, CFG(daemon_auth), 0, 0 },
	{ SECTION_DAEMON, "auth_allowed_users", VALUE_NAME_LIST,
	  CFG(daemon_auth_allowed_users), 0, 0 },
	{ SECTION_DAEMON, "auth_allowed_groups", VALUE_NAME_LIST,
	  CFG(daemon_auth_allowed_groups), 0, 0 },
	{ SECTION_DAEMON, "auth_audience", VALUE_NAME, CFG(daemon_auth_audience),
	  0, 0 },
	{ SECTION_DAEMON, "auth_cache_ttl_s", VALUE_U32,
	  CFG(daemon_auth_cache_ttl_s), 1, 3600 },
	{ SECTION_DAEMON, "auth_timeout_ms", VALUE_U32,
	  CFG(daemon_auth_timeout_ms), 100, 30000 },
	{ SECTION_DAEMON, "refresh_interval_ms", VALUE_U32, CFG(daemon_refresh_ms),
	  50, 600000 },
	{ SECTION_DAEMON, "max_connections", VALUE_U32, CFG(daemon_max_connections),
	  1, 65536 },
	{ SECTION_DAEMON, "max_connections_per_client", VALUE_U32,
	  CFG(daemon_max_connections_per_client), 1, 65536 },
	{ SECTION_DAEMON, "idle_timeout_s", VALUE_U32, CFG(daemon_idle_timeout_s),
	  1, 86400 },
	{ SECTION_DAEMON, "request_timeout_s", VALUE_U32,
	  CFG(daemon_request_timeout_s), 1, 3600 },
	{ SECTION_EXTENDER, "listen", VALUE_LISTEN, CFG(extender_listen),
	  0, 0 },
	{ SECTION_EXTENDER, "daemon_url", VALUE_URL_TEMPLATE, CFG(extender_daemon_url),
	  0, 0 },
	{ SECTION_EXTENDER, "path_prefix", VALUE_PATH_PREFIX, CFG(extender_path_prefix),
	  0, 0 },
	{ SECTION_EXTENDER, "kubeconfig", VALUE_ABS_PATH, CFG(extender_kubeconfig),
	  0, 0 },
	{ SECTION_EXTENDER, "inventory_token_file", VALUE_TOKEN_FILE,
	  CFG(extender_inventory_token_file), 0, 0 },
	{ SECTION_EXTENDER, "policy", VALUE_POLICY, CFG(extender_policy),
	  0, 0 },
	{ SECTION_EXTENDER, "poll_interval_ms", VALUE_U32, CFG(extender_poll_ms),
	  100, 600000 },
	{ SECTION_EXTENDER, "timeout_ms", VALUE_U32, CFG(extender_timeout_ms),
	  50, 60000 },
	{ SECTION_EXTENDER, "stale_after_ms", VALUE_U32, CFG(extender_stale_ms),
	  100, 3600000 },
	{ SECTION_EXTENDER, "reservation_ttl_s", VALUE_U32, CFG(extender_reservation_ttl_s),
	  1, 86400 },
	{ SECTION_EXTENDER, "max_body_bytes", VALUE_U32, CFG(extender_max_body),
	  4096, 1u << 30 },
	{ SECTION_EXTENDER, "max_body_total_bytes", VALUE_U32,
	  CFG(extender_max_body_total), 4096, 1u << 31 },
	{ SECTION_EXTENDER, "max_connections", VALUE_U32,
	  CFG(extender_max_connections), 1, 65536 },
	{ SECTION_EXTENDER, "max_connections_per_client", VALUE_U32,
	  CFG(extender_max_connections_per_client), 1, 65536 },
	{ SECTION_EXTENDER, "idle_timeout_s", VALUE_U32,
	  CFG(extender_idle_timeout_s), 1, 86400 },
	{ SECTION_EXTENDER, "request_timeout_s", VALUE_U32,
	  CFG(extender_request_timeout_s), 1, 3600 },
	{ SECTION_EXTENDER, "max_nodes", VALUE_U32, CFG(extender_max_nodes),
	  1, 1000000 },
	{ SECTION_EXTENDER, "forget_after_s", VALUE_U32, CFG(extender_forget_s),
	  1, 604800 },
	{ SECTION_PF, "backend", VALUE_BACKEND, PF(backend), 0, 0 },
	{ SECTION_PF, "num_vfs", VALUE_NUM_VFS, PF(num_vfs), 0, 0 },
	{ SECTION_PF, "capacity_mbps", VALUE_MBPS, PF(capacity_mbps), 0, 0 },
};

/* pf_keys_given holds a bit per key */
_Static_assert(sizeof(key_specs) / sizeof(key_specs[0]) <= 64,
	       "more keys than bits in pf_keys_given");

#define KR_MAX_VFS KR_MAX_VFS_PER_PF
/* Largest configuration file read: thousands of PF sections fit. */
#define CONFIG_MAX_BYTES (1 << 20)
/* As many PF sections as placement and the extender can hold. */
#define KR_MAX_PFS ((unsigned int)KR_MAX_PFS_PER_NODE)

/* Keys seen in the current section, to reject repeats. */
struct seen_key {
	const char *key;
	unsigned int line;
};

struct parser {
	struct kr_config *cfg;
	const char *name;	/* file name for messages */
	FILE *stream;
	char *buf;		/* getline buffer */
	size_t buf_size;
	unsigned int line;	/* line being parsed */
	/* current section */
	enum section_kind section;
	struct kr_pf_config *pf;
	unsigned int section_line;
	struct seen_key seen[64];
	size_t n_seen;
	/* sections met so far, to reject repeats */
	unsigned int node_line, daemon_line, extender_line;
	/* first error; later ones are not reported */
	struct kr_err *err;
	int failed;
	unsigned int failed_line;
	/* which PF keys were given, per PF, as bits of key_specs index */
	uint64_t *pf_keys_given;
	/* the first [daemon] auth_* key, which needs auth = tokenreview */
	const char *auth_option_key;
	unsigned int auth_option_line;
};

static int fail(struct parser *p, unsigned int line, int code,
		const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static int fail(struct parser *p, unsigned int line, int code,
		const char *fmt, ...)
{
	char msg[KR_ERR_MSG_SIZE];
	va_list ap;

	if (p->failed)
		return 0;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	kr_err_set(p->err, code, "%s:%u: %s", p->name, line, msg);
	p->failed = 1;
	p->failed_line = line;
	return 0;
}

/*
 * Split a section header's text: "node", "daemon", "extender" or
 * pf "NAME".  Returns the kind, or -1 with a reason in 'why'.
 */
static int parse_section_name(const char *sec, char pf_name[KR_IFNAMSIZ],
			      const char **why)
{
	const char *q, *end;
	size_t len;

	if (!strcmp(sec, "node"))
		return SECTION_NODE;
	if (!strcmp(sec, "daemon"))
		return SECTION_DAEMON;
	if (!strcmp(sec, "extender"))
		return SECTION_EXTENDER;
	if (strncmp(sec, "pf", 2) != 0 || (sec[2] != ' ' && sec[2] != '\t')) {
		*why = "unknown section (expected node, daemon, extender or "
		       "pf \"NAME\")";
		return -1;
	}
	q = sec + 2;
	while (*q == ' ' || *q == '\t')
		q++;
	end = strrchr(q, '"');
	if (*q != '"' || end == q || end[1] != '\0') {
		*why = "PF section must be written [pf \"NAME\"]";
		return -1;
	}
	len = (size_t)(end - q - 1);
	if (len == 0 || len >= KR_IFNAMSIZ) {
		*why = "PF name must be 1 to 15 bytes (a netdev name)";
		return -1;
	}
	memcpy(pf_name, q + 1, len);
	pf_name[len] = '\0';
	if (!kr_ifname_valid(pf_name)) {
		*why = "PF name is not a valid netdev name";
		return -1;
	}
	return SECTION_PF;
}

static int begin_section(struct parser *p, const char *sec)
{
	char pf_name[KR_IFNAMSIZ];
	const char *why = NULL;
	unsigned int *first = NULL;
	struct kr_pf_config *pfs;
	uint64_t *given;
	size_t i;
	int kind;

	kind = parse_section_name(sec, pf_name, &why);
	if (kind < 0)
		return fail(p, p->line, -EINVAL, "[%s]: %s", sec, why);

	p->section = (enum section_kind)kind;
	p->section_line = p->line;
	p->n_seen = 0;
	p->pf = NULL;
	switch (p->section) {
	case SECTION_NODE:
		first = &p->node_line;
		break;
	case SECTION_DAEMON:
		first = &p->daemon_line;
		break;
	case SECTION_EXTENDER:
		first = &p->extender_line;
		break;
	case SECTION_PF:
		for (i = 0; i < p->cfg->n_pfs; i++)
			if (!strcmp(p->cfg->pfs[i].name, pf_name))
				return fail(p, p->line, -EINVAL,
					    "[pf \"%s\"] given twice, first at "
					    "line %u",
					    pf_name, p->cfg->pfs[i].line);
		if (p->cfg->n_pfs >= KR_MAX_PFS)
			return fail(p, p->line, -EINVAL,
				    "more than %u PF sections", KR_MAX_PFS);
		pfs = realloc(p->cfg->pfs,
			      (p->cfg->n_pfs + 1) * sizeof(*pfs));
		if (!pfs)
			return fail(p, p->line, -ENOMEM, "out of memory");
		p->cfg->pfs = pfs;
		given = realloc(p->pf_keys_given,
				(p->cfg->n_pfs + 1) * sizeof(*given));
		if (!given)
			return fail(p, p->line, -ENOMEM, "out of memory");
		p->pf_keys_given = given;
		given[p->cfg->n_pfs] = 0;
		p->pf = &pfs[p->cfg->n_pfs++];
		memset(p->pf, 0, sizeof(*p->pf));
		memcpy(p->pf->name, pf_name, sizeof(pf_name));
		p->pf->line = p->line;
		return 1;
	case SECTION_NONE:
		break;
	}
	if (first && *first)
		return fail(p, p->line, -EINVAL,
			    "[%s] given twice, first at line %u", sec, *first);
	if (first)
		*first = p->line;
	return 1;
}

/* "HOST:PORT", HOST an IPv4 address, a name, or "[IPv6]"; PORT 1..65535. */
static const char *check_listen(const char *v)
{
	const char *colon = strrchr(v, ':');
	uint64_t port;

	if (!colon || colon == v)
		return "expected HOST:PORT";
	if ((v[0] == '[' && colon[-1] != ']') ||
	    (v[0] != '[' && memchr(v, ':', (size_t)(colon - v))))
		return "an IPv6 address goes in brackets: [ADDR]:PORT";
	if (kr_parse_u64(colon + 1, 65535, &port) < 0 || port == 0)
		return "port must be a number from 1 to 65535";
	return NULL;
}

/* http(s)://... with only {node} and {address} placeholders. */
static const char *check_url_template(const char *v)
{
	const char *s;

	if (strncmp(v, "http://", 7) && strncmp(v, "https://", 8))
		return "must start with http:// or https://";
	for (s = v; (s = strchr(s, '{')); s++) {
		if (strncmp(s, "{node}", 6) && strncmp(s, "{address}", 9))
			return "only {node} and {address} may be substituted";
	}
	return NULL;
}

/* Longest user, group or audience name taken. */
#define NAME_MAX_BYTES 512

/*
 * A user, group or audience name of 'len' bytes: the API server's names
 * hold no blanks or commas ("system:serviceaccount:NS:NAME").
 */
static const char *check_name(const char *v, size_t len)
{
	size_t i;

	if (len == 0)
		return "an empty name";
	if (len > NAME_MAX_BYTES)
		return "a name longer than 512 bytes";
	for (i = 0; i < len; i++)
		if ((unsigned char)v[i] <= ' ' || v[i] == 0x7f || v[i] == ',')
			return "a name holds no blanks, commas or control "
			       "characters";
	return NULL;
}

/*
 * "a, b ,c" into "a,b,c" in 'out' (as long as 'v'); NULL or why the list
 * is wrong.
 */
static const char *normalize_list(const char *v, char *out)
{
	const char *item = v, *end, *why;
	size_t len;

	*out = '\0';
	for (;;) {
		item += strspn(item, " \t");
		end = strchr(item, ',');
		len = end ? (size_t)(end - item) : strlen(item);
		while (len && (item[len - 1] == ' ' || item[len - 1] == '\t'))
			len--;
		why = check_name(item, len);
		if (why)
			return why;
		if (*out)
			strcat(out, ",");
		strncat(out, item, len);
		if (!end)
			return NULL;
		item = end + 1;
	}
}

static const char *check_node_name(const char *v)
{
	size_t len = strlen(v);

	if (len == 0 || len > 253)
		return "must be 1 to 253 characters";
	for (; *v; v++)
		if (!((*v >= 'a' && *v <= 'z') || (*v >= 'A' && *v <= 'Z') ||
		      (*v >= '0' && *v <= '9') || *v == '-' || *v == '.' ||
		      *v == '_'))
			return "may hold only letters, digits, '-', '.', '_'";
	return NULL;
}

/* Store 'value' for 'spec'; returns NULL or why it is wrong. */
static const char *store_value(struct parser *p, const struct key_spec *spec,
			       const char *value, int *ret_errno)
{
	void *base = spec->section == SECTION_PF ? (void *)p->pf
						 : (void *)p->cfg;
	void *field = (char *)base + spec->offset;
	const char *why = NULL;
	uint64_t n;
	char *copy;
	int r;

	*ret_errno = -EINVAL;
	switch (spec->kind) {
	case VALUE_NODE_NAME:
		why = check_node_name(value);
		break;
	case VALUE_ABS_PATH:
		if (value[0] != '/')
			why = "must be an absolute path";
		else if (strlen(value) >= PATH_MAX)
			why = "path too long";
		break;
	case VALUE_LISTEN:
		why = check_listen(value);
		break;
	case VALUE_URL_TEMPLATE:
		why = check_url_template(value);
		break;
	case VALUE_PATH_PREFIX:
		if (value[0] && (value[0] != '/' || value[strlen(value) - 1] == '/'))
			why = "must be empty or start with '/' and not end "
			      "with '/'";
		break;
	case VALUE_BACKEND:
		if (!kr_backend_name_valid(value))
			return "not a backend name (e.g. mlx5, generic-sriov, "
			       "mock)";
		memcpy(field, value, strlen(value) + 1);
		return NULL;
	case VALUE_NUM_VFS:
		r = kr_parse_u64(value, KR_MAX_VFS, &n);
		if (r < 0)
			return r == -ERANGE ? "must be at most 65535"
					    : "must be a whole number";
		*(uint32_t *)field = (uint32_t)n;
		return NULL;
	case VALUE_MBPS:
		r = kr_parse_u64(value, UINT32_MAX, &n);
		if (r < 0 || n == 0)
			return r == -ERANGE ? "must be at most 4294967295"
					    : "must be a whole number of "
					      "Mbit/s above 0";
		*(uint32_t *)field = (uint32_t)n;
		return NULL;
	case VALUE_U32:
		r = kr_parse_u64(value, spec->hi, &n);
		if (r < 0 || n < spec->lo) {
			static __thread char range[64];

			snprintf(range, sizeof(range),
				 "must be a whole number from %u to %u",
				 spec->lo, spec->hi);
			return range;
		}
		*(uint32_t *)field = (uint32_t)n;
		return NULL;
	case VALUE_POLICY:
		if (strcmp(value, "binpack") && strcmp(value, "spread"))
			why = "must be binpack or spread";
		break;
	case VALUE_AUTH:
		if (!strcmp(value, "none"))
			*(enum kr_auth_mode *)field = KR_AUTH_NONE;
		else if (!strcmp(value, "tokenreview"))
			*(enum kr_auth_mode *)field = KR_AUTH_TOKENREVIEW;
		else
			return "must be none or tokenreview";
		return NULL;
	case VALUE_NAME:
		why = check_name(value, strlen(value));
		break;
	case VALUE_NAME_LIST:
		copy = malloc(strlen(value) + 1);
		if (!copy) {
			*ret_errno = -ENOMEM;
			return "out of memory";
		}
		why = normalize_list(value, copy);
		if (why) {
			free(copy);
			return why;
		}
		free(*(char **)field);
		*(char **)field = copy;
		return NULL;
	case VALUE_TOKEN_FILE:
		if (!strcmp(value, "none"))
			value = "";	/* no token */
		else if (value[0] != '/')
			why = "must be an absolute path, or none";
		else if (strlen(value) >= PATH_MAX)
			why = "path too long";
		break;
	}
	if (why)
		return why;
	copy = strdup(value);
	if (!copy) {
		*ret_errno = -ENOMEM;
		return "out of memory";
	}
	free(*(char **)field);
	*(char **)field = copy;
	return NULL;
}

static int add_pf_option(struct parser *p, const char *key, const char *value)
{
	struct kr_option *opts;
	struct kr_option *o;

	opts = realloc(p->pf->options,
		       (p->pf->n_options + 1) * sizeof(*opts));
	if (!opts)
		return fail(p, p->line, -ENOMEM, "out of memory");
	p->pf->options = opts;
	o = &opts[p->pf->n_options];
	o->key = strdup(key);
	o->value = strdup(value);
	o->line = p->line;
	if (!o->key || !o->value) {
		free((char *)o->key);
		free((char *)o->value);
		return fail(p, p->line, -ENOMEM, "out of memory");
	}
	p->pf->n_options++;
	return 1;
}

static const char *section_label(struct parser *p, char *buf, size_t size)
{
	switch (p->section) {
	case SECTION_NODE:
		return "[node]";
	case SECTION_DAEMON:
		return "[daemon]";
	case SECTION_EXTENDER:
		return "[extender]";
	case SECTION_PF:
		snprintf(buf, size, "[pf \"%s\"]", p->pf->name);
		return buf;
	case SECTION_NONE:
		break;
	}
	return "(no section)";
}

static int on_key(void *user, const char *section, const char *key,
		  const char *value)
{
	struct parser *p = user;
	char label[40];
	const char *why;
	size_t i;
	int code;

	if (p->failed)
		return 0;
	if (p->section == SECTION_NONE)
		return fail(p, p->line, -EINVAL,
			    "key \"%s\" outside any section", key);
	for (i = 0; i < p->n_seen; i++)
		if (!strcmp(p->seen[i].key, key))
			return fail(p, p->line, -EINVAL,
				    "%s: key \"%s\" given twice, first at "
				    "line %u",
				    section_label(p, label, sizeof(label)),
				    key, p->seen[i].line);
	if (p->n_seen == KR_ARRAY_SIZE(p->seen))
		return fail(p, p->line, -EINVAL, "too many keys in %s",
			    section_label(p, label, sizeof(label)));

	for (i = 0; i < KR_ARRAY_SIZE(key_specs); i++) {
		const struct key_spec *spec = &key_specs[i];

		if (spec->section != p->section || strcmp(spec->key, key))
			continue;
		why = store_value(p, spec, value, &code);
		if (why)
			return fail(p, p->line, code, "%s: %s = \"%s\": %s",
				    section_label(p, label, sizeof(label)),
				    key, value, why);
		if (p->section == SECTION_PF)
			p->pf_keys_given[p->pf - p->cfg->pfs] |= 1ull << i;
		if (p->section == SECTION_DAEMON && !p->auth_option_key &&
		    !strncmp(key, "auth_", 5)) {
			p->auth_option_key = spec->key;
			p->auth_option_line = p->line;
		}
		goto seen;
	}
	/* Not a core key: a PF section passes it to its backend. */
	if (p->section != SECTION_PF)
		return fail(p, p->line, -EINVAL, "%s: unknown key \"%s\"",
			    section_label(p, label, sizeof(label)), key);
	if (!add_pf_option(p, key, value))
		return 0;
seen:
	/* Points into key_specs or the option just stored: both outlive
	 * the section. */
	p->seen[p->n_seen].key =
		i < KR_ARRAY_SIZE(key_specs)
			? key_specs[i].key
			: p->pf->options[p->pf->n_options - 1].key;
	p->seen[p->n_seen++].line = p->line;
	return 1;
}

/*
 * inih's line source.  Reads one whole line, strips leading blanks, handles
 * section headers itself (begin_section) and refuses lines longer than inih
 * can take, rather than letting inih split them.
 */
static char *read_line(char *str, int num, void *stream)
{
	struct parser *p = stream;
	ssize_t len;
	char *s, *close;

	if (p->failed)
		return NULL;
	len = getline(&p->buf, &p->buf_size, p->stream);
	if (len < 0)
		return NULL;
	p->line++;
	if (strlen(p->buf) < (size_t)len) {
		/* inih would stop at it, and the value with it */
		fail(p, p->line, -EINVAL, "a NUL byte in the line");
		return NULL;
	}
	s = p->buf;
	while (*s == ' ' || *s == '\t')
		s++;
	len -= s - p->buf;
	if (len > num - 1) {
		fail(p, p->line, -EINVAL, "line longer than %d characters",
		     num - 2);
		return NULL;
	}
	if (*s == '[') {
		close = strchr(s, ']');
		if (close) {
			char sec[INI_MAX_LINE];
			size_t n = (size_t)(close - s - 1);
			const char *rest = close + 1;

			/* inih ignores what follows the ']' */
			rest += strspn(rest, " \t\r\n");
			if (*rest && *rest != ';' && *rest != '#') {
				fail(p, p->line, -EINVAL,
				     "text after the section header: "
				     "\"%.*s\"",
				     (int)strcspn(rest, "\r\n") > 40
					     ? 40
					     : (int)strcspn(rest, "\r\n"),
				     rest);
				return NULL;
			}

			memcpy(sec, s + 1, n);
			sec[n] = '\0';
			if (!begin_section(p, sec))
				return NULL;
		}
	}
	memcpy(str, s, (size_t)len + 1);
	return str;
}

/* Defaults for everything the file did not set. */
static int apply_defaults(struct kr_config *cfg, struct kr_err *err)
{
	struct {
		char **field;
		const char *value;
	} defaults[] = {
		{ &cfg->backend_dir, kr_default_backend_dir() },
		{ &cfg->state_dir, KR_DEFAULT_STATE_DIR },
		{ &cfg->sysfs_root, KR_DEFAULT_SYSFS_ROOT },
		{ &cfg->dev_root, "/dev" },
		{ &cfg->daemon_cdi_dir, "/var/run/cdi" },
		{ &cfg->daemon_listen, "0.0.0.0:54005" },
		{ &cfg->daemon_agent_socket, KR_DEFAULT_AGENT_SOCKET },
		{ &cfg->extender_listen, "0.0.0.0:8888" },
		{ &cfg->extender_daemon_url, "http://{address}:54005" },
		{ &cfg->extender_path_prefix, "" },
		{ &cfg->extender_policy, "binpack" },
	};
	char host[256];
	const char *node;
	size_t i;

	for (i = 0; i < KR_ARRAY_SIZE(defaults); i++) {
		if (*defaults[i].field)
			continue;
		*defaults[i].field = strdup(defaults[i].value);
		if (!*defaults[i].field)
			return kr_err_set(err, -ENOMEM, "out of memory");
	}
	if (!cfg->daemon_refresh_ms)
		cfg->daemon_refresh_ms = 1000;
	if (!cfg->daemon_max_connections)
		cfg->daemon_max_connections = 4096;
	if (!cfg->daemon_max_connections_per_client)
		cfg->daemon_max_connections_per_client = 64;
	if (!cfg->daemon_idle_timeout_s)
		cfg->daemon_idle_timeout_s = 60;
	if (!cfg->daemon_request_timeout_s)
		cfg->daemon_request_timeout_s = 10;
	if (!cfg->daemon_auth_cache_ttl_s)
		cfg->daemon_auth_cache_ttl_s = 10;
	if (!cfg->daemon_auth_timeout_ms)
		cfg->daemon_auth_timeout_ms = 2000;
	if (!cfg->extender_poll_ms)
		cfg->extender_poll_ms = 1000;
	if (!cfg->extender_timeout_ms)
		cfg->extender_timeout_ms = 2000;
	if (!cfg->extender_stale_ms)
		cfg->extender_stale_ms = 10000;
	if (!cfg->extender_reservation_ttl_s)
		cfg->extender_reservation_ttl_s = 120;
	if (!cfg->extender_max_body)
		cfg->extender_max_body = 64u << 20;
	/* two of the largest at once */
	if (!cfg->extender_max_body_total)
		cfg->extender_max_body_total = 2 * cfg->extender_max_body;
	if (cfg->extender_max_body_total < cfg->extender_max_body)
		return kr_err_set(err, -EINVAL,
				  "%s: [extender]: max_body_total_bytes = %u is "
				  "below max_body_bytes = %u", cfg->path,
				  cfg->extender_max_body_total,
				  cfg->extender_max_body);
	if (!cfg->extender_max_connections)
		cfg->extender_max_connections = 4096;
	if (!cfg->extender_max_connections_per_client)
		cfg->extender_max_connections_per_client = 64;
	if (!cfg->extender_idle_timeout_s)
		cfg->extender_idle_timeout_s = 120;
	if (!cfg->extender_request_timeout_s)
		cfg->extender_request_timeout_s = 30;
	if (!cfg->extender_max_nodes)
		cfg->extender_max_nodes = 20000;
	if (!cfg->extender_forget_s)
		cfg->extender_forget_s = 600;
	if (cfg->node_name)
		return 0;
	node = getenv("NODE_NAME");
	if (node && *node) {
		if (check_node_name(node))
			return kr_err_set(err, -EINVAL,
					  "$NODE_NAME \"%s\": %s", node,
					  check_node_name(node));
	} else {
		if (gethostname(host, sizeof(host)) < 0)
			return kr_err_set(err, -errno,
					  "%s: no [node] name, no $NODE_NAME, "
					  "and no hostname", cfg->path);
		host[sizeof(host) - 1] = '\0';
		node = host;
	}
	cfg->node_name = strdup(node);
	if (!cfg->node_name)
		return kr_err_set(err, -ENOMEM, "out of memory");
	return 0;
}

/*
 * Checks that need the whole file: keys every PF must have; auth_* keys
 * only with auth = tokenreview (else the API would stay open to anyone
 * while the file reads as if it were not).
 */
static int check_complete(struct parser *p)
{
	static const char *const required[] = { "backend", "num_vfs" };
	size_t i, j, k;

	if (p->auth_option_key && p->cfg->daemon_auth == KR_AUTH_NONE)
		return kr_err_set(p->err, -EINVAL,
				  "%s:%u: [daemon]: %s needs auth = tokenreview "
				  "(auth is none: anyone may read the API)",
				  p->name, p->auth_option_line,
				  p->auth_option_key);

	for (i = 0; i < p->cfg->n_pfs; i++) {
		for (j = 0; j < KR_ARRAY_SIZE(required); j++) {
			for (k = 0; k < KR_ARRAY_SIZE(key_specs); k++)
				if (key_specs[k].section == SECTION_PF &&
				    !strcmp(key_specs[k].key, required[j]))
					break;
			if (!(p->pf_keys_given[i] & (1ull << k)))
				return kr_err_set(p->err, -EINVAL,
						  "%s:%u: [pf \"%s\"]: missing "
						  "key \"%s\"",
						  p->name, p->cfg->pfs[i].line,
						  p->cfg->pfs[i].name,
						  required[j]);
		}
	}
	return 0;
}

static int parse_stream(FILE *stream, const char *name,
			struct kr_config **ret, struct kr_err *err)
{
	struct parser p = { .name = name, .stream = stream, .err = err };
	int r;

	kr_err_clear(err);
	p.cfg = calloc(1, sizeof(*p.cfg));
	if (!p.cfg)
		return kr_err_set(err, -ENOMEM, "out of memory");
	p.cfg->path = strdup(name);
	if (!p.cfg->path) {
		r = kr_err_set(err, -ENOMEM, "out of memory");
		goto out_free;
	}

	r = ini_parse_stream(read_line, &p, on_key, &p);
	/* inih reports the first line it could not parse; ours may be
	 * later, since inih goes on after a syntax error. */
	if (p.failed && (r <= 0 || (unsigned int)r >= p.failed_line)) {
		r = err->code;
		goto out_free;
	}
	if (r != 0) {
		r = kr_err_set(err, -EINVAL,
			       "%s:%d: syntax error (expected [section], "
			       "key = value, or a comment)", name, r);
		goto out_free;
	}
	r = check_complete(&p);
	if (r < 0)
		goto out_free;
	r = apply_defaults(p.cfg, err);
	if (r < 0)
		goto out_free;
	*ret = p.cfg;
	p.cfg = NULL;
out_free:
	kr_config_free(p.cfg);
	free(p.pf_keys_given);
	free(p.buf);
	return r;
}

int kr_config_load(const char *path, struct kr_config **ret,
		   struct kr_err *err)
{
	FILE *f;
	int r;

	struct stat st;

	f = fopen(path, "re");
	if (!f)
		return kr_err_set(err, -errno, "%s: cannot open: %s", path,
				  strerror(errno));
	/* a device or a pipe never ends; a huge file is a mistake */
	if (fstat(fileno(f), &st) < 0 || !S_ISREG(st.st_mode)) {
		fclose(f);
		return kr_err_set(err, -EINVAL, "%s: not a regular file",
				  path);
	}
	if (st.st_size > CONFIG_MAX_BYTES) {
		fclose(f);
		return kr_err_set(err, -EFBIG, "%s: %lld bytes, at most %d",
				  path, (long long)st.st_size,
				  CONFIG_MAX_BYTES);
	}
	r = parse_stream(f, path, ret, err);
	fclose(f);
	return r;
}

int kr_config_parse(const char *text, size_t len, const char *name,
		    struct kr_config **ret, struct kr_err *err)
{
	FILE *f;
	int r;

	if (len == 0)
		text = "\n", len = 1;	/* fmemopen refuses size 0 */
	f = fmemopen((void *)text, len, "r");
	if (!f)
		return kr_err_set(err, -errno, "%s: %s", name,
				  strerror(errno));
	r = parse_stream(f, name, ret, err);
	fclose(f);
	return r;
}

int kr_config_check_options(const struct kr_config *cfg,
			    const struct kr_pf_config *pf,
			    const char *const *accepted, struct kr_err *err)
{
	const char *const *a;
	size_t i;

	for (i = 0; i < pf->n_options; i++) {
		const struct kr_option *o = &pf->options[i];

		for (a = accepted; a && *a; a++)
			if (!strcmp(*a, o->key))
				break;
		if (!a || !*a)
			return kr_err_set(err, -EINVAL,
					  "%s:%u: [pf \"%s\"]: unknown key "
					  "\"%s\" (backend %s)",
					  cfg->path, o->line, pf->name, o->key,
					  pf->backend);
	}
	return 0;
}

int kr_config_list_has(const char *list, const char *name)
{
	size_t len = strlen(name);
	const char *item = list;

	while (item && *item) {
		const char *end = strchr(item, ',');
		size_t n = end ? (size_t)(end - item) : strlen(item);

		if (n == len && !memcmp(item, name, len))
			return 1;
		item = end ? end + 1 : NULL;
	}
	return 0;
}

const struct kr_pf_config *kr_config_find_pf(const struct kr_config *cfg,
					     const char *name)
{
	size_t i;

	for (i = 0; i < cfg->n_pfs; i++)
		if (!strcmp(cfg->pfs[i].name, name))
			return &cfg->pfs[i];
	return NULL;
}

void kr_config_free(struct kr_config *cfg)
{
	size_t i, j;

	if (!cfg)
		return;
	for (i = 0; i < cfg->n_pfs; i++) {
		for (j = 0; j < cfg->pfs[i].n_options; j++) {
			free((char *)cfg->pfs[i].options[j].key);
			free((char *)cfg->pfs[i].options[j].value);
		}
		free(cfg->pfs[i].options);
	}
	free(cfg->pfs);
	free(cfg->path);
	free(cfg->node_name);
	free(cfg->backend_dir);
	free(cfg->state_dir);
	free(cfg->sysfs_root);
	free(cfg->dev_root);
	free(cfg->daemon_cdi_dir);
	free(cfg->daemon_listen);
	free(cfg->daemon_agent_socket);
	free(cfg->daemon_kubeconfig);
	free(cfg->daemon_auth_allowed_users);
	free(cfg->daemon_auth_allowed_groups);
	free(cfg->daemon_auth_audience);
	free(cfg->extender_listen);
	free(cfg->extender_daemon_url);
	free(cfg->extender_path_prefix);
	free(cfg->extender_kubeconfig);
	free(cfg->extender_inventory_token_file);
	free(cfg->extender_policy);
	free(cfg);
}
