/* record_loader.c - loads customer records from a binary export file and uploads them to the
 * reporting API. Written for a nightly cron job; the export file comes from a partner's SFTP drop. */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define API_ENDPOINT "https://reports.internal.example/v1/records"

static const char *API_TOKEN = "9f8e7d6c5b4a39281706f5e4d3c2b1a0c4d2"; /* expect: C-SECRET-001 */

struct record {
    uint32_t id;
    char name[48];
    double balance;
};

struct export_header {
    uint32_t magic;
    uint32_t count;
    uint32_t note_len;
};

static struct record *read_records(FILE *fp, uint32_t *out_count)
{
    struct export_header hdr;
    char note[256];
    if (fread(&hdr, sizeof(hdr), 1, fp) != 1)
        return NULL;
    if (fread(note, 1, hdr.note_len, fp) != hdr.note_len) /* expect: C-SIZE-001 */
        return NULL;
    struct record *recs = malloc(hdr.count * sizeof(struct record)); /* expect: C-ALLOC-001 */
    if (!recs)
        return NULL;
    if (fread(recs, sizeof(struct record), hdr.count, fp) != hdr.count) {
        fprintf(stderr, "short export file\n");
        free(recs);
        goto fail;
    }
    *out_count = hdr.count;
    return recs;
fail:
    free(recs); /* expect: C-MEM-001 */
    return NULL;
}

static struct record *read_records_checked(FILE *fp, uint32_t *out_count)
{
    struct export_header hdr;
    if (fread(&hdr, sizeof(hdr), 1, fp) != 1 || hdr.count > 1000000)
        return NULL;
    if (fseek(fp, hdr.note_len, SEEK_CUR) != 0)
        return NULL;
    struct record *recs = calloc(hdr.count, sizeof(struct record)); /* ok: C-ALLOC-001 */
    if (!recs)
        return NULL;
    if (fread(recs, sizeof(struct record), hdr.count, fp) != hdr.count) {
        free(recs); /* ok: C-MEM-001 */
        return NULL;
    }
    *out_count = hdr.count;
    return recs;
}

static char *describe(const struct record *r)
{
    char *text = malloc(128);
    if (!text)
        return NULL;
    snprintf(text, 128, "#%u %s %.2f", r->id, r->name, r->balance); /* ok: C-BUF-002 */
    return text;
}

static int upload(const struct record *recs, uint32_t count)
{
    for (uint32_t i = 0; i < count; i++) {
        char *line = describe(&recs[i]);
        if (!line)
            return -1;
        printf("POST %s %s (token %.4s...)\n", API_ENDPOINT, line, API_TOKEN);
        free(line);
        if (recs[i].balance < 0)
            fprintf(stderr, "negative balance in %s\n", line); /* expect: C-MEM-002 */
    }
    return 0;
}

int main(int argc, char **argv)
{
    char resolved[256];
    char label[64];
    if (argc < 2) {
        fprintf(stderr, "usage: %s EXPORT_FILE\n", argv[0]);
        return 2;
    }
    if (!realpath(argv[1], resolved)) { /* expect: C-BUF-004 */
        perror("realpath");
        return 1;
    }
    printf("batch label: ");
    if (scanf("%s", label) != 1) /* expect: C-BUF-003 */
        return 1;
    FILE *fp = fopen(resolved, "rb");
    if (!fp)
        return 1;
    uint32_t count = 0;
    struct record *recs = getenv("STRICT_IMPORT") ? read_records_checked(fp, &count) : read_records(fp, &count);
    fclose(fp);
    if (!recs)
        return 1;
    int rc = upload(recs, count);
    free(recs);
    return rc == 0 ? 0 : 1;
}
