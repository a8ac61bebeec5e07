// rig-agent: runs as root on the head node of a small crypto-mining farm. Every minute it polls each rig's
// miner API (cgminer-style JSON over TCP port 4028), keeps per-worker logs, checks the rigs are reachable,
// pushes stats to the pool dashboard and runs the commands the dashboard queues for it.
// Attacker data: the JSON replies of the rigs (rigs run third-party miner builds and sit on a flat farm LAN)
// and the command list fetched from the dashboard.
#include <curl/curl.h>
#include <openssl/crypto.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>
#include <syslog.h>
#include <unistd.h>
#include <sys/wait.h>

static const char kPoolApiToken[] = "rigagent-0f8e2d6c4b1a49e7b3d5c9a1e7f20b64"; // expect: C-SECRET-001
static const char kLogDir[] = "/var/log/rig-agent";

struct RigReply {
    std::string worker;    // "wallet.rigname" as configured on the rig
    std::string hostname;  // what the rig reports as its own address
    double mhs = 0;
};

static size_t collect(char *p, size_t sz, size_t n, void *out) {
    static_cast<std::string *>(out)->append(p, sz * n);
    return sz * n;
}

static std::string fetch_commands() {
    std::string body;
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_URL, "https://dashboard.pool.example/api/agent/commands");
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L); // expect: C-TLS-001
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
    curl_easy_perform(c);
    curl_easy_cleanup(c);
    return body;
}

static void push_stats(const std::string &json) {
    CURL *c = curl_easy_init();
    std::string auth = std::string("Authorization: Bearer ") + kPoolApiToken;
    struct curl_slist *hdrs = curl_slist_append(nullptr, auth.c_str());
    curl_easy_setopt(c, CURLOPT_URL, "https://dashboard.pool.example/api/agent/stats");
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L); // ok: C-TLS-001
    curl_easy_setopt(c, CURLOPT_CAINFO, "/etc/rig-agent/dashboard-ca.pem");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, json.c_str());
    curl_easy_perform(c);
    curl_slist_free_all(hdrs);
    curl_easy_cleanup(c);
}

static void append_worker_log(const RigReply &r) {
    char path[64];
    std::sprintf(path, "%s/%s.log", kLogDir, r.worker.c_str()); // expect: C-BUF-002
    FILE *f = std::fopen(path, "a"); // expect: C-PATH-001
    if (!f)
        return;
    std::fprintf(f, "%.2f MH/s\n", r.mhs);
    std::fclose(f);
    syslog(LOG_INFO, "rig %s: %.2f MH/s", r.worker.c_str(), r.mhs); // ok: C-FMT-001
}

static bool rig_reachable(const RigReply &r) {
    std::string cmd = "ping -c1 -W1 " + r.hostname + " >/dev/null 2>&1";
    return std::system(cmd.c_str()) == 0; // expect: C-CMDI-001
}

static bool restart_miner(const std::string &unit_suffix) {
    pid_t pid = fork();
    if (pid == 0) {
        execlp("systemctl", "systemctl", "restart", ("miner@rig-" + unit_suffix).c_str(), (char *)nullptr); // ok: C-CMDI-001
        _exit(127);
    }
    int st = 0;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static void write_snapshot(const std::string &json) {
    std::ofstream out("/tmp/rig-agent-snapshot.json"); // expect: C-TEMP-001
    out << json;
}

static void write_snapshot_safe(const std::string &json) {
    char name[] = "/var/lib/rig-agent/snapXXXXXX";
    int fd = mkstemp(name); // ok: C-TEMP-001
    if (fd < 0)
        return;
    write(fd, json.data(), json.size());
    close(fd);
    rename(name, "/var/lib/rig-agent/snapshot.json");
}

static bool unlock_wallet() {
    char pass[128];
    std::ifstream in("/etc/rig-agent/wallet.pass");
    in.getline(pass, sizeof pass);
    FILE *p = popen("/usr/local/bin/wallet-unlock --stdin /etc/rig-agent/wallet.key", "w");
    if (!p)
        return false;
    std::fputs(pass, p);
    bool ok = pclose(p) == 0;
    std::memset(pass, 0, sizeof pass); // expect: C-WIPE-001
    return ok;
}

// The command list can carry a one-time wallet passphrase; do not leave it in freed heap memory.
static void wipe_string(std::string &s) {
    OPENSSL_cleanse(&s[0], s.size()); // ok: C-WIPE-001
    s.clear();
}

static std::string firmware_dir(const std::string &rig_path) {
    char resolved[256];
    if (!realpath(rig_path.c_str(), resolved)) // expect: C-BUF-004
        return {};
    return resolved;
}

static std::string config_dir(const std::string &p) {
    char *resolved = realpath(p.c_str(), nullptr); // ok: C-BUF-004
    std::string out = resolved ? resolved : "";
    std::free(resolved);
    return out;
}

void poll_cycle(const std::vector<RigReply> &replies) {
    if (config_dir("/etc/rig-agent").empty())
        return;
    std::string json = "[";
    for (const auto &r : replies) {
        append_worker_log(r);
        if (!rig_reachable(r))
            syslog(LOG_WARNING, "rig %zu unreachable", static_cast<size_t>(&r - replies.data()));
        json += "{\"mhs\":" + std::to_string(r.mhs) + "},";
    }
    json.back() = ']';
    write_snapshot(json);
    write_snapshot_safe(json);
    push_stats(json);
    std::string cmds = fetch_commands();
    for (size_t pos = 0; (pos = cmds.find("restart rig-", pos)) != std::string::npos; pos += 12)
        restart_miner(std::to_string(std::atoi(cmds.c_str() + pos + 12)));
    if (cmds.find("unlock") != std::string::npos)
        unlock_wallet();
    wipe_string(cmds);
    firmware_dir("/srv/rig-firmware/current");
}
