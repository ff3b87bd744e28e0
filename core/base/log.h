/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The programs' one log sink: "PROGRAM: LEVEL: message" lines on stderr
 * (journald and kubectl logs pick them up).  Library code logs at debug
 * level only; programs log each failure once.
 */
#ifndef KR_LOG_H
#define KR_LOG_H

#include <stdio.h>

#include "kube-rdma/backend.h"

/* Name printed before each line and the most verbose level shown. */
void kr_log_setup(const char *program, enum kr_log_level max_level);

/*
 * Copy this thread's warnings and errors to 'f' as well (NULL stops): the
 * node agent hands them to the CNI plugin, whose stderr the runtime logs.
 */
void kr_log_capture(FILE *f);

/* Write one line; keeps errno. */
void kr_log(enum kr_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
