/*
 * share_links.c - tiny HTTP daemon for the NAS "share with a link" feature.
 *
 * GET /s/<token>/<file> streams a file from the shared folder while the link is valid;
 * GET /raw/<path> is the legacy direct-download route still used by the mobile app.
 * Links live in a linked list that the janitor prunes once a minute.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#define SHARE_ROOT "/srv/nas/shared"
#define TOKEN_BYTES 16

struct share_link {
    char token[2 * TOKEN_BYTES + 1];
    char file_name[128];
    time_t expires_at;
    char *owner;
    struct share_link *next;
};

static struct share_link *links;

static void send_file(int client, const char *path)
{
    char buf[8192];
    size_t n;
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        dprintf(client, "HTTP/1.0 404 Not Found\r\n\r\n");
        return;
    }
    dprintf(client, "HTTP/1.0 200 OK\r\nContent-Type: application/octet-stream\r\n\r\n");
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        write(client, buf, n);
    fclose(f);
}

int create_link(const char *file_name, const char *owner, int ttl_seconds, char *token_out, size_t token_len)
{
    unsigned char raw[TOKEN_BYTES];
    if (strchr(file_name, '/') != NULL || strcmp(file_name, "..") == 0)
        return -1;
    if (token_len < sizeof links->token || getrandom(raw, sizeof raw, 0) != sizeof raw) /* ok: C-RAND-001 */
        return -1;
    struct share_link *l = calloc(1, sizeof *l);
    if (l == NULL)
        return -1;
    for (int i = 0; i < TOKEN_BYTES; i++)
        snprintf(l->token + 2 * i, 3, "%02x", raw[i]);
    memcpy(l->file_name, file_name, strlen(file_name) + 1); /* expect: C-BUF-005 */
    l->owner = strdup(owner);
    l->expires_at = time(NULL) + ttl_seconds;
    l->next = links;
    links = l;
    snprintf(token_out, token_len, "%s", l->token);
    return 0;
}

void prune_expired(time_t now)
{
    struct share_link **pp = &links;
    while (*pp != NULL) {
        struct share_link *l = *pp;
        if (l->expires_at > now) {
            pp = &l->next;
            continue;
        }
        free(l->owner);
        free(l);
        fprintf(stderr, "share link of %s expired\n", l->owner); /* expect: C-MEM-002 */
        *pp = l->next; /* expect: C-MEM-002 */
    }
}

static struct share_link *find_link(const char *token)
{
    for (struct share_link *l = links; l != NULL; l = l->next)
        if (strcmp(l->token, token) == 0 && l->expires_at > time(NULL)) /* expect: C-TIMING-001 */
            return l;
    return NULL;
}

static void serve_share(int client, const char *rest)
{
    char token[2 * TOKEN_BYTES + 1];
    char full[PATH_MAX];
    if (sscanf(rest, "%32[0-9a-f]", token) != 1) /* ok: C-BUF-003 */
        return;
    struct share_link *l = find_link(token);
    if (l == NULL) {
        dprintf(client, "HTTP/1.0 410 Gone\r\n\r\n");
        return;
    }
    snprintf(full, sizeof full, "%s/%s", SHARE_ROOT, l->file_name);
    send_file(client, full); /* ok: C-PATH-001 */
}

static void serve_raw(int client, const char *path)
{
    char full[PATH_MAX];
    snprintf(full, sizeof full, "%s/%s", SHARE_ROOT, path);
    FILE *probe = fopen(full, "rb"); /* expect: C-PATH-001 */
    if (probe == NULL) {
        dprintf(client, "HTTP/1.0 404 Not Found\r\n\r\n");
        return;
    }
    fclose(probe);
    send_file(client, full);
}

static void serve_thumbnail(int client, const char *path)
{
    char joined[PATH_MAX];
    snprintf(joined, sizeof joined, "%s/.thumbs/%s", SHARE_ROOT, path);
    char *resolved = realpath(joined, NULL); /* ok: C-BUF-004 */
    if (resolved == NULL || strncmp(resolved, SHARE_ROOT "/.thumbs/", strlen(SHARE_ROOT "/.thumbs/")) != 0) {
        dprintf(client, "HTTP/1.0 404 Not Found\r\n\r\n");
        free(resolved);
        return;
    }
    send_file(client, resolved); /* ok: C-PATH-001 */
    free(resolved);
}

void handle_request(int client)
{
    char request[2048];
    char method[8], target[1024];
    ssize_t n = read(client, request, sizeof request - 1);
    if (n <= 0)
        return;
    request[n] = '\0';
    char *copy = strdup(request);
    if (copy == NULL || sscanf(copy, "%7s %1023s", method, target) != 2) { /* ok: C-BUF-003 */
        free(copy);
        goto out;
    }
    if (strncmp(target, "/s/", 3) == 0)
        serve_share(client, target + 3);
    else if (strncmp(target, "/raw/", 5) == 0)
        serve_raw(client, target + 5);
    else if (strncmp(target, "/thumb/", 7) == 0)
        serve_thumbnail(client, target + 7);
out:
    free(copy); /* expect: C-MEM-001 */
    close(client);
}
