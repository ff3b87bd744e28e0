/* SPDX-License-Identifier: Apache-2.0 */
#include <string.h>

#include "k8s_json.h"

json_t *json_get_ci(json_t *obj, const char *key)
{
	const char *k;
	json_t *v;

	if (!json_is_object(obj))
		return NULL;
	v = json_object_get(obj, key);
	if (v)
		return v;
	json_object_foreach(obj, k, v)
		if (!strcasecmp(k, key))
			return v;
	return NULL;
}

const char *node_internal_ip(json_t *node)
{
	json_t *a;
	size_t i;

	json_array_foreach(json_get_ci(json_get_ci(node, "status"),
				       "addresses"), i, a)
		if (!strcmp(json_string_value(json_get_ci(a, "type")) ?: "",
			    "InternalIP"))
			return json_string_value(json_get_ci(a, "address"));
	return NULL;
}
