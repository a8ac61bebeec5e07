/*
 * sensor_gateway.c - receives batched readings from field sensors over UDP and
 * forwards them to the local aggregator. Runs on the 32-bit ARM gateway boxes.
 *
 * Datagram: magic(4) | station_len(1) | station(station_len) | count(4, BE) | readings(count * 8)
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>
#include <unistd.h>

#define GW_MAGIC 0x53475731u
#define STATION_MAX 32
#define MAX_READINGS 4096
#define DGRAM_MAX 65536

struct reading {
    uint32_t sensor_id;
    int32_t value_milli;
};

struct batch {
    char station[STATION_MAX];
    uint32_t count;
    struct reading *readings;
    char *note;
};

static uint32_t read_be32(const unsigned char *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

/* Parses one datagram into *out. Returns 0 on success. */
static int parse_batch(const unsigned char *buf, size_t len, struct batch *out)
{
    size_t off = 0;
    memset(out, 0, sizeof(*out));
    if (len < 5 || read_be32(buf) != GW_MAGIC)
        return -1;
    off = 4;
    uint8_t station_len = buf[off++];
    if (off + station_len + 4 > len)
        return -1;
    memcpy(out->station, buf + off, station_len); // expect: C-SIZE-001
    out->station[station_len] = '\0';
    off += station_len;

    out->count = read_be32(buf + off);
    off += 4;
    out->readings = malloc(out->count * sizeof(struct reading)); // expect: C-ALLOC-001
    if (out->readings == NULL)
        return -1;
    for (uint32_t i = 0; i < out->count && off + 8 <= len; i++, off += 8) {
        out->readings[i].sensor_id = read_be32(buf + off);
        out->readings[i].value_milli = (int32_t)read_be32(buf + off + 4);
    }
    if (off < len) {
        out->note = strndup((const char *)buf + off, len - off);
        if (out->note == NULL) {
            free(out->readings);
            goto fail;
        }
    }
    return 0;
fail:
    free(out->readings); // expect: C-MEM-001
    return -1;
}

/* Strict variant used for the replay files: every size is checked before use. */
static int parse_batch_checked(const unsigned char *buf, size_t len, struct batch *out)
{
    memset(out, 0, sizeof(*out));
    if (len < 9 || read_be32(buf) != GW_MAGIC)
        return -1;
    size_t station_len = buf[4];
    if (station_len >= sizeof(out->station) || 5 + station_len + 4 > len)
        return -1;
    memcpy(out->station, buf + 5, station_len); // ok: C-SIZE-001, C-BUF-005
    out->station[station_len] = '\0';
    uint32_t count = read_be32(buf + 5 + station_len);
    if (count > MAX_READINGS || (len - 9 - station_len) / 8 < count)
        return -1;
    out->readings = calloc(count, sizeof(*out->readings)); // ok: C-ALLOC-001
    if (out->readings == NULL)
        return -1;
    out->count = count;
    return 0;
}

static char last_note[128];
static char status_line[160];

/* Keeps the line served by the status socket current. */
static void update_status(const struct batch *b)
{
    if (b->note != NULL)
        memcpy(last_note, b->note, strlen(b->note) + 1); // expect: C-BUF-005
    sprintf(status_line, "station=%s readings=%u note=%s", b->station, b->count, last_note); // expect: C-BUF-002
}

static void forward(int sock, const struct batch *b, const struct sockaddr_in *agg)
{
    char line[256];
    int n = snprintf(line, sizeof(line), "%s %u\n", b->station, b->count); // ok: C-BUF-002, C-FMT-001
    if (n > 0 && (size_t)n < sizeof(line))
        sendto(sock, line, (size_t)n, 0, (const struct sockaddr *)agg, sizeof(*agg));
}

int main(void)
{
    unsigned char *buf = malloc(DGRAM_MAX);
    int sock = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(7601), .sin_addr.s_addr = htonl(INADDR_ANY)};
    struct sockaddr_in agg = {.sin_family = AF_INET, .sin_port = htons(7700), .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    if (buf == NULL || sock < 0 || bind(sock, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
        perror("gateway: setup");
        return 1;
    }
    openlog("sensor-gw", LOG_PID, LOG_DAEMON);
    for (;;) {
        ssize_t n = recv(sock, buf, DGRAM_MAX, 0);
        if (n <= 0)
            continue;
        struct batch b;
        if (parse_batch(buf, (size_t)n, &b) != 0) {
            syslog(LOG_WARNING, "dropping malformed datagram (%zd bytes)", n); // ok: C-FMT-001
            continue;
        }
        if (b.note != NULL)
            syslog(LOG_INFO, b.note); // expect: C-FMT-001
        update_status(&b);
        forward(sock, &b, &agg);
        free(b.readings);
        free(b.note);
        if (b.count > 0)
            syslog(LOG_DEBUG, "batch from %s forwarded, first sensor %u", b.station, b.readings[0].sensor_id); // expect: C-MEM-002
    }
}
