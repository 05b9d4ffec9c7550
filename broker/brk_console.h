/*
 * brk_console.h: the web console's static files, served on the admin port
 * the way Pinot's controller serves its UI: GET / is the console's
 * index.html, GET /console/<file> one of its files. The pages query the
 * broker through POST /sql on the same port, so they need no CORS.
 *
 * Also here: the sign-in endpoints the console uses when the broker runs
 * with --auth (POST /auth/login for a bearer token, GET /auth/info,
 * GET /auth/whoami).
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

#include "brk_auth.h"
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

/* ---- sign-in ------------------------------------------------------------ */

/* The public sign-in endpoints: GET /auth/info ({"authEnabled": bool})
 * and POST /auth/login (a JSON {"username", "password"} body, or a Basic
 * header when the body is empty) -> {"token", "tokenType": "Bearer",
 * "username", "role", "expiresIn"}; wrong credentials are a 401 that
 * never says whether the user exists. Returns false when req is not one of
 * them. On a successful login req->user is the user (for the audit log);
 * on a failed one detail says whose login failed. The password is wiped
 * from req->body once checked. */
bool brk_console_auth_public(brk_broker *b, brk_request *req, const char *authorization,
                             brk_response *out, char *detail, size_t cap);

/* GET /auth/whoami for an authenticated req: {"username", "role",
 * "authEnabled"}. false when req is not it. */
bool brk_console_auth_whoami(brk_broker *b, const brk_request *req, brk_response *out);

#endif
