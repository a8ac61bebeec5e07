/* dns_admin.cgi - web panel of a small-office DNS/VPN appliance, run as CGI by its lighttpd (user
 * "named", which may run rndc). Attacker data: QUERY_STRING, POST body and HTTP_COOKIE of every
 * request; the panel listens on the office LAN and, on many installs, on the WAN too. */
#include <arpa/inet.h>
#include <ctype.h>
#include <openssl/md5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define ZONE_DIR "/etc/bind/zones"
#define ADMIN_MD5 "9b2e61d07c4fa83e15d0b7a6c3e94f28" /* expect: C-SECRET-001 */
static char session_id[33];

/* Value of key in a k=v&k=v string (no URL decoding: our fields never need it). */
static int form_value(const char *qs, const char *key, char *out, size_t out_len)
{
    size_t klen = strlen(key);
    for (const char *p = qs; p && *p; p = strchr(p, '&') ? strchr(p, '&') + 1 : NULL) {
        if (strncmp(p, key, klen) == 0 && p[klen] == '=') {
            size_t n = strcspn(p + klen + 1, "&");
            snprintf(out, out_len, "%.*s", (int)n, p + klen + 1);
            return 0;
        }
    }
    return -1;
}

static int valid_zone(const char *z)
{
    if (*z == '\0' || strlen(z) > 63 || z[0] == '.')
        return 0;
    for (const char *p = z; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '-' && *p != '.')
            return 0;
    return strstr(z, "..") == NULL;
}

static void new_session(void)
{
    srand((unsigned)time(NULL) ^ (unsigned)getpid());
    for (int i = 0; i < 32; i++)
        session_id[i] = "0123456789abcdef"[rand() % 16]; /* expect: C-RAND-001 */
    session_id[32] = '\0';
    FILE *f = fopen("/var/run/dnsadmin/session", "w");
    if (f) {
        fprintf(f, "%s\n", session_id);
        fclose(f);
    }
}

static int check_login(const char *user, const char *password)
{
    unsigned char digest[MD5_DIGEST_LENGTH];
    char hexd[2 * MD5_DIGEST_LENGTH + 1];
    MD5((const unsigned char *)password, strlen(password), digest); /* expect: C-HASH-001 */
    for (int i = 0; i < MD5_DIGEST_LENGTH; i++)
        sprintf(hexd + 2 * i, "%02x", digest[i]); /* ok: C-BUF-002 */
    return strcmp(user, "admin") == 0 && strcmp(hexd, ADMIN_MD5) == 0; /* expect: C-TIMING-001 */
}

static int session_valid(void)
{
    char sid[33], stored[33] = "";
    const char *cookie = getenv("HTTP_COOKIE");
    if (cookie == NULL || sscanf(cookie, "dnsadmin=%s", sid) != 1) /* expect: C-BUF-003 */
        return 0;
    FILE *f = fopen("/var/run/dnsadmin/session", "r");
    if (f) {
        if (fscanf(f, "%32s", stored) != 1) /* ok: C-BUF-003 */
            stored[0] = '\0';
        fclose(f);
    }
    return stored[0] != '\0' && strcmp(sid, stored) == 0; /* expect: C-TIMING-001 */
}

static void reload_zone(const char *zone)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "/usr/sbin/rndc reload %s >/dev/null 2>&1", zone);
    system(cmd); /* expect: C-CMDI-001 */
}

static int reload_zone_checked(const char *zone)
{
    if (!valid_zone(zone))
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        execl("/usr/sbin/rndc", "rndc", "reload", zone, (char *)NULL); /* ok: C-CMDI-001 */
        _exit(127);
    }
    return pid > 0 && waitpid(pid, NULL, 0) == pid ? 0 : -1;
}

static void show_zone(const char *zone)
{
    char path[512], line[256];
    snprintf(path, sizeof path, "%s/%s", ZONE_DIR, zone);
    FILE *f = fopen(path, "r"); /* expect: C-PATH-001 */
    printf("Content-Type: text/plain\r\n\r\n");
    if (f == NULL)
        return;
    while (fgets(line, sizeof line, f)) /* ok: C-SIZE-001 */
        fputs(line, stdout);
    fclose(f);
}

static void add_record(const char *zone, const char *name, const char *ip)
{
    char path[512];
    struct in_addr addr;
    if (!valid_zone(zone) || !valid_zone(name) || inet_pton(AF_INET, ip, &addr) != 1)
        return;
    snprintf(path, sizeof path, "%s/%s", ZONE_DIR, zone);
    FILE *f = fopen(path, "a"); /* ok: C-PATH-001 */
    if (f == NULL)
        return;
    fprintf(f, "%s\tIN\tA\t%s\n", name, ip);
    fclose(f);
    printf("Content-Type: text/html\r\n\r\n<p>Added %s to %s</p>\n", name, zone);
    reload_zone_checked(zone);
}

int main(void)
{
    char action[32] = "", zone[128] = "", name[128] = "", ip[64] = "", user[64] = "", pw[128] = "", body[1024] = "";
    const char *qs = getenv("QUERY_STRING");
    fgets(body, sizeof body, stdin); /* ok: C-SIZE-001 */
    form_value(qs, "action", action, sizeof action);
    form_value(qs, "zone", zone, sizeof zone);
    if (strcmp(action, "login") == 0) {
        form_value(body, "user", user, sizeof user);
        form_value(body, "password", pw, sizeof pw);
        if (!check_login(user, pw)) {
            printf("Status: 403 Forbidden\r\nContent-Type: text/plain\r\n\r\nlogin failed\n");
            return 0;
        }
        new_session();
        printf("Set-Cookie: dnsadmin=%s; Path=/; HttpOnly; Secure; SameSite=Strict\r\n"
               "Location: /cgi-bin/dns_admin.cgi\r\n\r\n", session_id);
        return 0;
    }
    if (!session_valid())
        printf("Status: 401 Unauthorized\r\n\r\n");
    else if (strcmp(action, "show") == 0) {
        show_zone(zone);
    } else if (strcmp(action, "add") == 0) {
        form_value(body, "name", name, sizeof name);
        form_value(body, "ip", ip, sizeof ip);
        add_record(zone, name, ip);
    } else if (strcmp(action, "reload") == 0) {
        reload_zone(zone);
        printf("Content-Type: text/plain\r\n\r\nreloaded\n");
    }
    return 0;
}
