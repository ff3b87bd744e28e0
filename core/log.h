/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The programs' one log sink: "PROGRAM: LEVEL: message" lines on stderr
 * (journald and kubectl logs pick them up).  Library code logs at debug
 * level only; programs log each failure once.
 */
#ifndef KR_LOG_H
#define KR_LOG_H

#include "kube-rdma/backend.h"

/* Name printed before each line and the most verbose level shown. */
void kr_log_setup(const char *program, enum kr_log_level max_level);

/* Write one line; keeps errno. */
void kr_log(enum kr_log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
