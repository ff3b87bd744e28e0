/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Bearer tokens kept in files.  A pod's service account token is a
 * projected volume the kubelet replaces before it expires (about hourly:
 * a new directory, then a rename of the "..data" link), so a program that
 * runs for days reads it again whenever the file it names changes.
 */
#ifndef KR_TOKEN_FILE_H
#define KR_TOKEN_FILE_H

#include "kube-rdma/backend.h"

/* A pod's service account: token, ca.crt, namespace. */
#define KR_K8S_SA_DIR "/var/run/secrets/kubernetes.io/serviceaccount"
#define KR_K8S_SA_TOKEN KR_K8S_SA_DIR "/token"

/*
 * Read the token in 'path' (the trailing newline dropped): *ret is a new
 * string for kr_token_free.  -ENOENT/-EACCES (cannot open), -EINVAL (empty,
 * larger than 64 KiB, or holding blanks or control characters, which no
 * token has and which would break the Authorization header), -ENOMEM.
 * Messages name the file, never the token.
 */
int kr_token_read(const char *path, char **ret, struct kr_err *err);

/* Wipe and free a token.  Accepts NULL. */
void kr_token_free(char *token);

struct kr_token_file;

/* Follow the token in 'path' (which need not exist yet).  -ENOMEM. */
int kr_token_file_open(const char *path, struct kr_token_file **ret,
		       struct kr_err *err);

/*
 * The token as the file holds it now: read again when the file is
 * another one (inode, size or time changed), else the copy kept.  *ret
 * is a new string for kr_token_free.  Errors as kr_token_read's.  Safe
 * from any thread.
 */
int kr_token_file_get(struct kr_token_file *tf, char **ret,
		      struct kr_err *err);

/* The path followed. */
const char *kr_token_file_path(const struct kr_token_file *tf);

/* Accepts NULL. */
void kr_token_file_close(struct kr_token_file *tf);

#endif
