/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One CNI request as the plugin received it (its CNI_* environment and
 * the network configuration): checks what each verb needs, runs it, and
 * renders what the plugin prints.  Spec versions 0.4.0, 1.0.0 and 1.1.0.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cni.h"
#include "log.h"
#include "util.h"

void cni_printable(char *s, int keep_newlines)
{
	for (; *s; s++)
		if (!(keep_newlines && *s == '\n') &&
		    ((unsigned char)*s < 0x20 || (unsigned char)*s > 0x7e))
			*s = '?';
}

char *cni_error_json(const char *version, struct cni_error *e)
{
	char *text = NULL, *line = NULL;
	json_t *doc;

	cni_printable(e->msg, 0);
	cni_printable(e->details, 0);
	doc = json_pack("{s:s, s:i, s:s, s:s}", "cniVersion",
			version && cni_version_supported(version) ? version
								  : "1.1.0",
			"code", e->code, "msg", e->msg, "details", e->details);
	if (doc)
		text = json_dumps(doc, JSON_COMPACT);
	json_decref(doc);
	if (text && asprintf(&line, "%s\n", text) < 0)
		line = NULL;
	free(text);
	return line;
}

static const char *var(json_t *vars, const char *name)
{
	return json_string_value(json_object_get(vars, name));
}

/* The environment a command needs; CNI error 4 naming what is missing. */
static int check_env(struct cni_env *env, int needs_attachment,
		     int needs_netns, struct cni_error *e)
{
	char missing[96] = "";

	if (needs_attachment && !env->container_id)
		strcat(missing, "CNI_CONTAINERID,");
	if (needs_netns && !env->netns)
		strcat(missing, "CNI_NETNS,");
	if (needs_attachment && !env->ifname)
		strcat(missing, "CNI_IFNAME,");
	if (needs_attachment && !env->path)
		strcat(missing, "CNI_PATH,");
	if (missing[0]) {
		missing[strlen(missing) - 1] = '\0';
		return cni_fail(e, CNI_ERR_INVALID_ENV,
				"required env variables missing", "[%s]",
				missing);
	}
	if (!needs_attachment)
		return 0;
	if (!*env->container_id)
		return cni_fail(e, CNI_ERR_UNKNOWN_CONTAINER,
				"missing containerID", NULL);
	if (!cni_name_valid(env->container_id) ||
	    strlen(env->container_id) > 128)
		return cni_fail(e, CNI_ERR_INVALID_ENV,
				"invalid CNI_CONTAINERID", "\"%.64s\"",
				env->container_id);
	if (!kr_ifname_valid(env->ifname))
		return cni_fail(e, CNI_ERR_INVALID_ENV,
				"invalid CNI_IFNAME",
				"\"%.32s\": 1 to 15 bytes, no '/', ':' or "
				"blanks, not . or ..", env->ifname);
	return cni_args_parse(env->args, env, e);
}

