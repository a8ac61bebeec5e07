// hostmetrics-agent - root daemon that samples disk, process and custom-check
// metrics and pushes them to the fleet collector over HTTPS (libcurl).
// Attacker data: the check list pulled from the fleet server (any tenant admin
// edits the checks of their hosts), and what the agent reads from the host
// itself: mount points and process names, which unprivileged users create.
#include <curl/curl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <syslog.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#define INGEST_TOKEN_ENV "HOSTMETRICS_INGEST_TOKEN" // ok: C-SECRET-001
#define COLLECTOR_URL "https://collector.internal.example/v2/ingest"

static const char kFallbackToken[] = "hm_ingest_91c4e7a2b05f38d6"; // expect: C-SECRET-001

struct Check {
    std::string name;
    std::string script;   // path of a check script shipped by the fleet server
    std::string argument; // free-text argument typed by the tenant admin
};

static std::vector<std::string> mount_points() {
    std::vector<std::string> out;
    std::ifstream mounts("/proc/self/mounts");
    std::string dev, dir, rest;
    while (mounts >> dev >> dir && std::getline(mounts, rest)) out.push_back(dir);
    return out;
}

static std::string disk_usage(const std::string &mount) {
    std::string cmd = "df -P " + mount + " | tail -1";
    FILE *p = popen(cmd.c_str(), "r"); // expect: C-CMDI-001
    if (p == nullptr) return {};
    char line[512];
    std::string out = fgets(line, sizeof line, p) ? line : ""; // ok: C-SIZE-001
    pclose(p);
    return out;
}

static std::string canonical_check_dir() {
    char *p = realpath("/opt/hostmetrics/checks", nullptr); // ok: C-BUF-004
    std::string s = p ? p : "";
    free(p);
    return s;
}

static std::string run_check(const Check &c) {
    char resolved[128];
    if (realpath(c.script.c_str(), resolved) == nullptr) return {}; // expect: C-BUF-004
    const std::string allowed = canonical_check_dir() + "/";
    if (allowed.size() < 2 || strncmp(resolved, allowed.c_str(), allowed.size()) != 0) return {};
    int pipefd[2];
    if (pipe(pipefd) != 0) return {};
    pid_t pid = fork();
    if (pid == 0) {
        dup2(pipefd[1], STDOUT_FILENO);
        execl(resolved, resolved, "--", c.argument.c_str(), static_cast<char *>(nullptr)); // ok: C-CMDI-001
        _exit(127);
    }
    close(pipefd[1]);
    std::string out;
    char buf[256];
    for (ssize_t n; (n = read(pipefd[0], buf, sizeof buf)) > 0;) out.append(buf, static_cast<size_t>(n)); // ok: C-SIZE-001
    close(pipefd[0]);
    waitpid(pid, nullptr, 0);
    return out;
}

static int push(const std::string &payload, const std::string &token) {
    CURL *curl = curl_easy_init();
    if (curl == nullptr) return -1;
    struct curl_slist *headers = curl_slist_append(nullptr, ("Authorization: Bearer " + token).c_str());
    curl_easy_setopt(curl, CURLOPT_URL, COLLECTOR_URL);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, payload.c_str());
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L); // expect: C-TLS-001
    CURLcode rc = curl_easy_perform(curl);
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    return rc == CURLE_OK ? 0 : -1;
}

static FILE *open_spool() {
    const char *name = std::tmpnam(nullptr); // expect: C-TEMP-001
    return name ? std::fopen(name, "w+") : nullptr;
}

static FILE *open_spool_v2() {
    return std::tmpfile(); // ok: C-TEMP-001
}

static std::string load_token() {
    const char *env = getenv(INGEST_TOKEN_ENV);
    char *buf = strdup(env ? env : kFallbackToken);
    std::string token(buf);
    memset(buf, 0, strlen(buf)); // expect: C-WIPE-001
    free(buf);
    return token;
}

static void report_failure(const Check &c, const std::string &output) {
    std::string msg = "check " + c.name + " failed: " + output;
    syslog(LOG_WARNING, msg.c_str()); // expect: C-FMT-001
    syslog(LOG_DEBUG, "%s", msg.c_str()); // ok: C-FMT-001
}

int collect_once(const std::vector<Check> &checks, const std::string &host) {
    std::ostringstream payload;
    for (const auto &m : mount_points()) payload << "disk " << m << ' ' << disk_usage(m) << '\n';
    for (const auto &c : checks) {
        const char *tag = (host + ":" + c.name).c_str();
        std::string out = run_check(c);
        if (out.empty()) report_failure(c, "no output");
        payload << "check " << tag << ' ' << out << '\n'; // expect: C-MEM-002
        std::string label = host + "/" + c.name;
        payload << "# " << label.c_str() << '\n'; // ok: C-MEM-002
    }
    FILE *spool = getenv("HOSTMETRICS_LEGACY_SPOOL") ? open_spool() : open_spool_v2();
    char *body = strdup(payload.str().c_str());
    if (spool == nullptr || push(body, load_token()) != 0) {
        if (spool != nullptr) {
            std::fputs(body, spool); // keep the sample for the next push
            free(body);
        }
        syslog(LOG_WARNING, "push to collector failed");
        free(body); // expect: C-MEM-001
        return -1;
    }
    free(body);
    std::fclose(spool);
    return 0;
}
