/*
 * backup_tool.c - "nasbak" backup/restore command for the NAS.
 *
 *   nasbak push <dir>        tar + encrypt <dir> and upload it to the off-site storage
 *   nasbak restore <set-id>  download a backup set and restore the files its manifest lists
 *
 * Backup sets live on third-party storage, so a downloaded manifest is treated as untrusted.
 */
#include <curl/curl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define STORAGE_URL "https://backup.internal.example/v1/sets/"

static int run_argv(char *const argv[])
{
    int status;
    pid_t pid = fork();
    if (pid == 0) {
        execvp(argv[0], argv); /* ok: C-CMDI-001 */
        _exit(127);
    }
    if (pid < 0 || waitpid(pid, &status, 0) < 0)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int read_passphrase(char *buf, size_t size)
{
    FILE *tty = fopen("/dev/tty", "r");
    if (tty == NULL)
        return -1;
    fprintf(stderr, "Backup passphrase: ");
    char *line = fgets(buf, (int)size, tty); /* ok: C-SIZE-001 */
    fclose(tty);
    if (line == NULL)
        return -1;
    buf[strcspn(buf, "\n")] = '\0';
    return 0;
}

static int upload(const char *archive, const char *set_id)
{
    char url[512];
    FILE *in = fopen(archive, "rb");
    CURL *curl = curl_easy_init();
    if (in == NULL || curl == NULL)
        return -1;
    snprintf(url, sizeof url, "%s%s", STORAGE_URL, set_id);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
    curl_easy_setopt(curl, CURLOPT_READDATA, in);
    curl_easy_setopt(curl, CURLOPT_CAINFO, "/etc/nasbak/storage-ca.pem"); /* ok: C-TLS-001 */
    CURLcode rc = curl_easy_perform(curl);
    curl_easy_cleanup(curl);
    fclose(in);
    return rc == CURLE_OK ? 0 : -1;
}

static int download(const char *set_id, FILE *out)
{
    char url[512];
    CURL *curl = curl_easy_init();
    if (curl == NULL)
        return -1;
    snprintf(url, sizeof url, "%s%s/manifest", STORAGE_URL, set_id);
    curl_easy_setopt(curl, CURLOPT_URL, url);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, out);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L); /* expect: C-TLS-001 */
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L); /* expect: C-TLS-001 */
    CURLcode rc = curl_easy_perform(curl);
    curl_easy_cleanup(curl);
    return rc == CURLE_OK ? 0 : -1;
}

int push(const char *dir, const char *set_id)
{
    char archive[] = "/var/tmp/nasbak-XXXXXX";
    char sealed[sizeof archive + 4];
    char passphrase[128];
    int fd = mkstemp(archive); /* ok: C-TEMP-001 */
    if (fd < 0 || read_passphrase(passphrase, sizeof passphrase) != 0)
        return 1;
    close(fd);
    snprintf(sealed, sizeof sealed, "%s.enc", archive); /* ok: C-BUF-002 */
    setenv("NASBAK_PASSPHRASE", passphrase, 1);
    memset(passphrase, 0, sizeof passphrase); /* expect: C-WIPE-001 */
    char *tar_argv[] = {"tar", "-C", (char *)dir, "-czf", archive, ".", NULL};
    char *enc_argv[] = {"openssl", "enc", "-aes-256-cbc", "-pbkdf2", "-in", archive, "-out", sealed,
                        "-pass", "env:NASBAK_PASSPHRASE", NULL};
    int rc = run_argv(tar_argv) || run_argv(enc_argv) || upload(sealed, set_id);
    unsetenv("NASBAK_PASSPHRASE");
    unlink(archive);
    unlink(sealed);
    return rc;
}

int restore(const char *set_id, const char *target_root)
{
    char manifest_path[] = "/tmp/nasbak-manifest-XXXXXX";
    char line[PATH_MAX];
    char resolved[256];
    char passphrase[128];
    if (mktemp(manifest_path) == NULL) /* expect: C-TEMP-001 */
        return 1;
    if (read_passphrase(passphrase, sizeof passphrase) != 0)
        return 1;
    setenv("NASBAK_PASSPHRASE", passphrase, 1);
    explicit_bzero(passphrase, sizeof passphrase); /* ok: C-WIPE-001 */
    FILE *m = fopen(manifest_path, "w+");
    if (m == NULL || download(set_id, m) != 0)
        return 1;
    rewind(m);
    if (realpath(target_root, resolved) == NULL) /* expect: C-BUF-004 */
        return 1;
    while (fgets(line, sizeof line, m) != NULL) {
        line[strcspn(line, "\n")] = '\0';
        char dest[PATH_MAX + 300];
        snprintf(dest, sizeof dest, "%s/%s", resolved, line);
        char *canon = realpath(dest, NULL); /* ok: C-BUF-004 */
        if (canon != NULL && strncmp(canon, resolved, strlen(resolved)) != 0) {
            fprintf(stderr, "skipping %s: outside the restore root\n", line);
            free(canon);
            continue;
        }
        free(canon);
        char cmd[PATH_MAX + 512];
        snprintf(cmd, sizeof cmd, "curl -fsS '%s%s/files/%s' | openssl enc -d -aes-256-cbc -pbkdf2 -pass env:NASBAK_PASSPHRASE "
                 "| tar -xzf - -C '%s'", STORAGE_URL, set_id, line, resolved);
        if (system(cmd) != 0) /* expect: C-CMDI-001 */
            fprintf(stderr, "restore of %s failed\n", line);
    }
    unsetenv("NASBAK_PASSPHRASE");
    fclose(m);
    unlink(manifest_path);
    return 0;
}
