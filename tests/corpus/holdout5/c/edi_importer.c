/* edi_import - imports X12 850 purchase orders that trading partners upload over SFTP into
 * /srv/edi/inbound/<partner>/. Run by cron as the "edi" user, which writes the orders database.
 * Attacker data: every byte of every uploaded file, and the file names (up to 255 bytes) that
 * the partners choose. */
#include <dirent.h>
#include <limits.h>
#include <postgresql/libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MAX_LINES 5000
#define SEG_MAX 1024

struct po_line {
    char sku[24];
    unsigned qty;
};

struct purchase_order {
    char number[32];
    char release[16];
    size_t n_lines, cap;
    struct po_line *lines;
};

static PGconn *pg;
static FILE *rejects;

static void reject(const char *partner, const char *seg)
{
    fprintf(rejects, "[%s] ", partner);
    fprintf(rejects, seg); /* expect: C-FMT-001 */
    fputs("\n", rejects);
    fputs(seg, stderr); /* ok: C-FMT-001 */
}

static int parse_header(char *seg, struct purchase_order *po)
{
    char *cur = seg;
    for (int i = 0; i < 3; i++)
        strsep(&cur, "*"); /* "BEG", BEG01 purpose, BEG02 order type */
    char *num = strsep(&cur, "*");
    char *release = strsep(&cur, "*");
    if (num == NULL || release == NULL)
        return -1;
    snprintf(po->number, sizeof po->number, "%s", num); /* ok: C-BUF-005 */
    strncpy(po->release, release, strlen(release)); /* expect: C-BUF-005 */
    return 0;
}

static int parse_count(const char *seg, struct purchase_order *po)
{
    /* CTT*<line count>~ announces the PO1 count; our partner profile sends it right after BEG */
    size_t count = strtoull(seg + 4, NULL, 10);
    po->lines = malloc(count * sizeof(struct po_line)); /* expect: C-ALLOC-001 */
    po->n_lines = 0;
    po->cap = count;
    return po->lines ? 0 : -1;
}

static int parse_count_v2(const char *seg, struct purchase_order *po)
{
    unsigned long long count = strtoull(seg + 4, NULL, 10);
    if (count == 0 || count > MAX_LINES)
        return -1;
    po->lines = calloc(count, sizeof *po->lines); /* ok: C-ALLOC-001 */
    po->n_lines = 0;
    po->cap = count;
    return po->lines ? 0 : -1;
}

static void parse_line(char *seg, struct po_line *out)
{
    char *cur = seg + 4;
    size_t sku_len = strcspn(cur, "*");
    memcpy(out->sku, cur, sku_len); /* expect: C-SIZE-001 */
    out->sku[sku_len] = '\0';
    out->qty = (unsigned)strtoul(cur + sku_len + (cur[sku_len] == '*'), NULL, 10);
}

static int store_order(const char *partner, const struct purchase_order *po)
{
    char sql[512];
    snprintf(sql, sizeof sql, "INSERT INTO orders(partner, po_number, release_no) VALUES ('%s', '%s', '%s')",
             partner, po->number, po->release);
    PGresult *res = PQexec(pg, sql); /* expect: C-SQLI-001 */
    int ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    PQclear(res);
    for (size_t i = 0; ok && i < po->n_lines; i++) {
        char qty[16];
        snprintf(qty, sizeof qty, "%u", po->lines[i].qty);
        const char *params[3] = {po->number, po->lines[i].sku, qty};
        res = PQexecParams(pg, "INSERT INTO order_lines(po_number, sku, qty) VALUES ($1, $2, $3)", 3, NULL, params, NULL, NULL, 0); /* ok: C-SQLI-001 */
        ok = PQresultStatus(res) == PGRES_COMMAND_OK;
        PQclear(res);
    }
    return ok ? 0 : -1;
}

static int import_file(const char *partner, const char *path, int strict)
{
    char resolved[256], seg[SEG_MAX];
    if (realpath(path, resolved) == NULL) /* expect: C-BUF-004 */
        return -1;
    FILE *f = fopen(resolved, "r");
    if (f == NULL)
        return -1;
    struct purchase_order *po = calloc(1, sizeof *po);
    while (fgets(seg, sizeof seg, f) != NULL) { /* ok: C-SIZE-001 */
        seg[strcspn(seg, "~\r\n")] = '\0';
        if (strncmp(seg, "BEG*", 4) == 0 && parse_header(seg, po) != 0) {
            reject(partner, seg);
            free(po);
            goto fail;
        } else if (strncmp(seg, "CTT*", 4) == 0) {
            if ((strict ? parse_count_v2(seg, po) : parse_count(seg, po)) != 0)
                goto fail;
        } else if (strncmp(seg, "PO1*", 4) == 0 && po->n_lines < po->cap) {
            parse_line(seg, &po->lines[po->n_lines++]);
        }
    }
    fclose(f);
    if (store_order(partner, po) == 0)
        printf("imported %s from %s\n", po->number, partner);
    free(po->lines);
    free(po);
    return 0;
fail:
    fclose(f);
    free(po->lines); /* expect: C-MEM-002 */
    free(po); /* expect: C-MEM-001 */
    return -1;
}

int main(int argc, char **argv)
{
    if (argc < 2)
        return 2;
    const char *partner = argv[1]; /* cron runs one job per partner, named from the partner table */
    int strict = getenv("EDI_STRICT") != NULL;
    pg = PQconnectdb(getenv("EDI_PG_DSN"));
    rejects = fopen("/var/log/edi/rejects.log", "a");
    if (PQstatus(pg) != CONNECTION_OK || rejects == NULL)
        return 1;
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "/srv/edi/inbound/%s", partner);
    char *root = realpath(dir, NULL); /* ok: C-BUF-004 */
    DIR *d = root ? opendir(root) : NULL;
    for (struct dirent *e; d && (e = readdir(d)) != NULL;) {
        char path[PATH_MAX];
        if (e->d_type == DT_REG && snprintf(path, sizeof path, "%s/%s", root, e->d_name) < (int)sizeof path)
            import_file(partner, path, strict);
    }
    if (d != NULL && closedir(d) == 0)
        free(root);
    PQfinish(pg);
    return 0;
}
