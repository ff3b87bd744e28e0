/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The node configuration file (/etc/kube-rdma/kube-rdma.conf), read with
 * inih.  Every error names the file, the line and the key; unknown sections
 * and keys are errors.  A PF section's keys beyond the core's are kept, with
 * their lines, for the PF's backend to accept (see kr_config_check_options).
 */
#ifndef KR_CONFIG_H
#define KR_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "kube-rdma/backend.h"

/* One [pf "NAME"] section. */
struct kr_pf_config {
	char name[KR_IFNAMSIZ];		/* PF netdev name */
	char backend[64];		/* backend = */
	uint32_t num_vfs;		/* num_vfs = */
	uint32_t capacity_mbps;		/* capacity_mbps =, 0: link speed */
	unsigned int line;		/* line of the section header */
	struct kr_option *options;	/* the backend's keys, owned */
	size_t n_options;
};

/* [daemon] auth: who may read the daemon's HTTP API. */
enum kr_auth_mode {
	KR_AUTH_NONE,		/* anyone who reaches the port */
	KR_AUTH_TOKENREVIEW,	/* a bearer token the API server vouches for */
};

struct kr_config {
	char *path;			/* the file read, for messages */
	/* [node] */
	char *node_name;		/* name, $NODE_NAME, hostname */
	char *backend_dir;		/* where NAME.so backends live */
	char *state_dir;		/* allocation records, backend state */
	char *sysfs_root;		/* "/sys" unless testing */
	char *dev_root;			/* "/dev" unless testing */
	/* [daemon] */
	char *daemon_listen;		/* "HOST:PORT" */
	uint32_t daemon_refresh_ms;	/* inventory rescan interval */
	uint32_t daemon_max_connections;
	uint32_t daemon_max_connections_per_client;	/* per address */
	uint32_t daemon_idle_timeout_s;	/* close idle connections after */
	uint32_t daemon_request_timeout_s;	/* a whole request within */
	char *daemon_cdi_dir;		/* where the CDI spec goes, or "" */
	char *daemon_agent_socket;	/* the CNI plugin's unix socket */
	char *daemon_kubeconfig;	/* NULL: in-cluster service account */
	enum kr_auth_mode daemon_auth;	/* auth = */
	char *daemon_auth_allowed_users;	/* "a,b" (blanks removed), or NULL */
	char *daemon_auth_allowed_groups;	/* the same, for groups */
	char *daemon_auth_audience;	/* the tokens' audience, or NULL */
	uint32_t daemon_auth_cache_ttl_s;	/* how long a review's answer holds */
	uint32_t daemon_auth_timeout_ms;	/* bound on one TokenReview */
	/* [extender] */
	char *extender_listen;		/* "HOST:PORT" */
	char *extender_daemon_url;	/* template with {node}, {address} */
	char *extender_path_prefix;	/* "" or "/PREFIX" */
	char *extender_kubeconfig;	/* NULL: in-cluster service account */
	/* the token shown to daemons: NULL the in-cluster one, "" none */
	char *extender_inventory_token_file;
	char *extender_policy;		/* "binpack" or "spread" */
	uint32_t extender_poll_ms;	/* daemon polling interval */
	uint32_t extender_timeout_ms;	/* per daemon request */
	uint32_t extender_stale_ms;	/* older inventories fail nodes */
	uint32_t extender_reservation_ttl_s;
	uint32_t extender_max_body;	/* request body limit, bytes */
	uint32_t extender_max_body_total;	/* all bodies in flight */
	uint32_t extender_max_connections;
	uint32_t extender_max_connections_per_client;	/* per address */
	uint32_t extender_idle_timeout_s;	/* close idle connections after */
	uint32_t extender_request_timeout_s;	/* a whole request within */
	uint32_t extender_max_nodes;	/* most nodes in the node cache */
	uint32_t extender_forget_s;	/* idle nodes without a Node go */
	/* [pf "NAME"] sections in file order */
	struct kr_pf_config *pfs;
	size_t n_pfs;
};

/*
 * Read and validate the file at 'path'.  On success *ret is a new
 * configuration (kr_config_free); on failure err names FILE:LINE: and the
 * key: -ENOENT/-EACCES (cannot open), -EINVAL (bad content), -ENOMEM.
 */
int kr_config_load(const char *path, struct kr_config **ret,
		   struct kr_err *err);

/*
 * As kr_config_load, from 'len' bytes of text; 'name' stands for the file
 * name in messages.
 */
int kr_config_parse(const char *text, size_t len, const char *name,
		    struct kr_config **ret, struct kr_err *err);

/*
 * Check that every option of 'pf' is one of the NULL-terminated 'accepted'
 * keys (a backend's pf_options).  -EINVAL naming FILE:LINE and the key.
 */
int kr_config_check_options(const struct kr_config *cfg,
			    const struct kr_pf_config *pf,
			    const char *const *accepted, struct kr_err *err);

/*
 * Whether 'name' is an item of 'list', a list as config stores it
 * ("a,b,c"; NULL is empty).
 */
int kr_config_list_has(const char *list, const char *name);

/* Find a PF by name, or NULL. */
const struct kr_pf_config *kr_config_find_pf(const struct kr_config *cfg,
					     const char *name);

/* Accepts NULL. */
void kr_config_free(struct kr_config *cfg);

#endif
