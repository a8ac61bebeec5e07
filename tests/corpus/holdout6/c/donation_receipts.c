/*
 * receipts - year-end tax receipt run for a parish's online donation page. It reads the CSV export of the
 * donation processor (donor name, e-mail, postal address, amount, fund, memo), records each gift in the
 * parish database, renders a receipt with the typesetting helper and mails it with sendmail.
 * Attacker data: every field of the export; donors type their own name, address and memo on the public
 * giving page. Run by cron as the "receipts" user.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>
#include <curl/curl.h>
#include <libpq-fe.h>

#define MAX_GIFTS 20000
#define FIELD_MAX 256
#define RECEIPT_ROOT "/srv/receipts/2024"

struct gift {
    char name[FIELD_MAX];
    char email[FIELD_MAX];
    char fund[64];
    long cents;
};

static int split_csv(char *line, char *fields[], int max)
{
    int n = 0;
    for (char *tok = strtok(line, ",\n"); tok && n < max; tok = strtok(NULL, ",\n"))
        fields[n++] = tok;
    return n;
}

static int parse_gift(char *line, struct gift *g)
{
    char *f[6];
    if (split_csv(line, f, 6) < 5)
        return -1;
    snprintf(g->name, sizeof g->name, "%s", f[0]);  /* ok: C-BUF-002 */
    snprintf(g->email, sizeof g->email, "%s", f[1]);
    snprintf(g->fund, sizeof g->fund, "%s", f[3]);  /* ok: C-SIZE-001 */
    errno = 0;
    g->cents = strtol(f[4], NULL, 10);
    return (errno || g->cents <= 0) ? -1 : 0;
}

static int record_gift(PGconn *pg, const struct gift *g)
{
    char cents[32];
    snprintf(cents, sizeof cents, "%ld", g->cents);
    const char *params[4] = { g->name, g->email, g->fund, cents };
    PGresult *r = PQexecParams(pg, "INSERT INTO gifts(donor_name, donor_email, fund, cents) VALUES ($1, $2, $3, $4)",  /* ok: C-SQLI-001 */
                               4, NULL, params, NULL, NULL, 0);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok)
        fprintf(stderr, "insert failed: %s", PQerrorMessage(pg));  /* ok: C-FMT-001 */
    PQclear(r);
    return ok ? 0 : -1;
}

static int run(char *const argv[])
{
    pid_t pid = fork();
    if (pid == 0) {
        execv(argv[0], argv);  /* ok: C-CMDI-001 */
        _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int render_and_mail(const struct gift *g, int seq)
{
    char data[] = "/srv/receipts/tmp/giftXXXXXX";
    int fd = mkstemp(data);  /* ok: C-TEMP-001 */
    if (fd < 0)
        return -1;
    FILE *f = fdopen(fd, "w");
    fprintf(f, "name=%s\nfund=%s\ncents=%ld\n", g->name, g->fund, g->cents);
    fclose(f);
    char pdf[PATH_MAX];
    snprintf(pdf, sizeof pdf, "%s/receipt-%06d.pdf", RECEIPT_ROOT, seq);  /* ok: C-PATH-001 */
    char *const typeset[] = { "/usr/local/bin/receipt-typeset", data, pdf, NULL };
    char *const mail[] = { "/usr/local/bin/mail-receipt", "--to", (char *)g->email, "--attach", pdf, NULL };
    int rc = run(typeset) == 0 ? run(mail) : -1;  /* ok: C-CMDI-001 */
    unlink(data);
    return rc;
}

static int publish_totals(long total_cents)
{
    char body[128];
    snprintf(body, sizeof body, "{\"year\":2024,\"total_cents\":%ld}", total_cents);
    CURL *c = curl_easy_init();
    if (!c)
        return -1;
    curl_easy_setopt(c, CURLOPT_URL, "https://council.parish.example/api/totals");
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);  /* ok: C-TLS-001 */
    curl_easy_setopt(c, CURLOPT_CAINFO, "/etc/ssl/certs/ca-certificates.crt");
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    int rc = curl_easy_perform(c);
    curl_easy_cleanup(c);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc != 2)
        return 2;
    char resolved_export[PATH_MAX];
    if (!realpath(argv[1], resolved_export))  /* ok: C-BUF-004 */
        return 1;
    char *conninfo = getenv("RECEIPTS_PG_CONNINFO");  /* ok: C-SECRET-001 */
    PGconn *pg = PQconnectdb(conninfo ? conninfo : "dbname=parish");
    if (PQstatus(pg) != CONNECTION_OK)
        return 1;
    struct gift *gifts = calloc(MAX_GIFTS, sizeof *gifts);  /* ok: C-ALLOC-001 */
    FILE *in = fopen(resolved_export, "r");
    if (!gifts || !in)
        return 1;
    char line[1024];
    int n = 0;
    long total = 0;
    while (n < MAX_GIFTS && fgets(line, sizeof line, in)) {  /* ok: C-SIZE-001 */
        if (parse_gift(line, &gifts[n]) == 0 && record_gift(pg, &gifts[n]) == 0) {
            total += gifts[n].cents;
            render_and_mail(&gifts[n], n);
            n++;
        }
    }
    fclose(in);
    publish_totals(total);
    free(gifts);
    PQfinish(pg);
    printf("%d receipts issued\n", n);
    return 0;
}
