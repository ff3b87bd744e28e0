/* SPDX-License-Identifier: Apache-2.0 */
/*
 * kube-rdma-daemon init: for each PF, the configured VF count, VF netdevs
 * that exist, and no rate left on a VF that no pod holds (a leak from a
 * crashed CNI plugin or an earlier configuration).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"
#include "err.h"
#include "log.h"
#include "vf_init.h"

/* How long VF netdevs may take to appear after the count changed. */
#define VF_NETDEV_TIMEOUT_MS 30000

/*
 * The VFs of 'pf' (kr_node_pf_vfs); after a count change, retried until
 * every VF has its netdev (new VFs appear asynchronously) or the deadline.
 */
static int list_vfs(struct kr_node_pf *pf, int wait, struct kr_vf_info **ret,
		    uint32_t *ret_n, struct kr_err *err)
{
	const struct timespec pause = { 0, 100 * 1000 * 1000 };
	int waited_ms = 0, r;
	uint32_t i;

	for (;;) {
		r = kr_node_pf_vfs(pf, ret, ret_n, err);
		if (r < 0)
			return r;
		for (i = 0; i < *ret_n; i++)
			if (!(*ret)[i].netdev[0])
				break;
		if (!wait || i == *ret_n)
			return 0;
		if (waited_ms >= VF_NETDEV_TIMEOUT_MS) {
			r = kr_err_set(err, -ETIMEDOUT,
				       "VF %u has no netdev after %d s",
				       (*ret)[i].index, waited_ms / 1000);
			free(*ret);
			return r;
		}
		free(*ret);
		nanosleep(&pause, NULL);
		waited_ms += 100;
	}
}

/*
 * -EBUSY, naming the pods, when a change of the VF count would take away
 * VFs that pods hold.
 */
static int count_change_allowed(struct kr_node_pf *pf, struct kr_alloc **allocs,
				size_t n_allocs, size_t bad_records, int force,
				struct kr_err *err)
{
	char pods[512] = "";
	uint32_t cur;
	size_t a, v, held = 0;
	int r;

	r = kr_node_pf_num_vfs(pf, &cur, err);
	if (r < 0 || cur == pf->cfg->num_vfs)
		return r;
	for (a = 0; a < n_allocs; a++) {
		for (v = 0; v < allocs[a]->n_vfs; v++)
			if (!strcmp(allocs[a]->vfs[v].pf, pf->cfg->name))
				break;
		if (v == allocs[a]->n_vfs)
			continue;
		if (held++ >= 4)
			continue;
		if (allocs[a]->pod_name[0])
			snprintf(pods + strlen(pods), sizeof(pods) - strlen(pods),
				 "%s%s/%s (%s)", held > 1 ? ", " : "",
				 allocs[a]->pod_namespace, allocs[a]->pod_name,
				 allocs[a]->container_id);
		else	/* a runtime without Kubernetes */
			snprintf(pods + strlen(pods), sizeof(pods) - strlen(pods),
				 "%s%s", held > 1 ? ", " : "",
				 allocs[a]->container_id);
	}
	/* an unreadable record may hold VFs of this PF */
	if (bad_records && !force)
		return kr_err_set(err, -EBUSY, "num_vfs %u -> %u could take "
					       "away VFs that an unreadable "
					       "allocation record holds; "
					       "delete its pod or run init "
					       "--force", cur,
				  pf->cfg->num_vfs);
	if (!held)
		return 0;
	if (force) {
		kr_log(KR_LOG_WARNING, "PF %s: num_vfs %u -> %u with %zu "
				       "attachments holding VFs (--force): "
				       "%s", pf->cfg->name, cur,
		       pf->cfg->num_vfs, held, pods);
		return 0;
	}
	return kr_err_set(err, -EBUSY, "num_vfs %u -> %u would take away the "
				       "VFs of %zu attachment%s: %s%s; delete "
				       "those pods first, or run init --force",
			  cur, pf->cfg->num_vfs, held, held == 1 ? "" : "s",
			  pods, held > 4 ? ", ..." : "");
}

