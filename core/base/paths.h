/* SPDX-License-Identifier: Apache-2.0 */
/* Compiled-in locations, and telling a build-tree run from an installed one. */
#ifndef KR_PATHS_H
#define KR_PATHS_H

/*
 * The backend directory to use when the configuration names none: the
 * build tree's own backends when the running program lives in the build
 * tree (so programs and tests run without installing), else the installed
 * directory.
 */
const char *kr_default_backend_dir(void);

#define KR_DEFAULT_CONFIG "/etc/kube-rdma/kube-rdma.conf"
#define KR_DEFAULT_STATE_DIR "/var/lib/kube-rdma"
#define KR_DEFAULT_SYSFS_ROOT "/sys"
/* Where the node agent takes CNI requests (netconf key agent_socket). */
#define KR_DEFAULT_AGENT_SOCKET "/run/kube-rdma/cni.sock"

#endif
