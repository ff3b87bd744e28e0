/* SPDX-License-Identifier: Apache-2.0 */
/* The network configuration on stdin, CNI_ARGS, versions and errors. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cni.h"
#include "paths.h"


int cni_fail(struct cni_error *e, int code, const char *msg,
	     const char *fmt, ...)
{
	va_list ap;

	e->code = code;
	snprintf(e->msg, sizeof(e->msg), "%s", msg);
	e->details[0] = '\0';
	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(e->details, sizeof(e->details), fmt, ap);
		va_end(ap);
	}
	return -1;
}

int cni_version_at_least(const char *v, const char *min)
{
	unsigned int a[3] = { 0 }, b[3] = { 0 };
	int i;

	sscanf(v, "%u.%u.%u", &a[0], &a[1], &a[2]);
	sscanf(min, "%u.%u.%u", &b[0], &b[1], &b[2]);
	for (i = 0; i < 3; i++)
		if (a[i] != b[i])
			return a[i] > b[i];
	return 1;
}

/* Keys of ours and the spec's; anything else is refused (code 2). */
static int known_key(const char *key)
{
	static const char *const keys[] = {
		"cniVersion", "cniVersions", "name", "type", "config",
		"kubeconfig", "agent_socket", "ipam", "dns", "interfaces",
		"prevResult",
		"runtimeConfig", "args", "capabilities",
	};
	size_t i;

	if (!strncmp(key, "cni.dev/", 8))
		return 1;
	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		if (!strcmp(key, keys[i]))
			return 1;
	return 0;
}

int cni_name_valid(const char *s)
{
	const char *p;

	if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') ||
	      (*s >= '0' && *s <= '9')))
		return 0;
	for (p = s; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '_' || *p == '.' ||
		      *p == '-'))
			return 0;
	return 1;
}

static const char *opt_string(json_t *doc, const char *key, int *bad)
{
	json_t *v = json_object_get(doc, key);

	if (!v)
		return NULL;
	if (!json_is_string(v)) {
		*bad = 1;
		return NULL;
	}
	return json_string_value(v);
}

int cni_conf_parse(const char *text, size_t len, struct cni_conf *conf,
		   struct cni_error *e)
{
	json_error_t jerr;
	const char *key;
	json_t *v, *ipam;
	int bad = 0;

