/*
 * mbgw - Modbus/TCP to RTU gateway of a water-treatment SCADA cabinet (32-bit ARM, glibc). It accepts
 * Modbus/TCP frames from the plant network on port 502, forwards them to the serial RTU bus, keeps a
 * per-connection session and logs tag writes to a local SQLite historian that is mirrored to the cloud.
 * Attacker data: every TCP frame (MBAP header, function code, counts, tag names in the vendor extension),
 * from anything that can reach the plant VLAN, which includes the contractors' laptops.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <curl/curl.h>
#include <sqlite3.h>

#define MAX_REGS 125

struct session {
    int fd;
    char peer[INET_ADDRSTRLEN];
    uint16_t regs[MAX_REGS];
    char tag[48];
};

static sqlite3 *historian;

static uint16_t be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

/* Function 16: write multiple registers. Layout after MBAP: fc, addr(2), qty(2), bytecount(1), data */
static int write_multiple(struct session *s, const uint8_t *pdu, size_t pdu_len)
{
    uint16_t qty = be16(pdu + 3);
    uint8_t bytes = pdu[5];
    if ((size_t)bytes + 6 > pdu_len)
        return -1;
    memcpy(s->regs, pdu + 6, bytes);  /* expect: C-SIZE-001 */
    return qty;
}

/* Function 23 (read/write) in the v2 handler checks the count against the register map first. */
static int write_multiple_v2(struct session *s, const uint8_t *pdu, size_t pdu_len)
{
    uint16_t qty = be16(pdu + 3);
    uint8_t bytes = pdu[5];
    if (qty == 0 || qty > MAX_REGS || bytes != qty * 2 || (size_t)bytes + 6 > pdu_len)
        return -1;
    memcpy(s->regs, pdu + 6, bytes);  /* ok: C-SIZE-001 */
    return qty;
}

/* Vendor extension 0x41: bulk tag upload, "count" records of 8 bytes each. */
static uint8_t *bulk_tags(const uint8_t *pdu)
{
    uint32_t count = ntohl(*(const uint32_t *)(pdu + 1));
    uint8_t *recs = malloc(count * 8);  /* expect: C-ALLOC-001 */
    return recs;
}

static uint16_t *snapshot_regs(const uint8_t *pdu)
{
    uint16_t qty = be16(pdu + 3);
    if (qty > MAX_REGS)
        return NULL;
    return calloc(qty, sizeof(uint16_t));  /* ok: C-ALLOC-001 */
}

static void log_tag_write(struct session *s, const uint8_t *pdu, size_t len)
{
    size_t n = pdu[1] < sizeof s->tag - 1 ? pdu[1] : sizeof s->tag - 1;
    memcpy(s->tag, pdu + 2, n);  /* ok: C-SIZE-001 */
    s->tag[n] = '\0';
    (void)len;
    syslog(LOG_NOTICE, "tag write from %s: %s", s->peer, s->tag);  /* ok: C-FMT-001 */
    char sql[256];
    snprintf(sql, sizeof sql, "INSERT INTO tag_writes(peer, tag) VALUES('%s', '%s')", s->peer, s->tag);
    sqlite3_exec(historian, sql, NULL, NULL, NULL);  /* expect: C-SQLI-001 */
}

static void log_alarm(struct session *s)
{
    sqlite3_stmt *st;
    if (sqlite3_prepare_v2(historian, "INSERT INTO alarms(peer, tag) VALUES(?1, ?2)", -1, &st, NULL) != SQLITE_OK)  /* ok: C-SQLI-001 */
        return;
    sqlite3_bind_text(st, 1, s->peer, -1, SQLITE_STATIC);
    sqlite3_bind_text(st, 2, s->tag, -1, SQLITE_STATIC);
    sqlite3_step(st);
    sqlite3_finalize(st);
    syslog(LOG_WARNING, s->tag);  /* expect: C-FMT-001 */
}

static void mirror_to_cloud(const char *json)
{
    CURL *c = curl_easy_init();
    if (!c)
        return;
    curl_easy_setopt(c, CURLOPT_URL, "https://historian.cloud.example/api/v1/ingest");
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);  /* expect: C-TLS-001 */
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, json);
    curl_easy_perform(c);
    curl_easy_cleanup(c);
}

static void close_session(struct session *s)
{
    close(s->fd);
    free(s);
    syslog(LOG_INFO, "closed session of %s", s->peer);  /* expect: C-MEM-002 */
}

/* TODO: only the engineering workstation should be allowed to use function 5/15 (write coils) */  /* expect: C-TODO-001 */
void serve(struct session *s)
{
    uint8_t frame[260];
    ssize_t n = recv(s->fd, frame, 512, 0);  /* expect: C-SIZE-001 */
    if (n < 8) {
        close_session(s);
        return;
    }
    const uint8_t *pdu = frame + 7;
    size_t pdu_len = (size_t)n - 7;
    uint8_t *extra = NULL;
    uint16_t *snap = NULL;
    switch (pdu[0]) {
    case 3: snap = snapshot_regs(pdu); break;
    case 16: write_multiple(s, pdu, pdu_len); break;
    case 23: write_multiple_v2(s, pdu, pdu_len); break;
    case 0x41: extra = bulk_tags(pdu); break;
    case 0x42: log_tag_write(s, pdu, pdu_len); log_alarm(s); break;
    }
    if (extra && pdu_len < 16) {
        free(extra);
        mirror_to_cloud("{\"event\":\"short-bulk\"}");
    }
    free(snap);
    free(extra);  /* expect: C-MEM-001 */
}
