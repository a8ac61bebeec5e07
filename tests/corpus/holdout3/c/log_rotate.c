/*
 * log_rotate.c - rotates the appliance's log files.
 *
 * Reads /etc/logrotate-lite.conf ("<path> <keep>" per line), renames
 * app.log -> app.log.1 -> ... -> app.log.<keep>, compresses the newest
 * archive with gzip and records what it did in the state file.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#define CONF_PATH "/etc/logrotate-lite.conf"
#define STATE_PATH "/var/lib/logrotate-lite/state"
#define MAX_LOGS 256
#define MAX_KEEP 30

struct logfile {
    char path[PATH_MAX];
    unsigned keep;
};

struct state_entry {
    uint32_t rotated_at;
    uint32_t bytes;
};

static int make_name(char *dst, size_t dst_len, const char *base, unsigned n)
{
    int w = snprintf(dst, dst_len, "%s.%u", base, n); // ok: C-BUF-002, C-FMT-001
    return (w < 0 || (size_t)w >= dst_len) ? -1 : 0;
}

static int gzip_file(const char *path)
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        execl("/bin/gzip", "gzip", "-f", "--", path, (char *)NULL); // ok: C-CMDI-001
        _exit(127);
    }
    int status;
    return (waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0) ? 0 : -1;
}

static int rotate_one(const struct logfile *lf)
{
    char from[PATH_MAX], to[PATH_MAX];
    for (unsigned n = lf->keep; n > 1; n--) {
        if (make_name(from, sizeof(from), lf->path, n - 1) != 0 || make_name(to, sizeof(to), lf->path, n) != 0)
            return -1;
        if (rename(from, to) != 0 && errno != ENOENT)
            return -1;
    }
    if (make_name(to, sizeof(to), lf->path, 1) != 0 || rename(lf->path, to) != 0)
        return -1;
    char archive[PATH_MAX];
    strcpy(archive, to); // ok: C-BUF-002
    strcat(archive, ".gz"); // expect: C-BUF-002
    if (gzip_file(to) != 0) {
        char msg[PATH_MAX + 32];
        snprintf(msg, sizeof(msg), "gzip failed for %s\n", to);
        fprintf(stderr, msg); // expect: C-FMT-001
        return -1;
    }
    struct stat st;
    return stat(archive, &st) == 0 ? 0 : -1;
}

static size_t load_config(struct logfile *out, size_t max)
{
    FILE *f = fopen(CONF_PATH, "r");
    if (f == NULL)
        return 0;
    char line[PATH_MAX + 32];
    char path[PATH_MAX];
    size_t count = 0;
    while (count < max && fgets(line, sizeof(line), f) != NULL) { // ok: C-SIZE-001
        unsigned keep = 0;
        if (line[0] == '#' || sscanf(line, "%4095s %u", path, &keep) != 2) // ok: C-BUF-003
            continue;
        char *real = realpath(path, NULL); // ok: C-BUF-004
        if (real == NULL)
            continue;
        size_t n = strnlen(real, sizeof(out[count].path) - 1);
        memcpy(out[count].path, real, n); // ok: C-BUF-005, C-SIZE-001
        out[count].path[n] = '\0';
        out[count].keep = keep > MAX_KEEP ? MAX_KEEP : keep;
        free(real);
        count++;
    }
    fclose(f);
    return count;
}

static struct state_entry *load_state(uint64_t *count_out)
{
    FILE *f = fopen(STATE_PATH, "rb");
    uint64_t count = 0;
    if (f == NULL || fread(&count, sizeof(count), 1, f) != 1) {
        if (f != NULL)
            fclose(f);
        return NULL;
    }
    struct state_entry *entries = malloc(count * sizeof(struct state_entry)); // expect: C-ALLOC-001
    if (entries == NULL || fread(entries, sizeof(*entries), count, f) != count) {
        free(entries);
        fclose(f);
        return NULL;
    }
    fclose(f);
    *count_out = count;
    return entries;
}

int main(void)
{
    struct logfile *logs = calloc(MAX_LOGS, sizeof(*logs)); // ok: C-ALLOC-001
    if (logs == NULL)
        return 1;
    size_t n = load_config(logs, MAX_LOGS);
    uint64_t previous = 0;
    struct state_entry *state = load_state(&previous);
    int failures = 0;
    for (size_t i = 0; i < n; i++) {
        if (rotate_one(&logs[i]) != 0) {
            fprintf(stderr, "log_rotate: %s: rotation failed\n", logs[i].path); // ok: C-FMT-001
            failures++;
        }
    }
    free(state);
    if (previous > 0 && state[0].rotated_at == 0) // expect: C-MEM-002
        fprintf(stderr, "log_rotate: state file had no timestamp\n");
    free(logs);
    printf("rotated %zu files, %d failures\n", n - (size_t)failures, failures);
    return failures ? 1 : 0;
}
