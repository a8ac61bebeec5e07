/* status_server.c - tiny TCP status server: clients send "NAME path" lines, the server logs them,
 * looks up the file's status and can compress old logs on request. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#define PORT 7070
#define LINE_MAX_LEN 512

struct request {
    char client[32];
    char path[128];
    char header[64];
};

static void log_request(const char *line)
{
    syslog(LOG_INFO, line); /* expect: C-FMT-001 */
}

static void log_request_safe(const char *line)
{
    syslog(LOG_INFO, "request: %s", line); /* ok: C-FMT-001 */
}

static void parse_request(struct request *req, const char *name, const char *path, const char *hdr)
{
    strcpy(req->client, name); /* expect: C-BUF-002 */
    snprintf(req->path, sizeof(req->path), "%s", path); /* ok: C-BUF-002 */
    memcpy(req->header, hdr, strlen(hdr)); /* expect: C-BUF-005 */
}

static void compress_log(const char *name)
{
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "gzip -9 /var/log/status/%s", name);
    system(cmd); /* expect: C-CMDI-001 */
}

static int describe(int fd, const struct request *req)
{
    struct stat st;
    char reply[128];
    if (stat(req->path, &st) != 0) {
        dprintf(fd, "ERR %s\n", req->path);
        return -1;
    }
    sprintf(reply, "OK %s size=%lld owner=%s\n", req->path, (long long)st.st_size, req->client); /* expect: C-BUF-002 */
    return (int)write(fd, reply, strlen(reply));
}

static void handle_client(int fd)
{
    char line[LINE_MAX_LEN];
    char name[64], path[128], hdr[128];
    struct request req;
    ssize_t n = read(fd, line, sizeof(line) - 1);
    if (n <= 0)
        return;
    line[n] = '\0';
    log_request(line);
    log_request_safe(line);
    if (sscanf(line, "%63s %127s %127s", name, path, hdr) != 3) { /* ok: C-BUF-003 */
        dprintf(fd, "ERR bad request\n");
        return;
    }
    memset(&req, 0, sizeof(req));
    parse_request(&req, name, path, hdr);
    if (strncmp(req.path, "compress:", 9) == 0) {
        compress_log(req.path + 9);
        return;
    }
    describe(fd, &req);
}

int main(void)
{
    int srv = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in addr = {0};
    int one = 1;
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(PORT);
    setsockopt(srv, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(srv, (struct sockaddr *)&addr, sizeof(addr)) != 0 || listen(srv, 16) != 0) {
        perror("bind/listen");
        return 1;
    }
    openlog("status_server", LOG_PID, LOG_DAEMON);
    for (;;) {
        int fd = accept(srv, NULL, NULL);
        if (fd < 0)
            continue;
        handle_client(fd);
        close(fd);
    }
}