void cni_agent_init(struct cni_agent *agent)
{
	pthread_rwlockattr_t attr;

	memset(agent, 0, sizeof(*agent));
	pthread_mutex_init(&agent->placement_lock, NULL);
	pthread_mutex_init(&agent->busy_lock, NULL);
	pthread_cond_init(&agent->busy_done, NULL);
	/* a GC must not wait behind an endless stream of ADDs */
	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(
		&attr, PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	pthread_rwlock_init(&agent->gc_lock, &attr);
	pthread_rwlockattr_destroy(&attr);
}

void cni_agent_destroy(struct cni_agent *agent)
{
	pthread_mutex_destroy(&agent->placement_lock);
	pthread_rwlock_destroy(&agent->gc_lock);
	pthread_mutex_destroy(&agent->busy_lock);
	pthread_cond_destroy(&agent->busy_done);
}

/* An attachment a request is working on. */
struct cni_busy {
	const char *container_id, *ifname;	/* the request's */
	struct cni_busy *next;
};

static int busy_with(struct cni_agent *agent, const struct cni_busy *b)
{
	const struct cni_busy *i;

	for (i = agent->busy; i; i = i->next)
		if (!strcmp(i->container_id, b->container_id) &&
		    !strcmp(i->ifname, b->ifname))
			return 1;
	return 0;
}

/* Wait until no other request works on the attachment, then claim it. */
static void attachment_claim(struct cni_agent *agent, struct cni_busy *b)
{
	pthread_mutex_lock(&agent->busy_lock);
	while (busy_with(agent, b))
		pthread_cond_wait(&agent->busy_done, &agent->busy_lock);
	b->next = agent->busy;
	agent->busy = b;
	pthread_mutex_unlock(&agent->busy_lock);
}

static void attachment_release(struct cni_agent *agent, struct cni_busy *b)
{
	struct cni_busy **p;

	pthread_mutex_lock(&agent->busy_lock);
	for (p = &agent->busy; *p != b; p = &(*p)->next)
		;
	*p = b->next;
	pthread_cond_broadcast(&agent->busy_done);
	pthread_mutex_unlock(&agent->busy_lock);
}

static int dispatch(struct cni_call *call, struct cni_error *e)
{
	struct cni_env *env = &call->env;
	const char *cmd = env->command, *version = call->conf.cni_version;
	int v11 = cni_version_at_least(version, "1.1.0"), r;

	if (!strcmp(cmd, "ADD") || !strcmp(cmd, "DEL") ||
	    !strcmp(cmd, "CHECK")) {
		int add = !strcmp(cmd, "ADD"), del = !strcmp(cmd, "DEL");
		struct cni_busy busy;

		if (!add && !del && !cni_version_at_least(version, "0.4.0"))
			return cni_fail(e, CNI_ERR_VERSION,
					"config version does not allow CHECK",
					NULL);
		if (check_env(env, 1, !del, e) < 0)
			return -1;
		busy.container_id = env->container_id;
		busy.ifname = env->ifname;
		attachment_claim(call->agent, &busy);
		pthread_rwlock_rdlock(&call->agent->gc_lock);
		r = add ? cni_add(call, e) : del ? cni_del(call, e)
						 : cni_check(call, e);
		pthread_rwlock_unlock(&call->agent->gc_lock);
		if (r == CNI_NEEDS_EXCLUSIVE) {
			pthread_rwlock_wrlock(&call->agent->gc_lock);
			call->exclusive = 1;
			r = cni_del(call, e);
			pthread_rwlock_unlock(&call->agent->gc_lock);
		}
		attachment_release(call->agent, &busy);
		return r;
	}
	if (!strcmp(cmd, "GC") || !strcmp(cmd, "STATUS")) {
		if (!v11)
			return cni_fail(e, CNI_ERR_VERSION,
					"config version does not allow GC or "
					"STATUS", "cniVersion is %s, needs 1.1.0",
					version);
		if (!strcmp(cmd, "STATUS"))
			return cni_status(call, e);
		if (!env->path)
			return cni_fail(e, CNI_ERR_INVALID_ENV,
					"required env variables missing",
					"[CNI_PATH]");
		pthread_rwlock_wrlock(&call->agent->gc_lock);
		r = cni_gc(call, e);
		pthread_rwlock_unlock(&call->agent->gc_lock);
		return r;
	}
	return cni_fail(e, CNI_ERR_INVALID_ENV, "unknown CNI_COMMAND",
			"%.32s", cmd);
}

int cni_run(struct cni_agent *agent, const struct kr_config *cfg,
	    struct kr_node *node, json_t *vars, const char *text, size_t len,
	    char **ret_stdout, int *ret_changed)
{
	struct cni_call call = { .agent = agent, .cfg = cfg, .node = node };
	struct cni_error e = { 0 };
	char *out = NULL;
	int r;

	call.env.vars = vars;
	call.env.command = var(vars, "CNI_COMMAND");
	call.env.container_id = var(vars, "CNI_CONTAINERID");
	call.env.netns = var(vars, "CNI_NETNS");
	call.env.ifname = var(vars, "CNI_IFNAME");
	call.env.path = var(vars, "CNI_PATH");
	call.env.args = var(vars, "CNI_ARGS");
	*ret_changed = 0;
	if (!call.env.command) {
		r = cni_fail(&e, CNI_ERR_INVALID_ENV,
			     "required env variables missing", "[CNI_COMMAND]");
	} else if (!strcmp(call.env.command, "VERSION")) {
		json_t *doc = json_loadb(text, len, 0, NULL);

		out = cni_version_answer(
			json_string_value(json_object_get(doc, "cniVersion")));
		json_decref(doc);
		r = out ? 0 : cni_fail(&e, CNI_ERR_INTERNAL, "out of memory",
				       NULL);
	} else {
		r = cni_conf_parse(text, len, &call.conf, &e);
		if (r == 0)
			r = dispatch(&call, &e);
		if (r == 0 && call.result) {
			char *res = json_dumps(call.result, JSON_COMPACT);

			if (!res || asprintf(&out, "%s\n", res) < 0)
				r = cni_fail(&e, CNI_ERR_INTERNAL,
					     "out of memory", NULL);
			free(res);
		}
	}
	if (r < 0) {
		free(out);
		kr_log(KR_LOG_ERR, "%s %s: %s%s%s",
		       call.env.command ? call.env.command : "?",
		       call.env.container_id ? call.env.container_id : "",
		       e.msg, e.details[0] ? ": " : "", e.details);
		out = cni_error_json(call.conf.cni_version, &e);
	}
	*ret_stdout = out ? out : strdup("");
	*ret_changed = call.changed;
	json_decref(call.result);
	json_decref(call.conf.doc);
	return r < 0 ? 1 : 0;
}
