/*
 * device_admin_cgi.c - CGI back end of the router's admin page (served by the
 * built-in httpd). Handles login and the hostname setting; the httpd checks the
 * sid cookie against the session file before it runs any action but login.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>

#define ADMIN_USER "admin"
#define ADMIN_PASSWORD "Rt7!kqP2vz9wXe" // expect: C-SECRET-001
#define SESSION_FILE "/var/run/httpd/admin_session"
#define SESSION_HEX 32

static const char *support_token_env = "SUPPORT_TOKEN"; // ok: C-SECRET-001

struct session {
    char id[SESSION_HEX + 1];
    char user[32];
    time_t expires;
};

/* Returns the value of one key from an application/x-www-form-urlencoded body (not decoded). */
static char *form_value(const char *body, const char *key)
{
    size_t klen = strlen(key);
    const char *p = body;
    while (p != NULL && *p != '\0') {
        if (strncmp(p, key, klen) == 0 && p[klen] == '=') {
            const char *v = p + klen + 1;
            size_t n = strcspn(v, "&");
            return strndup(v, n);
        }
        p = strchr(p, '&');
        if (p != NULL)
            p++;
    }
    return NULL;
}

static void new_session_id(char *out, size_t out_len)
{
    srand((unsigned)time(NULL) ^ (unsigned)getpid());
    for (size_t i = 0; i + 1 < out_len; i++)
        out[i] = "0123456789abcdef"[rand() % 16]; // expect: C-RAND-001
    out[out_len - 1] = '\0';
}

static int check_support_token(const char *given)
{
    const char *expected = getenv(support_token_env);
    if (expected == NULL || given == NULL || strlen(given) != strlen(expected))
        return 0;
    return CRYPTO_memcmp(given, expected, strlen(expected)) == 0; // ok: C-TIMING-001
}

static void log_attempt(const char *user, int ok)
{
    FILE *log = fopen("/var/log/admin.log", "a");
    char entry[128];
    if (log == NULL)
        return;
    snprintf(entry, sizeof(entry), "login %s for user %s\n", ok ? "ok" : "FAILED", user); // ok: C-BUF-002
    fprintf(log, entry); // expect: C-FMT-001, C-LOG-001
    fclose(log);
}

static void handle_login(const char *body)
{
    char *user = form_value(body, "user");
    char *pass = form_value(body, "password");
    char *support = form_value(body, "support_token");
    struct session *s = calloc(1, sizeof(*s));
    if (user == NULL || pass == NULL || s == NULL) {
        printf("Status: 400 Bad Request\r\nContent-Type: text/plain\r\n\r\nmissing fields\n");
        goto out;
    }
    int ok = (strcmp(user, ADMIN_USER) == 0 && strcmp(pass, ADMIN_PASSWORD) == 0) // expect: C-TIMING-001
             || check_support_token(support);
    log_attempt(user, ok);
    if (!ok) {
        printf("Status: 401 Unauthorized\r\nContent-Type: text/html\r\n\r\n");
        printf("<p>Login failed for %s</p>\n", user); // expect: C-XSS-001
        goto out;
    }
    strncpy(s->user, user, strlen(user)); // expect: C-BUF-005
    new_session_id(s->id, sizeof(s->id));
    s->expires = time(NULL) + 3600;
    FILE *f = fopen(SESSION_FILE, "w");
    if (f != NULL) {
        fwrite(s, sizeof(*s), 1, f);
        fclose(f);
    }
    printf("Status: 302 Found\r\nSet-Cookie: sid=%s; Path=/; HttpOnly; Secure; SameSite=Strict\r\n", s->id);
    printf("Location: /admin/\r\n\r\n");
    free(s);
out:
    free(user);
    free(pass);
    free(support);
    free(s); // expect: C-MEM-001
}

static int valid_hostname(const char *h)
{
    size_t n = strlen(h);
    if (n == 0 || n > 63)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)h[i]) && h[i] != '-')
            return 0;
    return 1;
}

static void handle_hostname(const char *body)
{
    char *name = form_value(body, "hostname");
    char cmd[128];
    if (name == NULL) {
        printf("Status: 400 Bad Request\r\n\r\n");
        return;
    }
    if (valid_hostname(name)) {
        snprintf(cmd, sizeof(cmd), "hostname %s", name);
        system(cmd); // ok: C-CMDI-001
    } else {
        snprintf(cmd, sizeof(cmd), "logger -t admin 'rejected hostname %s'", name);
        system(cmd); // expect: C-CMDI-001
    }
    free(name);
    printf("Status: 204 No Content\r\n\r\n");
}

int main(void)
{
    const char *len_env = getenv("CONTENT_LENGTH");
    const char *action = getenv("QUERY_STRING");
    long len = len_env != NULL ? strtol(len_env, NULL, 10) : 0;
    if (len <= 0 || len > 4096 || action == NULL)
        return 0;
    char *body = calloc((size_t)len + 1, 1);
    if (body == NULL || fread(body, 1, (size_t)len, stdin) != (size_t)len) {
        free(body);
        return 1;
    }
    if (strcmp(action, "login") == 0)
        handle_login(body);
    else if (strcmp(action, "hostname") == 0)
        handle_hostname(body);
    free(body);
    return 0;
}
