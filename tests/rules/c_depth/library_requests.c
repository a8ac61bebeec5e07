/* An event-loop library's file requests: `req` is the library's own request object, filled by its caller,
   not an HTTP request. */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

typedef struct fs_req_s {
    const char *path;
    const char *new_path;
    int flags;
    int mode;
} fs_req_t;

static int fs_open(fs_req_t *req)
{
    return open(req->path, req->flags, req->mode); /* ok: C-PATH-001 */
}

static int fs_unlink(fs_req_t *request)
{
    return unlink(request->path); /* ok: C-PATH-001 */
}

static int fs_rename(fs_req_t *req)
{
    return rename(req->path, req->new_path); /* ok: C-PATH-001 */
}
