/* A hand-written HTTP server: its own `struct http_request` holds what the client sent. */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

struct http_request {
    char method[8];
    char path[256];
};

static void serve(int client, const struct http_request *req)
{
    char full[512];
    snprintf(full, sizeof full, "/srv/www/%s", req->path);
    FILE *f = fopen(full, "r"); /* expect: C-PATH-001 */
    if (f != NULL)
        fclose(f);
    (void)client;
}

static void serve_index(int client, const struct http_request *req)
{
    FILE *f = fopen("/srv/www/index.html", "r"); /* ok: C-PATH-001 */
    if (f != NULL)
        fclose(f);
    (void)client;
    (void)req;
}
