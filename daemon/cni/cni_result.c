/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The ADD result in the request's version: 1.1.0 carries pciID and the
 * route extras; 1.0.0 only name/mac/sandbox and dst/gw; 0.4.0 adds
 * ips[].version (libcni's convertTo04x).
 */
#include <string.h>

#include "cni.h"

static json_t *iface_json(const char *version, const struct cni_iface *i,
			  const char *sandbox)
{
	json_t *o = json_pack("{s:s, s:s, s:s}", "name", i->name, "mac",
			      i->mac, "sandbox", sandbox);

	if (o && cni_version_at_least(version, "1.1.0") && i->pci[0])
		json_object_set_new(o, "pciID", json_string(i->pci));
	return o;
}

/* Copy an "ips" entry for 'version', pointing at interface 'index'. */
static json_t *ip_json(const char *version, json_t *ip, json_int_t index)
{
	const char *address = json_string_value(json_object_get(ip, "address"));
	json_t *gw = json_object_get(ip, "gateway");
	json_t *o;

	if (!address)
		return NULL;
	o = json_pack("{s:s}", "address", address);
	if (!o)
		return NULL;
	if (!cni_version_at_least(version, "1.0.0"))
		json_object_set_new(o, "version",
				    json_string(strchr(address, ':') ? "6"
								     : "4"));
	if (json_is_string(gw))
		json_object_set(o, "gateway", gw);
	if (index >= 0)
		json_object_set_new(o, "interface", json_integer(index));
	return o;
}

static json_t *route_json(const char *version, json_t *route)
{
	static const char *const extras[] = { "mtu", "advmss", "priority",
					      "table", "scope" };
	json_t *dst = json_object_get(route, "dst");
	json_t *o;
	size_t i;

	if (!json_is_string(dst))
		return NULL;
	o = json_pack("{s:O}", "dst", dst);
	if (json_is_string(json_object_get(route, "gw")))
		json_object_set(o, "gw", json_object_get(route, "gw"));
	for (i = 0; cni_version_at_least(version, "1.1.0") &&
		    i < sizeof(extras) / sizeof(extras[0]);
	     i++)
		if (json_object_get(route, extras[i]))
			json_object_set(o, extras[i],
					json_object_get(route, extras[i]));
	return o;
}

/* Append route unless an equal one is there. */
static void add_route(json_t *routes, json_t *route)
{
	size_t i;
	json_t *r;

	if (!route)
		return;
	json_array_foreach(routes, i, r)
		if (json_equal(r, route)) {
			json_decref(route);
			return;
		}
	json_array_append_new(routes, route);
}

json_t *cni_result_build(const char *version, json_t *prev_result,
			 const char *sandbox,
			 const struct cni_iface *ifaces,
			 const struct cni_ipam_result *ipam, size_t n,
			 json_t *conf_dns)
{
	json_t *res, *interfaces, *ips, *routes, *v;
	json_int_t base = 0;
	size_t i, j;

	res = json_object();
	interfaces = json_array();
	ips = json_array();
	routes = json_array();
	if (!res || !interfaces || !ips || !routes)
		goto out_nomem;
	/* chained: keep what the plugins before us reported */
	if (prev_result) {
		json_array_foreach(json_object_get(prev_result, "interfaces"),
				   j, v)
			json_array_append(interfaces, v);
		json_array_foreach(json_object_get(prev_result, "ips"), j, v) {
			json_t *idx = json_object_get(v, "interface");

			json_array_append_new(
				ips, ip_json(version, v,
					     json_is_integer(idx)
						     ? json_integer_value(idx)
						     : -1));
		}
		json_array_foreach(json_object_get(prev_result, "routes"), j,
				   v)
			add_route(routes, route_json(version, v));
		base = (json_int_t)json_array_size(interfaces);
	}
	for (i = 0; i < n; i++) {
		json_array_append_new(interfaces,
				      iface_json(version, &ifaces[i], sandbox));
		json_array_foreach(ipam[i].ips, j, v)
			json_array_append_new(
				ips, ip_json(version, v, base + (json_int_t)i));
		json_array_foreach(ipam[i].routes, j, v)
			add_route(routes, route_json(version, v));
	}
	json_object_set_new(res, "cniVersion", json_string(version));
	json_object_set_new(res, "interfaces", interfaces);
	json_object_set_new(res, "ips", ips);
	if (json_array_size(routes))
		json_object_set_new(res, "routes", routes);
	else
		json_decref(routes);
	/* the configuration's dns wins; else the first IPAM's, or prev's */
	v = conf_dns;
	for (i = 0; !v && i < n; i++)
		if (json_object_size(ipam[i].dns))
			v = ipam[i].dns;
	if (!v && prev_result)
		v = json_object_get(prev_result, "dns");
	if (v)
		json_object_set(res, "dns", v);
	return res;
out_nomem:
	json_decref(res);
	json_decref(interfaces);
	json_decref(ips);
	json_decref(routes);
	return NULL;
}
