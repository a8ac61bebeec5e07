/* config_store.c - loads key=value settings from a file and keeps them in a growable table. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#define KEY_MAX 64
#define VALUE_MAX 256

struct entry {
    char key[KEY_MAX];
    char value[VALUE_MAX];
};

struct table {
    struct entry *items;
    size_t len;
    size_t cap;
};

static int table_reserve(struct table *t, size_t want)
{
    if (want <= t->cap)
        return 0;
    if (want > SIZE_MAX / sizeof(struct entry))
        return -1;
    struct entry *grown = realloc(t->items, want * sizeof(struct entry)); /* ok: C-ALLOC-001 */
    if (grown == NULL)
        return -1;
    t->items = grown;
    t->cap = want;
    return 0;
}

static int table_add(struct table *t, const char *key, const char *value)
{
    if (t->len == t->cap && table_reserve(t, t->cap ? t->cap * 2 : 16) != 0)
        return -1;
    struct entry *e = &t->items[t->len];
    size_t klen = strnlen(key, sizeof e->key - 1);
    memcpy(e->key, key, klen); /* ok: C-BUF-005 */
    e->key[klen] = '\0';
    snprintf(e->value, sizeof e->value, "%s", value);
    t->len++;
    return 0;
}

static void table_free(struct table *t)
{
    free(t->items);
    t->items = NULL; /* ok: C-MEM-002 */
    t->len = t->cap = 0;
}

static char *load_file(const char *path, size_t *out_len)
{
    FILE *fp = fopen(path, "rb");
    if (fp == NULL)
        return NULL;
    char *data = NULL;
    size_t len = 0;
    char chunk[1024];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, fp)) > 0) {
        char *bigger = realloc(data, len + n + 1);
        if (bigger == NULL) {
            free(data);
            fclose(fp);
            return NULL;
        }
        data = bigger;
        memcpy(data + len, chunk, n);
        len += n;
    }
    fclose(fp);
    if (data == NULL)
        return NULL;
    data[len] = '\0';
    *out_len = len;
    return data;
}

int config_load(struct table *t, const char *path)
{
    size_t len = 0;
    char *text = load_file(path, &len);
    if (text == NULL) {
        syslog(LOG_ERR, "cannot read %s: %s", path, strerror(errno)); /* ok: C-FMT-001 */
        return -1;
    }
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
        char *eq = strchr(line, '=');
        if (eq == NULL || line[0] == '#')
            continue;
        *eq = '\0';
        if (table_add(t, line, eq + 1) != 0) {
            free(text);
            table_free(t);
            return -1;
        }
    }
    free(text);
    text = NULL;
    return 0;
}

struct table *config_copy(const struct table *src)
{
    struct table *copy = calloc(1, sizeof *copy);
    if (copy == NULL)
        return NULL;
    copy->items = calloc(src->len, sizeof(struct entry)); /* ok: C-ALLOC-001 */
    if (copy->items == NULL && src->len != 0) {
        free(copy);
        return NULL;
    }
    memcpy(copy->items, src->items, src->len * sizeof(struct entry));
    copy->len = copy->cap = src->len;
    return copy;
}

const char *config_password(void)
{
    const char *password = getenv("CONFIG_STORE_PASSWORD"); /* ok: C-SECRET-001 */
    return password != NULL ? password : "";
}
