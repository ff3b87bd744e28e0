/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The CNI verbs the node agent runs for the kube-rdma plugin: shared
 * types.  docs/cni.md describes the behaviour and the agent's socket.
 */
#ifndef KR_CNI_H
#define KR_CNI_H

#include <jansson.h>
#include <pthread.h>
#include <stddef.h>

#include "alloc.h"
#include "config.h"
#include "kube-rdma/backend.h"
#include "node.h"
#include "wire.h"

struct cni_error {
	int code;
	char msg[256];
	char details[KR_ERR_MSG_SIZE];
};

/* What the runtime passed in the environment. */
struct cni_env {
	json_t *vars;			/* every CNI_* variable, borrowed */
	const char *command;
	const char *container_id;
	const char *netns;		/* may be "" on DEL */
	const char *ifname;
	const char *path;		/* CNI_PATH */
	const char *args;		/* CNI_ARGS */
	/* from CNI_ARGS */
	char pod_namespace[64];
	char pod_name[254];
	char pod_uid[64];
};

/* The network configuration on stdin. */
struct cni_conf {
	json_t *doc;			/* the whole document */
	const char *raw;		/* its text, passed on to IPAM */
	size_t raw_len;
	const char *cni_version;
	const char *name;
	const char *config_path;	/* kube-rdma.conf */
	const char *kubeconfig;		/* or NULL */
	const char *ipam_type;		/* or NULL */
	json_t *dns;			/* or NULL */
	json_t *prev_result;		/* or NULL */
	json_t *interfaces;		/* the request without Kubernetes */
	json_t *valid_attachments;	/* GC */
	/* the version spoken with the IPAM plugin, once negotiated */
	char ipam_version[16];
};

/* What the node agent's CNI requests share. */
struct cni_agent {
	/* held from reading the node to writing the record, so that
	 * concurrent ADDs never choose the same VF */
	pthread_mutex_t placement_lock;
	/* GC holds it for writing, every other verb for reading: the
	 * runtime never runs GC beside ADD or DEL, the agent makes sure */
	pthread_rwlock_t gc_lock;
	/* attachments with a request running: a DEL that the runtime sends
	 * after giving up on an ADD waits for that ADD to finish */
	pthread_mutex_t busy_lock;
	pthread_cond_t busy_done;
	struct cni_busy *busy;
};

void cni_agent_init(struct cni_agent *agent);
void cni_agent_destroy(struct cni_agent *agent);

/* One request, from the agent's socket or from the agent's own repair. */
struct cni_call {
	struct cni_agent *agent;
	const struct kr_config *cfg;	/* the configuration in force */
	struct kr_node *node;		/* its PFs, shared */
	struct cni_env env;
	struct cni_conf conf;
	json_t *result;			/* ADD's result, new reference */
	int changed;			/* records were written or removed */
	/* the gc lock is held for writing: no ADD runs beside this */
	int exclusive;
};

/* What cni_del returns when it needs the gc lock held for writing (an
 * unreadable record: cni_unreadable.c); the dispatcher calls it again. */
#define CNI_NEEDS_EXCLUSIVE 1

/*
 * Run one CNI request: 'vars' is the runtime's environment (CNI_* names
 * to strings), 'text' the network configuration.  *ret_stdout (malloc'd)
 * is what the plugin prints: the result, nothing, or the error JSON.
 * Returns the plugin's exit status (0 or 1).  *ret_changed says whether
 * allocation records changed.
 */
int cni_run(struct cni_agent *agent, const struct kr_config *cfg,
	    struct kr_node *node, json_t *vars, const char *text, size_t len,
	    char **ret_stdout, int *ret_changed);

/*
 * Release every attachment whose ADD or DEL never finished (its record is
 * "adding" or "releasing"): what the agent does before it serves.
 * Returns how many failed to release (each is logged).
 */
size_t cni_repair(struct cni_agent *agent, const struct kr_config *cfg,
		  struct kr_node *node);

/* Fill an error; returns -1 so "return cni_fail(...)" reads well. */
int cni_fail(struct cni_error *e, int code, const char *msg,
	     const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * A network name or container ID: a letter or digit, then letters, digits,
 * '_', '.' or '-' (the spec's rule for both).
 */
int cni_name_valid(const char *s);

/* Is version 'v' at least 'min'? */
int cni_version_at_least(const char *v, const char *min);

/* Parse stdin; errors are CNI errors (decode 6, version 1, config 7). */
int cni_conf_parse(const char *text, size_t len, struct cni_conf *conf,
		   struct cni_error *e);

/* Parse CNI_ARGS (K=V;K=V) for the K8S_POD_* keys. */
int cni_args_parse(const char *args, struct cni_env *env,
		   struct cni_error *e);

/*
 * Text that may quote input, made printable ASCII ('?' for the rest, and
 * newlines kept when asked) so that it encodes as JSON.
 */
void cni_printable(char *s, int keep_newlines);

/* The error JSON the plugin prints for 'e' (malloc'd, newline-ended). */
char *cni_error_json(const char *version, struct cni_error *e);

/* ---- IPAM delegation (cni_ipam.c) ---- */

/* What an IPAM ADD gave one interface. */
struct cni_ipam_result {
	json_t *ips;			/* [{address, gateway}] */
	json_t *routes;			/* [{dst, gw}] */
	json_t *dns;
};

/*
 * Run the IPAM plugin 'conf->ipam_type' from CNI_PATH with 'command', the
 * runtime's environment but CNI_IFNAME = 'ifname', and the whole config on
 * stdin.  On ADD, '*ret' (may be NULL otherwise) gets the result.
 */
int cni_ipam_exec(const struct cni_env *env, struct cni_conf *conf,
		  const char *command, const char *ifname,
		  struct cni_ipam_result *ret, struct cni_error *e);
void cni_ipam_result_clear(struct cni_ipam_result *r);

/* ---- verbs (cni_add.c, cni_release.c, cni_check.c) ---- */

/* ADD: call->result gets the result on success. */
int cni_add(struct cni_call *call, struct cni_error *e);
/* DEL: 0, -1, or CNI_NEEDS_EXCLUSIVE unless call->exclusive. */
int cni_del(struct cni_call *call, struct cni_error *e);
int cni_check(struct cni_call *call, struct cni_error *e);
int cni_gc(struct cni_call *call, struct cni_error *e);
int cni_status(struct cni_call *call, struct cni_error *e);

/* ---- results (cni_result.c) ---- */

/* One interface of the result. */
struct cni_iface {
	char name[KR_IFNAMSIZ];
	char mac[KR_MAC_STR_SIZE];
	char pci[KR_PCI_ADDR_SIZE];
};

/*
 * The ADD result in 'version' shape: prevResult's content first (when
 * chained), then our interfaces with their IPAM results (ips[].interface
 * indexing them), routes and dns.  New reference.
 */
json_t *cni_result_build(const char *version, json_t *prev_result,
			 const char *sandbox,
			 const struct cni_iface *ifaces,
			 const struct cni_ipam_result *ipam, size_t n,
			 json_t *conf_dns);

#endif
