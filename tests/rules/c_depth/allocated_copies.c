/* Copies sized by the source into buffers allocated here with room for them (flagged only where the room is
   fixed, belongs to a caller, or was counted for something else). */
#include <stdlib.h>
#include <string.h>

struct user {
    char *name;
    char *home;
    char *shell;
};

struct watch {
    int wd;
    char path[1];
};

struct link {
    int id;
    char target[];
};

struct slot {
    int id;
    char label[16];
};

int user_copy(struct user *out, const char *name, const char *home, const char *shell)
{
    size_t name_size = strlen(name) + 1;
    size_t home_size = strlen(home) + 1;
    size_t shell_size = strlen(shell) + 1;

    out->name = malloc(name_size + home_size + shell_size);
    if (out->name == NULL)
        return -1;
    memcpy(out->name, name, name_size); /* ok: C-BUF-005 */
    out->home = out->name + name_size;
    memcpy(out->home, home, home_size); /* ok: C-BUF-005 */
    out->shell = out->home + home_size;
    memcpy(out->shell, shell, shell_size); /* ok: C-BUF-005 */
    return 0;
}

char *pack(const char *host, const char *service)
{
    size_t host_len = strlen(host) + 1;
    size_t service_len = strlen(service) + 1;
    size_t len = 0;
    char *buf = malloc(host_len + service_len);

    if (buf == NULL)
        return NULL;
    memcpy(buf + len, service, service_len); /* ok: C-BUF-005 */
    len += service_len;
    memcpy(buf + len, host, host_len); /* ok: C-BUF-005 */
    return buf;
}

struct watch *watch_new(const char *path)
{
    size_t len = strlen(path);
    struct watch *w = malloc(sizeof(*w) + len);

    if (w != NULL)
        memcpy(w->path, path, len + 1); /* ok: C-SIZE-001, C-BUF-005 */
    return w;
}

struct link *link_new(const char *target)
{
    struct link *l = malloc(sizeof(*l) + strlen(target) + 1);

    if (l != NULL)
        memcpy(l->target, target, strlen(target) + 1); /* ok: C-BUF-005 */
    return l;
}

struct slot *slot_new(const char *label)
{
    struct slot *s = malloc(sizeof(*s) + strlen(label) + 1);

    if (s != NULL)
        memcpy(s->label, label, strlen(label) + 1); /* expect: C-BUF-005 */
    return s;
}

char *pack_short(const char *host, const char *service)
{
    size_t host_len = strlen(host) + 1;
    size_t service_len = strlen(service) + 1;
    char *buf = malloc(host_len);

    if (buf == NULL)
        return NULL;
    memcpy(buf, host, host_len); /* ok: C-BUF-005 */
    memcpy(buf + host_len, service, service_len); /* expect: C-BUF-005 */
    return buf;
}

char *emit(char *target, const char *source)
{
    size_t len = strlen(source);
    size_t i;

    memcpy(target, source, len); /* expect: C-BUF-005 */
    for (i = len; i > 0; --i)
        target[i - 1] = source[i - 1];
    return target + len;
}

int join_checked(char *buf, size_t room, const char *dir, const char *name)
{
    size_t dlen = strlen(dir);
    size_t nlen = strlen(name);
    size_t total = dlen + nlen;

    if (total >= room)
        return -1;
    memcpy(buf, dir, dlen); /* ok: C-BUF-005 */
    memcpy(buf + dlen, name, nlen + 1); /* ok: C-BUF-005 */
    return 0;
}
