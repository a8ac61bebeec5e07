/* A CGI printer-queue panel: the query string, the cookie and the POST body on stdin are the request. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SPOOL_DIR "/var/spool/panel"

/* Copies the value of `field` in an a=b&c=d string into `dst`. */
static void query_field(const char *query, const char *field, char *dst, size_t cap)
{
    const char *at = strstr(query, field);
    size_t i = 0;
    if (at == NULL || cap == 0)
        return;
    for (at += strlen(field) + 1; *at && *at != '&' && i + 1 < cap; at++)
        dst[i++] = *at;
    dst[i] = '\0';
}

static int valid_name(const char *s)
{
    for (; *s; s++)
        if (!isalnum((unsigned char)*s))
            return 0;
    return 1;
}

static void show_job(const char *job)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s.txt", SPOOL_DIR, job);
    FILE *f = fopen(path, "r"); /* expect: C-PATH-001 */
    if (f != NULL)
        fclose(f);
}

static void cancel_job(const char *job)
{
    char path[256];
    if (!valid_name(job))
        return;
    snprintf(path, sizeof path, "%s/%s.txt", SPOOL_DIR, job);
    remove(path); /* ok: C-PATH-001 */
}

static void rename_printer(const char *body)
{
    char label[64], path[256];
    query_field(body, "label", label, sizeof label);
    snprintf(path, sizeof path, "%s/labels/%s", SPOOL_DIR, label);
    FILE *f = fopen(path, "w"); /* expect: C-PATH-001 */
    if (f != NULL)
        fclose(f);
    printf("Content-Type: text/html\r\n\r\n");
    printf("<p>Printer renamed to %s</p>\n", label); /* expect: C-XSS-001 */
    printf("<p>%d bytes</p>\n", (int)strlen(label)); /* ok: C-XSS-001 */
}

static void greet(const char *user)
{
    if (!valid_name(user))
        return;
    printf("Content-Type: text/html\r\n\r\n<h1>Queue of %s</h1>\n", user); /* ok: C-XSS-001 */
}

int main(void)
{
    char job[64] = "", user[64] = "", body[512] = "";
    const char *query = getenv("QUERY_STRING");
    const char *length = getenv("CONTENT_LENGTH");
    if (query == NULL)
        return 1;
    if (length != NULL && fgets(body, sizeof body, stdin) != NULL)
        rename_printer(body);
    query_field(query, "job", job, sizeof job);
    query_field(query, "user", user, sizeof user);
    show_job(job);
    cancel_job(job);
    greet(user);
    printf("Content-Type: text/plain\r\n\r\njob %s\n", job); /* ok: C-XSS-001 */
    return 0;
}

/* A field returned as a fresh copy, printed into the page. */
static char *field_copy(const char *query, const char *field)
{
    const char *at = strstr(query, field);
    return at != NULL ? strndup(at + strlen(field) + 1, strcspn(at + strlen(field) + 1, "&")) : NULL;
}

void show_owner(void)
{
    const char *query = getenv("QUERY_STRING");
    char *owner = query != NULL ? field_copy(query, "owner") : NULL;
    printf("Content-Type: text/html\r\n\r\n");
    if (owner != NULL)
        printf("<em>%s</em>\n", owner); /* expect: C-XSS-001 */
    free(owner);
}
