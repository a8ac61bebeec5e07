// device_api.cpp - REST API of the edge appliance (cpp-httplib): diagnostics,
// report downloads, firmware notes and a support bundle.
#include <httplib.h>
#include <openssl/crypto.h>
#include <spawn.h>
#include <sys/wait.h>
#include <syslog.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

extern char **environ;

namespace fs = std::filesystem;

namespace {

const std::string kApiToken = "edge-7f3K9qLw2ZrX5mTb8NcV"; // expect: C-SECRET-001
const char *kTokenHeader = "X-Device-Token"; // ok: C-SECRET-001
const fs::path kReportDir = "/var/lib/edge/reports";
const std::regex kHostPattern("^[A-Za-z0-9.-]{1,253}$");

bool authorised(const httplib::Request &req)
{
    return req.get_header_value(kTokenHeader) == kApiToken; // expect: C-TIMING-001
}

bool support_authorised(const httplib::Request &req)
{
    const char *expected = std::getenv("EDGE_SUPPORT_TOKEN");
    std::string given = req.get_header_value("X-Support-Token");
    return expected != nullptr && given.size() == std::strlen(expected) &&
           CRYPTO_memcmp(given.data(), expected, given.size()) == 0; // ok: C-TIMING-001
}

int run_program(std::vector<std::string> args, std::string &output)
{
    std::vector<char *> argv;
    for (auto &a : args)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t pid;
    if (posix_spawnp(&pid, argv[0], nullptr, nullptr, argv.data(), environ) != 0) // ok: C-CMDI-001
        return -1;
    int status = 0;
    waitpid(pid, &status, 0);
    output = WIFEXITED(status) && WEXITSTATUS(status) == 0 ? "reachable" : "unreachable";
    return 0;
}

void audit(const httplib::Request &req, const std::string &what)
{
    std::string line = "api " + req.method + " " + req.path + ": " + what;
    syslog(LOG_INFO, line.c_str()); // expect: C-FMT-001
    syslog(LOG_DEBUG, "remote %s", req.remote_addr.c_str()); // ok: C-FMT-001
}

} // namespace

void register_routes(httplib::Server &srv)
{
    srv.Post("/api/diag/ping", [](const httplib::Request &req, httplib::Response &res) {
        if (!authorised(req)) {
            res.status = 401;
            return;
        }
        std::string host = req.get_param_value("host");
        std::string result;
        if (std::regex_match(host, kHostPattern) && run_program({"ping", "-c", "2", "--", host}, result) == 0) {
            res.set_content(result, "text/plain");
            return;
        }
        res.status = 400;
    });

    srv.Post("/api/diag/dns", [](const httplib::Request &req, httplib::Response &res) {
        if (!authorised(req)) {
            res.status = 401;
            return;
        }
        std::string cmd = "nslookup " + req.get_param_value("name") + " 2>&1";
        FILE *p = popen(cmd.c_str(), "r"); // expect: C-CMDI-001
        std::string out;
        char chunk[512];
        while (p != nullptr && std::fgets(chunk, sizeof(chunk), p) != nullptr) // ok: C-SIZE-001
            out += chunk;
        if (p != nullptr)
            pclose(p);
        audit(req, "dns lookup");
        res.set_content(out, "text/plain");
    });

    srv.Get("/api/reports", [](const httplib::Request &req, httplib::Response &res) {
        if (!authorised(req)) {
            res.status = 401;
            return;
        }
        std::ifstream in(kReportDir.string() + "/" + req.get_param_value("name"), std::ios::binary); // expect: C-PATH-001
        if (!in) {
            res.status = 404;
            return;
        }
        std::stringstream ss;
        ss << in.rdbuf();
        res.set_content(ss.str(), "application/pdf");
    });

    srv.Get(R"(/api/reports/(\d+))", [](const httplib::Request &req, httplib::Response &res) {
        if (!authorised(req)) {
            res.status = 401;
            return;
        }
        fs::path file = kReportDir / (std::string(req.matches[1]) + ".pdf");
        std::ifstream in(file, std::ios::binary); // ok: C-PATH-001
        if (!in) {
            res.status = 404;
            return;
        }
        std::stringstream ss;
        ss << in.rdbuf();
        res.set_content(ss.str(), "application/pdf");
    });

    srv.Post("/api/notes", [](const httplib::Request &req, httplib::Response &res) {
        if (!authorised(req)) {
            res.status = 401;
            return;
        }
        char note[256];
        std::sprintf(note, "[%s] %s", req.remote_addr.c_str(), req.body.c_str()); // expect: C-BUF-002
        const char *title = (std::string("note-") + req.get_param_value("title")).c_str();
        std::ofstream("/var/lib/edge/notes.log", std::ios::app) << title << ": " << note << "\n"; // expect: C-MEM-002
        res.status = 204;
    });

    srv.Post("/api/support/bundle", [](const httplib::Request &req, httplib::Response &res) {
        if (!support_authorised(req)) {
            res.status = 401;
            return;
        }
        std::string ticket = req.get_param_value("ticket");
        std::string cmd = "tar czf /tmp/support-" + ticket + ".tgz /var/log/edge";
        if (std::system(cmd.c_str()) != 0) { // expect: C-CMDI-001
            res.status = 500;
            return;
        }
        res.set_content("{\"status\":\"ok\"}", "application/json");
    });
}
