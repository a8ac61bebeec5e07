/* telemetry_server.c - receives batched sensor records over TCP and stores them. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <syslog.h>
#include <unistd.h>

#define MAX_NAME 32

static const char *ADMIN_PASSWORD = "T3lemetry!Admin2024"; /* expect: C-SECRET-001 */

struct record {
    uint32_t sensor_id;
    double value;
};

struct batch_header {
    uint32_t count;
    char station[MAX_NAME];
};

struct session {
    int fd;
    char *buffer;
    char name[MAX_NAME];
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

static struct record *read_batch(int fd, uint32_t *out_count)
{
    struct batch_header hdr;
    if (read_full(fd, &hdr, sizeof hdr) != 0)
        return NULL;
    uint32_t count = ntohl(hdr.count);
    struct record *records = malloc(count * sizeof(struct record)); /* expect: C-ALLOC-001 */
    if (records == NULL)
        return NULL;
    if (read_full(fd, records, count * sizeof(struct record)) != 0) {
        free(records);
        return NULL;
    }
    *out_count = count;
    return records;
}

static void set_station_name(struct session *s, const char *station)
{
    memcpy(s->name, station, strlen(station) + 1); /* expect: C-BUF-005 */
}

static void log_client_message(const char *msg)
{
    syslog(LOG_INFO, msg); /* expect: C-FMT-001 */
}

static int handle_client(int fd)
{
    struct session *s = calloc(1, sizeof *s);
    if (s == NULL)
        return -1;
    s->fd = fd;
    s->buffer = malloc(4096);
    if (s->buffer == NULL) {
        free(s);
        return -1;
    }

    ssize_t n = recv(fd, s->buffer, 4095, 0);
    if (n <= 0) {
        free(s->buffer);
        free(s);
        return -1;
    }
    s->buffer[n] = '\0';

    if (strncmp(s->buffer, "AUTH ", 5) == 0 && strcmp(s->buffer + 5, ADMIN_PASSWORD) != 0) {
        free(s->buffer);
        syslog(LOG_WARNING, "rejected credentials: %s", s->buffer); /* expect: C-MEM-002 */
        close(fd);
        free(s);
        return -1;
    }
    log_client_message(s->buffer);

    uint32_t count = 0;
    struct record *records = read_batch(fd, &count);
    if (records == NULL) {
        syslog(LOG_WARNING, "bad batch on fd %d", fd);
        goto done;
    }
    set_station_name(s, s->buffer);
    for (uint32_t i = 0; i < count; i++)
        printf("%s sensor %u = %f\n", s->name, records[i].sensor_id, records[i].value);
    free(records);
    free(s->buffer);

done:
    free(s->buffer); /* expect: C-MEM-001 */
    close(s->fd);
    free(s);
    printf("closed session on fd %d\n", s->fd); /* expect: C-MEM-002 */
    return 0;
}

int main(void)
{
    int srv = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {0};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(9400);
    addr.sin_addr.s_addr = htonl(INADDR_ANY);
    if (bind(srv, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(srv, 16) != 0) {
        perror("listen");
        return 1;
    }
    openlog("telemetryd", LOG_PID, LOG_DAEMON);
    for (;;) {
        int fd = accept(srv, NULL, NULL);
        if (fd >= 0)
            handle_client(fd);
    }
}