/*
 * Bring one PF up; fills 'summary'.  0 or a negative errno.  While
 * 'bad_records' records cannot be read, their VFs are unknown: none is
 * reset.
 */
static int init_pf(struct kr_node_pf *pf, struct kr_alloc **allocs,
		   size_t n_allocs, size_t bad_records, int force,
		   char *summary, size_t size, struct kr_err *err)
{
	struct kr_vf_info *vfs = NULL;
	uint32_t n = 0, i, reset = 0, kept = 0;
	int changed = 0, r;

	if (!pf->handle) {
		*err = pf->open_err;
		return err->code ? err->code : -ENODEV;
	}
	r = count_change_allowed(pf, allocs, n_allocs, bad_records, force,
				 err);
	if (r < 0)
		return r;
	r = kr_node_pf_set_num_vfs(pf, pf->cfg->num_vfs, &changed, err);
	if (r < 0)
		return r;
	r = list_vfs(pf, changed, &vfs, &n, err);
	if (r < 0) {
		kr_err_prefix(err, "PF %s", pf->cfg->name);
		return r;
	}
	for (i = 0; i < n; i++) {
		if (!vfs[i].min_tx_rate && !vfs[i].max_tx_rate)
			continue;
		if (kr_alloc_holder(allocs, n_allocs, pf->cfg->name,
				    vfs[i].index))
			continue;
		if (bad_records) {	/* it may be the unreadable one's */
			kept++;
			continue;
		}
		r = kr_node_pf_vf_reset(pf, vfs[i].index, err);
		if (r < 0) {
			kr_err_prefix(err, "PF %s VF %u: reset",
				      pf->cfg->name, vfs[i].index);
			free(vfs);
			return r;
		}
		reset++;
	}
	free(vfs);
	snprintf(summary, size, "%u VFs (%s, backend %s%s", pf->cfg->num_vfs,
		 changed ? "changed" : "unchanged", pf->cfg->backend,
		 reset || kept ? ", " : ")");
	if (reset)
		snprintf(summary + strlen(summary), size - strlen(summary),
			 "%u unowned VF%s reset)", reset,
			 reset == 1 ? "" : "s");
	else if (kept)
		snprintf(summary + strlen(summary), size - strlen(summary),
			 "%u VF%s with rates kept: an allocation record is "
			 "unreadable)", kept, kept == 1 ? "" : "s");
	return 0;
}

static void on_bad_record(void *arg, const char *path,
			  const struct kr_err *err)
{
	size_t *bad = arg;

	(*bad)++;
	kr_log(KR_LOG_WARNING, "%s; no VF is reset while a record cannot be "
			       "read", kr_err_text(err));
}

int vf_init_node(struct kr_node *node, int force, FILE *out)
{
	struct kr_alloc **allocs = NULL;
	struct kr_err err = { 0 };
	size_t i, n_allocs = 0, bad_records = 0;
	int failed = 0;

	if (kr_alloc_list(node->cfg->state_dir, on_bad_record, &bad_records,
			  &allocs, &n_allocs, &err) < 0) {
		/* Without the records a held VF could be reset: stop. */
		fprintf(out, "FAILED: %s\n", kr_err_text(&err));
		return (int)node->n_pfs ? (int)node->n_pfs : 1;
	}
	for (i = 0; i < node->n_pfs; i++) {
		char summary[256];

		kr_err_clear(&err);
		if (init_pf(&node->pfs[i], allocs, n_allocs, bad_records,
			    force, summary, sizeof(summary), &err) < 0) {
			fprintf(out, "%s: FAILED (%s)\n",
				node->pfs[i].cfg->name, kr_err_text(&err));
			failed++;
			continue;
		}
		fprintf(out, "%s: %s\n", node->pfs[i].cfg->name, summary);
	}
	kr_alloc_list_free(allocs, n_allocs);
	return failed;
}