	memset(conf, 0, sizeof(*conf));
	conf->raw = text;
	conf->raw_len = len;
	conf->doc = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr);
	if (!conf->doc || !json_is_object(conf->doc))
		return cni_fail(e, CNI_ERR_DECODE,
				"cannot decode the network configuration",
				"%s (line %d, column %d)",
				conf->doc ? "not an object" : jerr.text,
				jerr.line, jerr.column);
	conf->cni_version = opt_string(conf->doc, "cniVersion", &bad);
	if (bad)
		return cni_fail(e, CNI_ERR_DECODE,
				"cniVersion must be a string", NULL);
	if (!conf->cni_version)
		conf->cni_version = "0.1.0";	/* as libcni reads it */
	if (!cni_version_supported(conf->cni_version))
		return cni_fail(e, CNI_ERR_VERSION,
				"incompatible CNI versions",
				"config is \"%s\", plugin supports [\"0.4.0\" "
				"\"1.0.0\" \"1.1.0\"]", conf->cni_version);
	json_object_foreach(conf->doc, key, v) {
		if (!known_key(key)) {
			char *value = json_dumps(v, JSON_ENCODE_ANY |
							    JSON_COMPACT);

			cni_fail(e, CNI_ERR_UNSUPPORTED_FIELD,
				 "unsupported field in the network "
				 "configuration",
				 "%s = %.200s (known: agent_socket, ipam, "
				 "dns, interfaces, kubeconfig, config)", key,
				 value ? value : "?");
			free(value);
			return -1;
		}
	}
	conf->name = opt_string(conf->doc, "name", &bad);
	if (bad || !conf->name || !cni_name_valid(conf->name))
		return cni_fail(e, CNI_ERR_INVALID_CONFIG,
				"missing network name",
				"\"name\" must be a string starting with a "
				"letter or digit");
	conf->config_path = opt_string(conf->doc, "config", &bad);
	conf->kubeconfig = opt_string(conf->doc, "kubeconfig", &bad);
	if (bad)
		return cni_fail(e, CNI_ERR_INVALID_CONFIG,
				"\"config\" and \"kubeconfig\" are file paths "
				"(strings)", NULL);
	if (!conf->config_path)
		conf->config_path = KR_DEFAULT_CONFIG;
	ipam = json_object_get(conf->doc, "ipam");
	if (ipam && !json_is_object(ipam))
		return cni_fail(e, CNI_ERR_INVALID_CONFIG,
				"ipam must be an object", "{\"type\": ...}");
	if (ipam && json_object_size(ipam)) {
		conf->ipam_type = opt_string(ipam, "type", &bad);
		if (bad || !conf->ipam_type || !*conf->ipam_type ||
		    strchr(conf->ipam_type, '/'))
			return cni_fail(e, CNI_ERR_INVALID_CONFIG,
					"ipam.type must name a plugin", NULL);
	}
	conf->dns = json_object_get(conf->doc, "dns");
	if (conf->dns && !json_is_object(conf->dns))
		return cni_fail(e, CNI_ERR_INVALID_CONFIG,
				"dns must be an object", NULL);
	conf->prev_result = json_object_get(conf->doc, "prevResult");
	if (conf->prev_result && !json_is_object(conf->prev_result))
		conf->prev_result = NULL;	/* empty or null: as absent */
	conf->interfaces = json_object_get(conf->doc, "interfaces");
	conf->valid_attachments =
		json_object_get(conf->doc, "cni.dev/valid-attachments");
	if (!conf->valid_attachments)
		conf->valid_attachments =
			json_object_get(conf->doc, "cni.dev/attachments");
	return 0;
}

static int copy_value(char *dst, size_t size, const char *v, size_t len)
{
	if (len >= size)
		return -1;
	memcpy(dst, v, len);
	dst[len] = '\0';
	return 0;
}

int cni_args_parse(const char *args, struct cni_env *env,
		   struct cni_error *e)
{
	int ignore_unknown = args && strstr(args, "IgnoreUnknown=1") != NULL;
	const char *p = args;

	while (p && *p) {
		const char *end = strchr(p, ';'), *eq;
		size_t len = end ? (size_t)(end - p) : strlen(p), klen;
		int r = 0;

		eq = memchr(p, '=', len);
		if (!eq)
			return cni_fail(e, CNI_ERR_INVALID_ENV,
					"invalid CNI_ARGS",
					"\"%.*s\" is not KEY=VALUE", (int)len,
					p);
		klen = (size_t)(eq - p);
		if (klen == 17 && !strncmp(p, "K8S_POD_NAMESPACE", klen))
			r = copy_value(env->pod_namespace,
				       sizeof(env->pod_namespace), eq + 1,
				       len - klen - 1);
		else if (klen == 12 && !strncmp(p, "K8S_POD_NAME", klen))
			r = copy_value(env->pod_name, sizeof(env->pod_name),
				       eq + 1, len - klen - 1);
		else if (klen == 11 && !strncmp(p, "K8S_POD_UID", klen))
			r = copy_value(env->pod_uid, sizeof(env->pod_uid),
				       eq + 1, len - klen - 1);
		else if (!(klen == 13 && !strncmp(p, "IgnoreUnknown", klen)) &&
			 !(klen == 26 &&
			   !strncmp(p, "K8S_POD_INFRA_CONTAINER_ID", klen)) &&
			 !ignore_unknown)
			return cni_fail(e, CNI_ERR_INVALID_ENV,
					"invalid CNI_ARGS",
					"unknown key \"%.*s\" (and no "
					"IgnoreUnknown=1)", (int)klen, p);
		if (r < 0)
			return cni_fail(e, CNI_ERR_INVALID_ENV,
					"invalid CNI_ARGS",
					"value of %.*s too long", (int)klen, p);
		p = end ? end + 1 : NULL;
	}
	return 0;
}
