/*
 * iot_agent.c - device-management agent for the smart-thermostat fleet.
 *
 * Runs as root on the thermostat (32-bit ARM, so size_t is 32 bits) and keeps a TCP connection
 * to the management backend. Frames are: u8 type, u16 length (network order), payload. Anyone
 * who can reach port 7011 on the device LAN can also open a connection and send frames.
 */
#include <arpa/inet.h>
#include <openssl/crypto.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#define DEVICE_PSK "t7Qm2Vx9Lr4Kc8Wp1Zs6Hd3N" /* expect: C-SECRET-001 */
#define MAX_SCHEDULE_SLOTS 336
#define FRAME_MAX 1024

enum frame_type { FRAME_AUTH = 1, FRAME_WIFI = 2, FRAME_SCHEDULE = 3, FRAME_NOTE = 4, FRAME_TZ = 5 };

struct schedule_slot {
    uint16_t minute_of_week;
    int16_t setpoint_centi;
};

struct agent {
    int fd;
    int authenticated;
    char session_token[33];
    char display_note[64];
    struct schedule_slot *slots;
    uint32_t slot_count;
};

static int read_full(int fd, void *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        ssize_t n = read(fd, (char *)buf + got, len - got);
        if (n <= 0)
            return -1;
        got += (size_t)n;
    }
    return 0;
}

static void handle_auth(struct agent *a, const uint8_t *payload, uint16_t len)
{
    if (len != 32)
        return;
    a->authenticated = memcmp(payload, a->session_token, 32) == 0; /* expect: C-TIMING-001 */
}

static int check_psk(const uint8_t *proof, size_t len)
{
    return len == strlen(DEVICE_PSK) && CRYPTO_memcmp(proof, DEVICE_PSK, len) == 0; /* ok: C-TIMING-001 */
}

static void handle_wifi(const uint8_t *payload, uint16_t len)
{
    char ssid[33], psk[64], cmd[256];
    if (sscanf((const char *)payload, "%32[^\t]\t%63s", ssid, psk) != 2) /* ok: C-BUF-003 */
        return;
    snprintf(cmd, sizeof cmd, "wpa_cli set_network 0 ssid '\"%s\"' && wpa_cli set_network 0 psk '\"%s\"'", ssid, psk);
    if (system(cmd) != 0) /* expect: C-CMDI-001 */
        syslog(LOG_WARNING, "wifi reconfiguration failed (%u bytes)", (unsigned)len);
}

static void handle_timezone(const uint8_t *payload, uint16_t len)
{
    char zone[64];
    size_t n = len < sizeof zone - 1 ? len : sizeof zone - 1;
    memcpy(zone, payload, n); /* ok: C-SIZE-001 */
    zone[n] = '\0';
    pid_t pid = fork();
    if (pid == 0) {
        execl("/usr/bin/timedatectl", "timedatectl", "set-timezone", zone, (char *)NULL); /* ok: C-CMDI-001 */
        _exit(127);
    }
    if (pid > 0)
        waitpid(pid, NULL, 0);
}

static void handle_schedule(struct agent *a, const uint8_t *payload, uint16_t len)
{
    uint32_t count;
    if (len < 4)
        return;
    memcpy(&count, payload, sizeof count);
    count = ntohl(count);
    if ((size_t)(len - 4) != count * sizeof(struct schedule_slot))
        return;
    struct schedule_slot *slots = malloc(count * sizeof(struct schedule_slot)); /* expect: C-ALLOC-001 */
    if (slots == NULL)
        return;
    memcpy(slots, payload + 4, len - 4);
    free(a->slots);
    a->slots = slots;
    a->slot_count = count;
}

static int restore_schedule(struct agent *a, FILE *f, uint32_t count)
{
    if (count > MAX_SCHEDULE_SLOTS)
        return -1;
    struct schedule_slot *slots = calloc(count, sizeof *slots); /* ok: C-ALLOC-001 */
    if (slots == NULL || fread(slots, sizeof *slots, count, f) != count) {
        free(slots);
        return -1;
    }
    a->slots = slots;
    a->slot_count = count;
    return 0;
}

static void handle_note(struct agent *a, const uint8_t *payload, uint16_t len)
{
    memcpy(a->display_note, payload, len); /* expect: C-SIZE-001 */
    a->display_note[sizeof a->display_note - 1] = '\0';
    syslog(LOG_INFO, a->display_note); /* expect: C-FMT-001 */
    syslog(LOG_INFO, "note set: %.*s", (int)sizeof a->display_note, a->display_note); /* ok: C-FMT-001 */
}

int agent_loop(struct agent *a)
{
    uint8_t header[3];
    uint8_t payload[FRAME_MAX + 1];
    while (read_full(a->fd, header, sizeof header) == 0) {
        uint16_t len = (uint16_t)((header[1] << 8) | header[2]);
        if (len > FRAME_MAX || read_full(a->fd, payload, len) != 0) /* ok: C-SIZE-001 */
            return -1;
        payload[len] = '\0';
        if (header[0] == FRAME_AUTH) {
            handle_auth(a, payload, len);
            continue;
        }
        if (!a->authenticated && !check_psk(payload, len))
            continue;
        switch (header[0]) {
        case FRAME_WIFI: handle_wifi(payload, len); break;
        case FRAME_SCHEDULE: handle_schedule(a, payload, len); break;
        case FRAME_NOTE: handle_note(a, payload, len); break;
        case FRAME_TZ: handle_timezone(payload, len); break;
        default: syslog(LOG_NOTICE, "unknown frame type %u", header[0]);
        }
    }
    return 0;
}
