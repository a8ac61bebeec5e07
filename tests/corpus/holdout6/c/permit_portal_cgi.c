/*
 * permit.cgi - building-permit portal of a small municipality, run by Apache as a CGI program.
 * Residents look up the status of an application, upload site plans, and clerks sign in to approve them.
 * Attacker data: QUERY_STRING, the POST body (CONTENT_LENGTH bytes on stdin), HTTP_COOKIE, and the file
 * name and contents of uploaded plans; the portal is on the public internet.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>
#include <openssl/sha.h>
#include <sqlite3.h>

#define UPLOAD_DIR "/srv/permits/plans"

static sqlite3 *db;

/* URL-decodes the value of key from a=b&c=d style data into out (truncated to cap). */
static void form_value(const char *data, const char *key, char *out, size_t cap)
{
    size_t klen = strlen(key), o = 0;
    out[0] = '\0';
    for (const char *p = data; p && *p; p = strchr(p, '&') ? strchr(p, '&') + 1 : NULL) {
        if (strncmp(p, key, klen) != 0 || p[klen] != '=')
            continue;
        for (const char *v = p + klen + 1; *v && *v != '&' && o + 1 < cap; v++) {
            unsigned int ch;
            if (*v == '%' && sscanf(v + 1, "%2x", &ch) == 1) { out[o++] = (char)ch; v += 2; }
            else out[o++] = *v == '+' ? ' ' : *v;
        }
        out[o] = '\0';
        return;
    }
}

static void html_escape(const char *in, char *out, size_t cap)
{
    size_t o = 0;
    for (; *in && o + 7 < cap; in++) {
        const char *rep = NULL;
        switch (*in) {
        case '<': rep = "&lt;"; break;
        case '>': rep = "&gt;"; break;
        case '&': rep = "&amp;"; break;
        case '"': rep = "&quot;"; break;
        case '\'': rep = "&#39;"; break;
        }
        if (rep) { memcpy(out + o, rep, strlen(rep)); o += strlen(rep); }
        else out[o++] = *in;
    }
    out[o] = '\0';
}

static void status_page(const char *qs)
{
    char permit[64], owner[128], safe_owner[768];
    form_value(qs, "permit", permit, sizeof permit);
    form_value(qs, "owner", owner, sizeof owner);
    html_escape(owner, safe_owner, sizeof safe_owner);
    printf("Content-Type: text/html\r\n\r\n");
    printf("<h1>Application %s</h1>\n", permit);  /* expect: C-XSS-001 */
    printf("<p>Applicant: %s</p>\n", safe_owner);  /* ok: C-XSS-001 */
    char *sql = sqlite3_mprintf("SELECT status FROM permits WHERE number = %Q AND owner = %Q", permit, owner);
    sqlite3_exec(db, sql, NULL, NULL, NULL);  /* ok: C-SQLI-001 */
    sqlite3_free(sql);
}

static void inspections(const char *qs)
{
    char street[128], sql[512];
    form_value(qs, "street", street, sizeof street);
    snprintf(sql, sizeof sql, "SELECT date, inspector FROM inspections WHERE street LIKE '%%%s%%'", street);
    printf("Content-Type: application/json\r\n\r\n[]");
    sqlite3_exec(db, sql, NULL, NULL, NULL);  /* expect: C-SQLI-001 */
}

static void upload_plan(const char *qs)
{
    char name[128], path[512], tmpl[] = "/srv/permits/tmp/planXXXXXX";
    form_value(qs, "filename", name, sizeof name);
    long len = atol(getenv("CONTENT_LENGTH") ? getenv("CONTENT_LENGTH") : "0");
    char body[8192];
    size_t got = fread(body, 1, (size_t)len, stdin);  /* expect: C-SIZE-001 */
    FILE *tmp = fopen("/tmp/permit_upload.tmp", "w");  /* expect: C-TEMP-001 */
    if (tmp) { fwrite(body, 1, got, tmp); fclose(tmp); }
    int fd = mkstemp(tmpl);  /* ok: C-TEMP-001 */
    if (fd >= 0) { write(fd, body, got); close(fd); }
    snprintf(path, sizeof path, "%s/%s", UPLOAD_DIR, name);
    FILE *out = fopen(path, "wb");  /* expect: C-PATH-001 */
    if (!out)
        return;
    fwrite(body, 1, got, out);
    fclose(out);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "convert '%s' '%s.pdf'", path, path);
    system(cmd);  /* expect: C-CMDI-001 */
    pid_t pid = fork();
    if (pid == 0) {
        execlp("pdfinfo", "pdfinfo", tmpl, (char *)NULL);  /* ok: C-CMDI-001 */
        _exit(127);
    }
    waitpid(pid, NULL, 0);
    printf("Status: 303 See Other\r\nLocation: /permit.cgi?permit=uploaded\r\n\r\n");
}

static void clerk_login(const char *body)
{
    char user[64], pw[128], hex[2 * SHA_DIGEST_LENGTH + 1], stored[2 * SHA_DIGEST_LENGTH + 1] = "";
    unsigned char d[SHA_DIGEST_LENGTH];
    form_value(body, "user", user, sizeof user);
    form_value(body, "password", pw, sizeof pw);
    SHA1((const unsigned char *)pw, strlen(pw), d);  /* expect: C-HASH-001 */
    for (int i = 0; i < SHA_DIGEST_LENGTH; i++)
        sprintf(hex + 2 * i, "%02x", d[i]);  /* ok: C-BUF-002 */
    sqlite3_stmt *st;
    sqlite3_prepare_v2(db, "SELECT pw_sha1 FROM clerks WHERE login = ?1", -1, &st, NULL);
    sqlite3_bind_text(st, 1, user, -1, SQLITE_STATIC);
    if (sqlite3_step(st) == SQLITE_ROW)
        snprintf(stored, sizeof stored, "%s", (const char *)sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    if (stored[0] == '\0' || strcmp(hex, stored) != 0) {  /* expect: C-TIMING-001 */
        printf("Status: 403 Forbidden\r\nContent-Type: text/plain\r\n\r\nSign-in failed.\n");
        return;
    }
    char sid[33];
    srand((unsigned)time(NULL));
    for (int i = 0; i < 32; i++)
        sid[i] = "0123456789abcdef"[rand() % 16];  /* expect: C-RAND-001 */
    sid[32] = '\0';
    printf("Set-Cookie: permit_sid=%s; Path=/; Secure; HttpOnly; SameSite=Strict\r\n", sid);
    printf("Status: 303 See Other\r\nLocation: /clerk/queue\r\n\r\n");
}

int main(void)
{
    const char *qs = getenv("QUERY_STRING") ? getenv("QUERY_STRING") : "";
    const char *method = getenv("REQUEST_METHOD");
    if (sqlite3_open_v2("/srv/permits/permits.db", &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK)
        return 1;
    if (method && strcmp(method, "POST") == 0 && strstr(qs, "action=upload")) upload_plan(qs);
    else if (method && strcmp(method, "POST") == 0) {
        char body[2048];
        size_t n = fread(body, 1, sizeof body - 1, stdin);  /* ok: C-SIZE-001 */
        body[n] = '\0';
        clerk_login(body);
    } else if (strstr(qs, "street=")) inspections(qs);
    else status_page(qs);
    return 0;
}
