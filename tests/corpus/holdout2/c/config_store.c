/* config_store.c - key/value configuration store for an embedded daemon. Keys and values arrive over a
 * UNIX socket from the management CLI; values are persisted under /etc/appd/conf.d/<key>. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define CONF_DIR "/etc/appd/conf.d"
#define KEY_MAX 64
#define VALUE_MAX 1024

struct entry {
    char key[KEY_MAX];
    char value[VALUE_MAX];
};

static int valid_key(const char *key)
{
    size_t len = strlen(key);
    if (len == 0 || len >= KEY_MAX)
        return 0;
    for (size_t i = 0; i < len; i++) {
        char c = key[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

static int parse_line(const char *line, struct entry *out)
{
    const char *eq = strchr(line, '=');
    if (!eq)
        return -1;
    size_t klen = (size_t)(eq - line);
    if (klen >= sizeof(out->key))
        return -1;
    memcpy(out->key, line, klen); /* ok: C-BUF-005 */
    out->key[klen] = '\0';
    strncpy(out->value, eq + 1, sizeof(out->value) - 1); /* ok: C-BUF-002 */
    out->value[sizeof(out->value) - 1] = '\0';
    return valid_key(out->key) ? 0 : -1;
}

static int store(const struct entry *e)
{
    char path[PATH_MAX];
    int n = snprintf(path, sizeof(path), "%s/%s", CONF_DIR, e->key); /* ok: C-BUF-002 */
    if (n < 0 || (size_t)n >= sizeof(path))
        return -1;
    FILE *fp = fopen(path, "w");
    if (!fp)
        return -1;
    fputs(e->value, fp); /* ok: C-FMT-001 */
    return fclose(fp);
}

static int reload_service(const char *unit)
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        execlp("systemctl", "systemctl", "reload", unit, (char *)NULL); /* ok: C-CMDI-001 */
        _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int handle_command(const char *line, char *reply, size_t reply_len)
{
    struct entry e;
    memset(&e, 0, sizeof(e));
    if (parse_line(line, &e) != 0) {
        snprintf(reply, reply_len, "ERR invalid entry\n");
        return -1;
    }
    if (store(&e) != 0) {
        snprintf(reply, reply_len, "ERR %s\n", strerror(errno)); /* ok: C-FMT-001 */
        return -1;
    }
    fprintf(stderr, "%s updated\n", e.key); /* ok: C-FMT-001 */
    snprintf(reply, reply_len, "OK %s\n", e.key);
    return reload_service("appd.service");
}

int read_command(FILE *in, char *buf, size_t len)
{
    if (!fgets(buf, (int)len, in)) /* ok: C-BUF-001 */
        return -1;
    buf[strcspn(buf, "\n")] = '\0';
    return 0;
}

char *resolve_include(const char *name)
{
    char full[PATH_MAX];
    snprintf(full, sizeof(full), "%s/%s", CONF_DIR, name);
    char *resolved = realpath(full, NULL); /* ok: C-BUF-004 */
    if (resolved && strncmp(resolved, CONF_DIR "/", sizeof(CONF_DIR)) != 0) {
        free(resolved);
        return NULL;
    }
    return resolved;
}
