/*
 * parking_gateway.c - central gateway for on-street parking meters. Meters send
 * binary "start session" frames over the city's cellular APN to port 7400.
 * Attacker data: every frame; the APN is shared with other municipal devices and
 * meter SIM cards get stolen, so plate, zone, lengths and payment reference are
 * whatever the sender wants. Drivers get a 6-digit extension PIN by SMS.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#define FRAME_MAX 512
#define PLATE_MAX 16
#define ZONE_MAX 8

static const char METER_FLEET_KEY[] = "mtr-fleet-4b7e19c2d80a5f36e1c9"; /* expect: C-SECRET-001 */

struct session {
    char plate[PLATE_MAX];
    char zone[ZONE_MAX];
    uint32_t meter_id;
    uint16_t minutes;
    char pay_ref[24];
    char pin[7];
};

static sqlite3 *db;
static unsigned char deploy_key[32]; /* read from /etc/parking/deploy.key at start-up */

int sms_enqueue(const char *plate, const char *pin);

static void make_pin(struct session *s)
{
    for (int i = 0; i < 6; i++)
        s->pin[i] = (char)('0' + rand() % 10); /* expect: C-RAND-001 */
    s->pin[6] = '\0';
}

static void send_pin_sms(const struct session *s)
{
    for (unsigned attempt = 0; attempt < 5; attempt++) {
        if (sms_enqueue(s->plate, s->pin) == 0)
            return;
        /* jitter spreads the retries of many meters after an SMS outage; not a secret */
        usleep((1000u << attempt) * 1000u + (unsigned)(rand() % 250) * 1000u); /* ok: C-RAND-001 */
    }
}

static int frame_authentic(const uint8_t *frame, size_t len, const uint8_t *tag)
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    HMAC(EVP_sha256(), METER_FLEET_KEY, (int)strlen(METER_FLEET_KEY), frame, len, mac, &mac_len);
    return memcmp(mac, tag, 32) == 0; /* expect: C-TIMING-001 */
}

static int frame_authentic_v2(const uint8_t *frame, size_t len, const uint8_t *tag)
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    HMAC(EVP_sha256(), deploy_key, (int)sizeof deploy_key, frame, len, mac, &mac_len);
    return mac_len == 32 && CRYPTO_memcmp(mac, tag, 32) == 0; /* ok: C-TIMING-001 */
}

static int parse_start(const uint8_t *buf, size_t n, struct session *s)
{
    if (n < 12)
        return -1;
    s->meter_id = ntohl(*(const uint32_t *)buf);
    s->minutes = ntohs(*(const uint16_t *)(buf + 4));
    uint8_t plate_len = buf[6];
    uint8_t zone_len = buf[7];
    if (8u + plate_len + zone_len > n)
        return -1;
    memcpy(s->plate, buf + 8, plate_len); /* expect: C-SIZE-001 */
    s->plate[plate_len] = '\0';
    if (zone_len >= sizeof s->zone)
        return -1;
    memcpy(s->zone, buf + 8 + plate_len, zone_len); /* ok: C-SIZE-001 */
    s->zone[zone_len] = '\0';
    /* the card terminal's payment reference follows, NUL-terminated */
    strcpy(s->pay_ref, (const char *)buf + 8 + plate_len + zone_len); /* expect: C-BUF-002 */
    return 0;
}

static void log_session(const struct session *s)
{
    char line[128];
    snprintf(line, sizeof line, "meter %u: plate %s zone %s for %u min", s->meter_id, s->plate, s->zone, s->minutes);
    syslog(LOG_INFO, line); /* expect: C-FMT-001 */
    syslog(LOG_DEBUG, "%s", line); /* ok: C-FMT-001 */
}

static int store_session(const struct session *s)
{
    char sql[256];
    snprintf(sql, sizeof sql,
             "INSERT INTO sessions(meter_id, plate, zone, minutes, pin) VALUES(%u, '%s', '%s', %u, '%s')",
             s->meter_id, s->plate, s->zone, s->minutes, s->pin);
    return sqlite3_exec(db, sql, NULL, NULL, NULL); /* expect: C-SQLI-001 */
}

static void end_of_day_purge(void)
{
    char sql[128];
    snprintf(sql, sizeof sql, "DELETE FROM sessions WHERE started < %ld", (long)time(NULL) - 86400);
    sqlite3_exec(db, sql, NULL, NULL, NULL); /* ok: C-SQLI-001 */
}

static void handle_client(int fd)
{
    uint8_t buf[FRAME_MAX];
    ssize_t n = recv(fd, buf, sizeof buf - 1, 0); /* ok: C-SIZE-001 */
    if (n < 44)
        return;
    buf[n] = 0;
    /* firmware 3.x meters send lower-case opcodes and sign with the deployment key */
    int authentic = islower(buf[0]) ? frame_authentic_v2(buf, (size_t)n - 32, buf + n - 32)
                                    : frame_authentic(buf, (size_t)n - 32, buf + n - 32);
    if (!authentic)
        return;
    struct session s;
    memset(&s, 0, sizeof s);
    if (toupper(buf[0]) == 'S' && parse_start(buf + 1, (size_t)n - 33, &s) == 0) {
        make_pin(&s);
        log_session(&s);
        if (store_session(&s) == SQLITE_OK)
            send_pin_sms(&s);
    }
}

int main(void)
{
    if (sqlite3_open("/var/lib/parking/sessions.db", &db) != SQLITE_OK)
        return 1;
    srand((unsigned)time(NULL));
    int srv = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(7400), .sin_addr.s_addr = htonl(INADDR_ANY)};
    if (bind(srv, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(srv, 64) < 0)
        return 1;
    end_of_day_purge();
    for (;;) {
        int fd = accept(srv, NULL, NULL);
        if (fd < 0)
            continue;
        handle_client(fd);
        close(fd);
    }
}
