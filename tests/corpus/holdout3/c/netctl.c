/*
 * netctl - small helper for the installer: shows interface state, sets static
 * addresses, captures traffic and imports interface profiles.
 *
 *   netctl show <iface>
 *   netctl set <iface> <cidr>
 *   netctl capture <iface> <seconds>
 *   netctl import <profile-file>
 *   netctl wizard
 *
 * The web installer runs it through sudo with the values from its setup form.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define IFNAME_LEN 16
#define LINE_LEN 128

static int run_argv(char *const argv[])
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        execvp(argv[0], argv); // ok: C-CMDI-001
        _exit(127);
    }
    int status = 0;
    if (waitpid(pid, &status, 0) < 0)
        return -1;
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int cmd_show(const char *arg)
{
    char iface[IFNAME_LEN];
    char path[64];
    char state[32];
    strcpy(iface, arg); // expect: C-BUF-002
    sprintf(path, "/sys/class/net/%s/operstate", iface); // expect: C-BUF-002
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        fprintf(stderr, "netctl: %s: %s\n", path, strerror(errno)); // ok: C-FMT-001
        return 1;
    }
    if (fgets(state, sizeof(state), f) != NULL) // ok: C-SIZE-001
        printf("%s: %s", iface, state);
    fclose(f);
    return 0;
}

static int cmd_set(const char *iface, const char *cidr)
{
    char cmd[256];
    snprintf(cmd, sizeof(cmd), "ip addr replace %s dev %s && ip link set %s up", cidr, iface, iface); // ok: C-BUF-002
    int rc = system(cmd); // expect: C-CMDI-001
    if (rc != 0)
        fprintf(stderr, "netctl: could not configure %s\n", iface);
    return rc == 0 ? 0 : 1;
}

static int cmd_capture(const char *iface, const char *seconds)
{
    char *const argv[] = {"timeout", (char *)seconds, "tcpdump", "-i", (char *)iface, "-w", "/var/tmp/netctl.pcap", NULL};
    return run_argv(argv) == 0 ? 0 : 1;
}

static int cmd_import(const char *profile)
{
    char resolved[256];
    if (realpath(profile, resolved) == NULL) { // expect: C-BUF-004
        perror("netctl: realpath");
        return 1;
    }
    FILE *f = fopen(resolved, "r");
    if (f == NULL)
        return 1;
    char line[LINE_LEN];
    char key[32], value[64];
    while (fgets(line, 256, f) != NULL) { // expect: C-SIZE-001
        if (sscanf(line, "%s = %s", key, value) != 2) // expect: C-BUF-003
            continue;
        if (strcmp(key, "hook") == 0) {
            FILE *p = popen(value, "r"); // expect: C-CMDI-001
            if (p != NULL)
                pclose(p);
        } else {
            printf(key); // expect: C-FMT-001
            printf(" = %s\n", value);
        }
    }
    fclose(f);
    return 0;
}

static int cmd_wizard(void)
{
    char iface[IFNAME_LEN];
    char cidr[48];
    char answer[8];
    printf("Interface: ");
    if (scanf("%15s", iface) != 1) // ok: C-BUF-003
        return 1;
    printf("Address (CIDR): ");
    if (scanf("%47s", cidr) != 1) // ok: C-BUF-003
        return 1;
    printf("Apply %s to %s? [y/N] ", cidr, iface);
    getchar();
    gets(answer); // expect: C-BUF-001
    if (answer[0] != 'y')
        return 0;
    char *const argv[] = {"ip", "addr", "replace", cidr, "dev", iface, NULL};
    return run_argv(argv) == 0 ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc >= 3 && strcmp(argv[1], "show") == 0)
        return cmd_show(argv[2]);
    if (argc >= 4 && strcmp(argv[1], "set") == 0)
        return cmd_set(argv[2], argv[3]);
    if (argc >= 4 && strcmp(argv[1], "capture") == 0)
        return cmd_capture(argv[2], argv[3]);
    if (argc >= 3 && strcmp(argv[1], "import") == 0)
        return cmd_import(argv[2]);
    if (argc >= 2 && strcmp(argv[1], "wizard") == 0)
        return cmd_wizard();
    fprintf(stderr, "usage: netctl show|set|capture|import|wizard ...\n");
    return 2;
}
