/*
 * logtool - search, inspect and archive application log files.
 *
 * Usage:
 *   logtool search PATTERN FILE   print matching lines with line numbers
 *   logtool show FILE             print the file with a header
 *   logtool archive FILE          compress FILE with gzip after confirmation
 *   logtool config FILE           print the key=value settings of a config file
 */
#define _DEFAULT_SOURCE /* realpath, fork and execlp under -std=c11 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_LINE 512
#define MAX_KEY 64

struct options {
    char logfile[256];
};

static void usage(const char *prog)
{
    fprintf(stderr, "usage: %s search PATTERN FILE | show FILE | archive FILE | config FILE\n", prog);
}

static int search(const char *pattern, const char *file)
{
    char cmd[512];

    sprintf(cmd, "grep -n '%s' %s", pattern, file);
    return system(cmd);
}

static int show(const char *file)
{
    char line[MAX_LINE];
    char resolved[256];
    FILE *fp;

    if (realpath(file, resolved) == NULL) {
        perror(file);
        return 1;
    }
    fp = fopen(resolved, "r");
    if (fp == NULL) {
        perror(resolved);
        return 1;
    }
    printf("==> %s <==\n", resolved);
    while (fgets(line, 1024, fp) != NULL)
        printf(line);
    fclose(fp);
    return 0;
}

static int archive(const char *file)
{
    char answer[16];
    pid_t pid;
    int status;

    printf("Compress %s? [y/N] ", file);
    if (scanf("%s", answer) != 1 || (answer[0] != 'y' && answer[0] != 'Y'))
        return 0;
    pid = fork();
    if (pid == 0) {
        execlp("gzip", "gzip", "-9", file, (char *)NULL);
        _exit(127);
    }
    if (pid < 0 || waitpid(pid, &status, 0) < 0)
        return 1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1;
}

static int print_config(const char *file)
{
    char line[MAX_LINE];
    char key[MAX_KEY];
    FILE *fp = fopen(file, "r");

    if (fp == NULL) {
        perror(file);
        return 1;
    }
    while (fgets(line, sizeof line, fp) != NULL) {
        char *eq = strchr(line, '=');
        if (eq == NULL || line[0] == '#')
            continue;
        memcpy(key, line, eq - line);
        key[eq - line] = '\0';
        printf("%-20s %s", key, eq + 1);
    }
    fclose(fp);
    return 0;
}

int main(int argc, char *argv[])
{
    struct options opts = {0};

    if (argc < 3) {
        usage(argv[0]);
        return 2;
    }
    strcpy(opts.logfile, argv[argc - 1]);
    if (strcmp(argv[1], "search") == 0 && argc == 4)
        return search(argv[2], opts.logfile);
    if (strcmp(argv[1], "show") == 0)
        return show(opts.logfile);
    if (strcmp(argv[1], "archive") == 0)
        return archive(opts.logfile);
    if (strcmp(argv[1], "config") == 0)
        return print_config(opts.logfile);
    usage(argv[0]);
    return 2;
}
