/*
 * bbsd - a small retro bulletin-board system reached over telnet (port 2323). One process per caller,
 * forked from the accept loop; users, boards and messages live under /var/lib/bbsd.
 * Attacker data: every byte a caller types (handle, password, board, subject, body, the user to finger)
 * arrives on the client socket; the BBS is listed publicly, so anyone can connect.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <openssl/md5.h>

#define SYSOP_PASSWORD "r3tr0-Sys0p-7741-quokka"  /* expect: C-SECRET-001 */
#define USER_DB "/var/lib/bbsd/users.db"
#define HANDLE_MAX 32

struct caller {
    int fd;
    char handle[HANDLE_MAX];
    char guest_token[17];
    int is_sysop;
};

static const char *boards[] = { "general", "retro-hw", "trading", "sysop-news", NULL };

static int read_line(int fd, char *buf, size_t cap)
{
    size_t n = 0;
    char ch;
    while (n + 1 < cap && read(fd, &ch, 1) == 1) {
        if (ch == '\n')
            break;
        if (ch != '\r') buf[n++] = ch;
    }
    buf[n] = '\0';
    return (int)n;
}

static void hex_md5(const char *pw, char out[33])
{
    unsigned char d[MD5_DIGEST_LENGTH];
    MD5((const unsigned char *)pw, strlen(pw), d);  /* expect: C-HASH-001 */
    for (int i = 0; i < MD5_DIGEST_LENGTH; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);  /* ok: C-BUF-002, C-SIZE-001 */
}

static int lookup_hash(const char *handle, char stored[33])
{
    char name[HANDLE_MAX], hash[33];
    FILE *f = fopen(USER_DB, "r");
    if (!f) return 0;
    while (fscanf(f, "%31s %32s", name, hash) == 2) {  /* ok: C-BUF-003 */
        if (strcmp(name, handle) == 0) {
            memcpy(stored, hash, sizeof hash);
            fclose(f);
            return 1;
        }
    }
    fclose(f);
    return 0;
}

static int login(struct caller *c)
{
    char line[256], password[128], want[33], got[33];
    dprintf(c->fd, "Handle: ");
    read_line(c->fd, line, sizeof line);
    strcpy(c->handle, line);  /* expect: C-BUF-002 */
    dprintf(c->fd, "Password: ");
    read_line(c->fd, password, sizeof password);
    if (strcmp(c->handle, "sysop") == 0) {
        c->is_sysop = strcmp(password, SYSOP_PASSWORD) == 0;  /* expect: C-TIMING-001 */
        memset(password, 0, sizeof password);  /* expect: C-WIPE-001 */
        return c->is_sysop;
    }
    hex_md5(password, got);
    explicit_bzero(password, sizeof password);  /* ok: C-WIPE-001 */
    return lookup_hash(c->handle, want) && strcmp(got, want) == 0;  /* expect: C-TIMING-001 */
}

static void make_guest_token(struct caller *c)
{
    static const char al[] = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    srand((unsigned)time(NULL) ^ (unsigned)getpid());
    for (int i = 0; i < 16; i++)
        c->guest_token[i] = al[rand() % (sizeof al - 1)];  /* expect: C-RAND-001 */
    c->guest_token[16] = '\0';
}

static void fortune(struct caller *c)
{
    static const char *quotes[] = { "RTFM.", "Have you tried 300 baud?", "NO CARRIER" };
    dprintf(c->fd, "%s\r\n", quotes[rand() % 3]);  /* ok: C-RAND-001 */
}

static int board_known(const char *name)
{
    for (int i = 0; boards[i]; i++)
        if (strcmp(boards[i], name) == 0)
            return 1;
    return 0;
}

static void post_message(struct caller *c)
{
    char board[32], subject[64], body[1024], path[256];
    dprintf(c->fd, "Board: ");
    read_line(c->fd, board, sizeof board);
    if (!board_known(board)) {
        dprintf(c->fd, "No such board.\r\n");
        return;
    }
    dprintf(c->fd, "Subject: ");
    read_line(c->fd, subject, sizeof subject);
    snprintf(path, sizeof path, "/var/lib/bbsd/boards/%s/%s.msg", board, subject);
    FILE *f = fopen(path, "w");  /* expect: C-PATH-001 */
    if (!f)
        return;
    read_line(c->fd, body, sizeof body);
    fprintf(f, "From: %s\n\n%s\n", c->handle, body);
    fclose(f);
    dprintf(c->fd, "Posted to %s.\r\n", board);  /* ok: C-FMT-001 */
}

static void page_user(struct caller *c)
{
    char msg[200];
    read_line(c->fd, msg, sizeof msg);
    dprintf(c->fd, "You paged: ");
    dprintf(c->fd, msg);  /* expect: C-FMT-001 */
}

static void finger_user(struct caller *c)
{
    char who[64], cmd[160], out[256];
    read_line(c->fd, who, sizeof who);
    snprintf(cmd, sizeof cmd, "finger -s %s", who);
    FILE *p = popen(cmd, "r");  /* expect: C-CMDI-001 */
    if (!p) return;
    while (fgets(out, sizeof out, p))  /* ok: C-SIZE-001 */
        dprintf(c->fd, "%s\r", out);
    pclose(p);
}

void serve_caller(int fd)
{
    struct caller c = { .fd = fd };
    if (!login(&c))
        make_guest_token(&c);
    fortune(&c);
    char cmd[16];
    while (read_line(fd, cmd, sizeof cmd) > 0) {
        if (strcasecmp(cmd, "post") == 0) post_message(&c);
        else if (strcasecmp(cmd, "page") == 0) page_user(&c);
        else if (strcasecmp(cmd, "finger") == 0) finger_user(&c);
    }
}
