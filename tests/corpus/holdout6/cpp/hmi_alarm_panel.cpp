// Web HMI of a pumping-station SCADA system (cpp-httplib + SQLite): it listens for alarm frames that the PLCs
// multicast on UDP port 47808, shows the active alarms to operators, lets them acknowledge alarms, export trend
// data and change pump setpoints. Attacker data: UDP frames (anyone on the plant network can send one, there
// is no authentication on that protocol) and the HTTP requests from the control-room LAN and the vendor VPN.
#include <httplib.h>
#include <sqlite3.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <mutex>
#include <random>
#include <string>
#include <vector>

struct Alarm {
    uint16_t id;
    uint8_t priority;
    char tag[24];
    char text[64];
};

static std::vector<Alarm> g_active;
static std::mutex g_mu;
static sqlite3 *g_db;
static std::string g_operator_password; // loaded from /etc/hmi/operator.conf at start-up
static const std::string kExportDir = "/srv/hmi/exports";

// Frame: id(2) prio(1) taglen(1) tag textlen(1) text
void on_alarm_frame(const uint8_t *frame, size_t len) {
    if (len < 5)
        return;
    Alarm a{};
    a.id = static_cast<uint16_t>(frame[0] << 8 | frame[1]);
    a.priority = frame[2];
    size_t taglen = std::min<size_t>(frame[3], sizeof a.tag - 1);
    if (4 + taglen + 1 > len)
        return;
    std::memcpy(a.tag, frame + 4, taglen); // ok: C-SIZE-001
    uint8_t textlen = frame[4 + frame[3]];
    std::memcpy(a.text, frame + 5 + frame[3], textlen); // expect: C-SIZE-001
    std::lock_guard<std::mutex> lock(g_mu);
    g_active.push_back(a);
}

static std::string esc(const std::string &s) {
    std::string o;
    for (char c : s) {
        if (c == '<') o += "&lt;";
        else if (c == '>') o += "&gt;";
        else if (c == '&') o += "&amp;";
        else if (c == '"') o += "&quot;";
        else o += c;
    }
    return o;
}

static void alarms_page(const httplib::Request &req, httplib::Response &res) {
    std::string html = "<html><body><h1>Active alarms</h1><p>Operator: " + esc(req.get_header_value("X-Operator")) + "</p><table>"; // ok: C-XSS-001
    std::lock_guard<std::mutex> lock(g_mu);
    for (const Alarm &a : g_active) {
        html += "<tr><td>" + std::to_string(a.id) + "</td><td>" + std::string(a.tag, strnlen(a.tag, sizeof a.tag)) + "</td><td>";
        html += std::string(a.text, strnlen(a.text, sizeof a.text)) + "</td></tr>";
    }
    html += "</table></body></html>";
    res.set_content(html, "text/html"); // expect: C-XSS-001
}

static void acknowledge(const httplib::Request &req, httplib::Response &res) {
    std::string sql = "UPDATE alarm_log SET acked = 1, comment = '" + req.get_param_value("comment") +
                      "' WHERE alarm_id = " + std::to_string(std::stoi(req.get_param_value("id")));
    char *err = nullptr;
    if (sqlite3_exec(g_db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) { // expect: C-SQLI-001
        res.status = 500;
        sqlite3_free(err);
    }
}

static void alarm_history(const httplib::Request &req, httplib::Response &res) {
    sqlite3_stmt *st = nullptr;
    sqlite3_prepare_v2(g_db, "SELECT raised_at, comment FROM alarm_log WHERE tag = ?1 ORDER BY raised_at DESC", -1, &st, nullptr); // ok: C-SQLI-001
    std::string tag = req.get_param_value("tag");
    sqlite3_bind_text(st, 1, tag.c_str(), -1, SQLITE_TRANSIENT);
    std::string out;
    while (sqlite3_step(st) == SQLITE_ROW)
        out += std::string(reinterpret_cast<const char *>(sqlite3_column_text(st, 0))) + "\n";
    sqlite3_finalize(st);
    res.set_content(out, "text/plain");
}

static void export_trend(const httplib::Request &req, httplib::Response &res) {
    std::string name = req.get_param_value("name");
    std::ofstream out(kExportDir + "/" + name + ".csv"); // expect: C-PATH-001
    out << "time,flow,pressure\n";
    res.status = out ? 201 : 500;
}

static void export_trend_v2(const httplib::Request &req, httplib::Response &res) {
    std::string name = req.get_param_value("name");
    bool valid = !name.empty() && name.size() <= 40 &&
                 std::all_of(name.begin(), name.end(), [](unsigned char c) { return std::isalnum(c) || c == '-' || c == '_'; });
    if (!valid) {
        res.status = 400;
        return;
    }
    std::ofstream out(kExportDir + "/" + name + ".csv"); // ok: C-PATH-001
    out << "time,flow,pressure\n";
    res.status = out ? 201 : 500;
}

static std::string new_session_id() {
    static std::mt19937_64 engine(std::random_device{}());
    char buf[33];
    std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(engine()), // expect: C-RAND-001
                  static_cast<unsigned long long>(engine()));
    return buf;
}

static void login(const httplib::Request &req, httplib::Response &res) {
    if (req.get_param_value("password") != g_operator_password) { // expect: C-TIMING-001
        res.status = 403;
        return;
    }
    res.set_header("Set-Cookie", "hmi_session=" + new_session_id() + "; Path=/; Secure; HttpOnly; SameSite=Strict");
}

static void set_pump_setpoint(const httplib::Request &req, httplib::Response &res) {
    std::string cmd = "mbpoll -m tcp -a 1 -r " + req.get_param_value("register") + " -1 10.20.0.5 " + req.get_param_value("value");
    FILE *p = popen(cmd.c_str(), "r"); // expect: C-CMDI-001
    res.status = (p && pclose(p) == 0) ? 204 : 502;
}

int main() {
    sqlite3_open("/srv/hmi/alarms.db", &g_db);
    std::ifstream("/etc/hmi/operator.conf") >> g_operator_password;
    std::mt19937 jitter(std::random_device{}());
    int refresh_ms = 2000 + std::uniform_int_distribution<int>(0, 500)(jitter); // ok: C-RAND-001
    httplib::Server srv;
    srv.Get("/alarms", alarms_page);
    srv.Post("/alarms/ack", acknowledge);
    srv.Get("/alarms/history", alarm_history);
    srv.Post("/trends/export", export_trend);
    srv.Post("/v2/trends/export", export_trend_v2);
    srv.Post("/login", login);
    srv.Post("/pumps/setpoint", set_pump_setpoint);
    std::printf("refresh every %d ms\n", refresh_ms);
    srv.listen("0.0.0.0", 8080);
}
