/*
 * brk_console.h: the web console's static files, served on the admin port
 * the way Pinot's controller serves its UI: GET / is the console's
 * index.html, GET /console/<file> one of its files. The pages query the
 * broker through POST /sql on the same port, so they need no CORS.
 *
 * Files are read from the console directory on each request rather than
 * cached at start: they are few and small, the read happens on a worker
 * thread (never the event thread), and a console rebuilt while the broker
 * runs (or built after it started) is served at once.
 */
#ifndef BRK_CONSOLE_H
#define BRK_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>

#include "brk_broker.h"

/* Larger files are refused (500): the console's biggest, Chart.js, is
 * about 200 KiB. */
#define BRK_CONSOLE_MAX_FILE (8u << 20)

/* The default console directory: "console" next to the running
 * executable (/proc/self/exe). */
int brk_console_default_dir(char *buf, size_t cap, char *err);

/* True when dir holds a built console (its index.html). */
bool brk_console_built(const char *dir);

/* Answers req when it is a console path (GET or HEAD of /, /console,
 * /console/<file>) and returns true; *cache_control is then the response's
 * Cache-Control value. Anything else: false, out untouched. File names are
 * untrusted: only plain names of known types are served, others are 404. */
bool brk_console_handle(const char *dir, const brk_request *req, brk_response *out,
                        const char **cache_control);

#endif
