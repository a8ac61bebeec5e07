/* calsync - desktop daemon that syncs a CalDAV calendar to a local cache and pops up
 * reminders. Attacker data: the events the server returns, because anyone can send the
 * user an invitation (SUMMARY, LOCATION and ORGANIZER are the sender's text), plus the
 * server's HTTP responses. The config file and the keyring belong to the user. */
#include <curl/curl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

extern char **environ;
struct account;
int oauth_refresh(struct account *acct, const char *client_id, const char *client_secret);

#define CA_BUNDLE "/etc/ssl/certs/ca-certificates.crt"

/* OAuth client registered for the desktop app with the hosted calendar provider. */
static const char *OAUTH_CLIENT_ID = "calsync-desktop";
static const char *OAUTH_CLIENT_SECRET = "c8Qe2vT7mW4xZ1pL9rB3nK6s"; /* expect: C-SECRET-001 */

struct event {
    char uid[128];
    char summary[256];
    char location[128];
    long starts_at;
};

struct account {
    char url[512];
    char user[128];
    char *password; /* from the keyring, heap-allocated */
    int exchange_bridge;
};

static size_t collect(void *data, size_t size, size_t nmemb, void *userp)
{
    FILE *out = userp;
    return fwrite(data, size, nmemb, out) * size;
}

static int fetch_calendar(const struct account *acct, FILE *out)
{
    CURL *curl = curl_easy_init();
    if (curl == NULL)
        return -1;
    curl_easy_setopt(curl, CURLOPT_URL, acct->url);
    curl_easy_setopt(curl, CURLOPT_USERNAME, acct->user);
    curl_easy_setopt(curl, CURLOPT_PASSWORD, acct->password);
    curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, "REPORT");
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L); /* ok: C-TLS-001 */
    curl_easy_setopt(curl, CURLOPT_CAINFO, CA_BUNDLE);
    if (acct->exchange_bridge) {
        /* the on-prem Exchange bridge presents a certificate for its internal host name */
        curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L); /* expect: C-TLS-001 */
    }
    CURLcode rc = curl_easy_perform(curl);
    curl_easy_cleanup(curl);
    return rc == CURLE_OK ? 0 : -1;
}

static void notify_legacy(const struct event *ev)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "notify-send -u normal 'Upcoming: %s' '%s'", ev->summary, ev->location);
    FILE *p = popen(cmd, "r"); /* expect: C-CMDI-001 */
    if (p)
        pclose(p);
}

static void notify(const struct event *ev)
{
    char title[300];
    snprintf(title, sizeof title, "Upcoming: %s", ev->summary); /* ok: C-BUF-002 */
    char *argv[] = {"notify-send", "-u", "normal", "--", title, (char *)ev->location, NULL};
    pid_t pid;
    if (posix_spawnp(&pid, "notify-send", NULL, NULL, argv, environ) == 0) /* ok: C-CMDI-001 */
        waitpid(pid, NULL, 0);
}

static void log_reminder(const struct event *ev)
{
    char line[160];
    sprintf(line, "reminder for %s at %s", ev->summary, ev->location); /* expect: C-BUF-002 */
    syslog(LOG_INFO, "%s", line); /* ok: C-FMT-001 */
}

static int export_ics(const struct event *events, size_t n)
{
    FILE *f = fopen("/tmp/calsync-export.ics", "w"); /* expect: C-TEMP-001 */
    if (f == NULL)
        return -1;
    fputs("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n", f);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "BEGIN:VEVENT\r\nUID:%s\r\nSUMMARY:%s\r\nEND:VEVENT\r\n", events[i].uid, events[i].summary);
    fputs("END:VCALENDAR\r\n", f);
    return fclose(f);
}

static FILE *open_cache_scratch(char *name_out, size_t len)
{
    snprintf(name_out, len, "%s/.cache/calsync/fetch-XXXXXX", getenv("HOME") ? getenv("HOME") : "/tmp");
    int fd = mkstemp(name_out); /* ok: C-TEMP-001 */
    return fd < 0 ? NULL : fdopen(fd, "w+");
}

static unsigned retry_delay(unsigned attempt)
{
    /* jitter keeps a fleet of laptops from hitting the server in the same second */
    return (30u << (attempt > 4 ? 4 : attempt)) + (unsigned)(rand() % 15); /* ok: C-RAND-001 */
}

static const char *client_secret(void)
{
    const char *s = getenv("CALSYNC_OAUTH_SECRET"); /* ok: C-SECRET-001 */
    return s ? s : OAUTH_CLIENT_SECRET;
}

static void forget_account(struct account *acct)
{
    size_t n = strlen(acct->password);
    memset(acct->password, 0, n); /* expect: C-WIPE-001 */
    free(acct->password);
    acct->password = NULL;
}

void calsync_logout(struct account *acct, char *refresh_token)
{
    explicit_bzero(refresh_token, strlen(refresh_token)); /* ok: C-WIPE-001 */
    free(refresh_token);
    forget_account(acct);
}

int sync_once(struct account *acct, struct event *events, size_t n_events)
{
    char scratch[4096];
    if (acct->password == NULL && oauth_refresh(acct, OAUTH_CLIENT_ID, client_secret()) != 0)
        return -1;
    FILE *tmp = open_cache_scratch(scratch, sizeof scratch);
    unsigned attempt = 0;
    while (tmp && fetch_calendar(acct, tmp) != 0 && attempt < 5)
        sleep(retry_delay(attempt++));
    if (tmp)
        fclose(tmp);
    for (size_t i = 0; i < n_events; i++) {
        log_reminder(&events[i]);
        if (getenv("CALSYNC_LEGACY_NOTIFY"))
            notify_legacy(&events[i]);
        else
            notify(&events[i]);
    }
    return export_ics(events, n_events);
}
