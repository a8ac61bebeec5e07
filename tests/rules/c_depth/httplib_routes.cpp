// cpp-httplib handlers: API tokens compared with ==, route captures that cannot hold a path, shell commands
// behind a whole-string regex match.
#include <httplib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

namespace fs = std::filesystem;

const std::string kApiToken = "edge-7f3K9qLw2ZrX5mTb8NcV";
const char *kTokenHeader = "X-Device-Token";
const fs::path kReportDir = "/var/lib/edge/reports";
const std::regex kHostPattern("^[A-Za-z0-9.-]{1,253}$");

bool authorised(const httplib::Request &req)
{
    return req.get_header_value(kTokenHeader) == kApiToken; // expect: C-TIMING-001
}

bool same_kind(const std::string &kind, const std::string &kTokenKind)
{
    return kind == kTokenKind; // ok: C-TIMING-001
}

void register_routes(httplib::Server &srv)
{
    srv.Get(R"(/reports/(\d+))", [](const httplib::Request &req, httplib::Response &res) {
        fs::path file = kReportDir / (std::string(req.matches[1]) + ".pdf");
        std::ifstream in(file, std::ios::binary); // ok: C-PATH-001
        res.status = in ? 200 : 404;
    });
    srv.Get(R"(/exports/([A-Za-z0-9_-]+)\.csv)", [](const httplib::Request &req, httplib::Response &res) {
        std::ifstream in(kReportDir.string() + "/" + std::string(req.matches[1]) + ".csv"); // ok: C-PATH-001
        res.status = in ? 200 : 404;
    });
    srv.Get(R"(/files/(.+))", [](const httplib::Request &req, httplib::Response &res) {
        std::ifstream in(kReportDir.string() + "/" + std::string(req.matches[1])); // expect: C-PATH-001
        res.status = in ? 200 : 404;
    });
    srv.Get(R"(/names/([^/]+))", [](const httplib::Request &req, httplib::Response &res) {
        std::ifstream in(kReportDir.string() + "/" + std::string(req.matches[1])); // expect: C-PATH-001
        res.status = in ? 200 : 404;
    });
    srv.Get(R"(/users/(\d+)/avatar)", [](const httplib::Request &req, httplib::Response &res) {
        std::string file = std::string(req.matches[1]) + "-" + req.get_param_value("size") + ".png";
        std::ifstream in(file); // expect: C-PATH-001
        res.status = in ? 200 : 404;
    });
    srv.Post("/ping", [](const httplib::Request &req, httplib::Response &res) {
        std::string host = req.get_param_value("host");
        std::string cmd = "ping -c 1 " + host;
        if (std::regex_match(host, kHostPattern) && std::system(cmd.c_str()) == 0) { // ok: C-CMDI-001
            res.status = 204;
            return;
        }
        res.status = std::system(("logger bad host " + host).c_str()); // expect: C-CMDI-001
    });
}
