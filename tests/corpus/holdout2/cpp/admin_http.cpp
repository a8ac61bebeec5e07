// admin_http.cpp - admin endpoints for the device gateway, built on cpp-httplib.
// Lets an operator rename devices, rotate logs, ping hosts and read the audit trail.
#include <httplib.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <sys/wait.h>
#include <unistd.h>

namespace gateway {

static const std::string kAdminPassword = "Gw-Adm1n!2024-rotate-me"; // expect: C-SECRET-001
static const char *kAuditLog = "/var/log/gateway/audit.log";

struct DeviceName {
    char label[32];
    char location[64];
};

static void audit(const std::string &message)
{
    FILE *fp = std::fopen(kAuditLog, "a");
    if (!fp) return;
    std::fprintf(fp, message.c_str()); // expect: C-FMT-001
    std::fclose(fp);
}

static void audit_safe(const std::string &message)
{
    FILE *fp = std::fopen(kAuditLog, "a");
    if (!fp) return;
    std::fprintf(fp, "%s\n", message.c_str()); // ok: C-FMT-001
    std::fclose(fp);
}

static void rename_device(DeviceName &dev, const std::string &label, const std::string &location)
{
    std::strcpy(dev.label, label.c_str()); // expect: C-BUF-002
    std::memcpy(dev.location, location.data(), location.size()); // expect: C-BUF-005
}

static void rename_device_safe(DeviceName &dev, const std::string &label, const std::string &location)
{
    std::snprintf(dev.label, sizeof(dev.label), "%s", label.c_str()); // ok: C-BUF-002
    const size_t n = std::min(location.size(), sizeof(dev.location) - 1);
    std::memcpy(dev.location, location.data(), n); // ok: C-BUF-005
    dev.location[n] = '\0';
}

static int ping_host(const std::string &host)
{
    const std::string cmd = "ping -c 1 -W 2 " + host;
    return std::system(cmd.c_str()); // expect: C-CMDI-001
}

static int ping_host_safe(const std::string &host)
{
    pid_t pid = fork();
    if (pid == 0) {
        execlp("ping", "ping", "-c", "1", "-W", "2", "--", host.c_str(), static_cast<char *>(nullptr)); // ok: C-CMDI-001
        _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void register_routes(httplib::Server &srv)
{
    srv.Post("/admin/login", [](const httplib::Request &req, httplib::Response &res) {
        const bool ok = req.get_param_value("password") == kAdminPassword; // expect: C-TIMING-001
        res.status = ok ? 204 : 401;
    });
    srv.Post("/admin/devices/rename", [](const httplib::Request &req, httplib::Response &res) {
        DeviceName dev{};
        rename_device(dev, req.get_param_value("label"), req.get_param_value("location"));
        audit("renamed device to " + req.get_param_value("label"));
        res.set_content("ok", "text/plain");
    });
    srv.Post("/admin/devices/rename-v2", [](const httplib::Request &req, httplib::Response &res) {
        DeviceName dev{};
        rename_device_safe(dev, req.get_param_value("label"), req.get_param_value("location"));
        audit_safe("renamed device to " + req.get_param_value("label"));
        res.set_content("ok", "text/plain");
    });
    srv.Get("/admin/ping", [](const httplib::Request &req, httplib::Response &res) {
        const int rc = req.has_param("safe") ? ping_host_safe(req.get_param_value("host"))
                                             : ping_host(req.get_param_value("host"));
        res.set_content(rc == 0 ? "up" : "down", "text/plain");
    });
}

} // namespace gateway
