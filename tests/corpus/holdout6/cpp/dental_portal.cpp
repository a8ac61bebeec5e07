// Patient portal of a dental practice (cpp-httplib + SQLite): appointment lookup, X-ray downloads for
// patients, the new-patient intake form, reminder texts, and the front-desk PIN sign-in.
// Attacker data: query parameters, form bodies and headers of requests from the public internet; the
// portal is linked from the practice's website and reminder texts.
#include <httplib.h>
#include <sqlite3.h>
#include <openssl/sha.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>

namespace fs = std::filesystem;

static sqlite3 *db;
static const std::string kXrayRoot = "/srv/dental/xrays";
static const std::string kSmsGatewayKey = "smsgw_5e0a9c2f71b84d36a1e7c04b9f2d8e13"; // expect: C-SECRET-001
static const char *kDeskPinEnv = "FRONT_DESK_PIN_SHA256"; // ok: C-SECRET-001

static std::string sha256_hex(const std::string &s) {
    unsigned char d[SHA256_DIGEST_LENGTH];
    SHA256(reinterpret_cast<const unsigned char *>(s.data()), s.size(), d); // expect: C-HASH-001
    char hex[2 * SHA256_DIGEST_LENGTH + 1];
    for (int i = 0; i < SHA256_DIGEST_LENGTH; i++)
        std::snprintf(hex + 2 * i, 3, "%02x", d[i]);
    return hex;
}

static std::string escape_html(const std::string &in) {
    std::string out;
    for (char c : in) {
        switch (c) {
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '&': out += "&amp;"; break;
        case '"': out += "&quot;"; break;
        default: out += c;
        }
    }
    return out;
}

static void find_appointments(const httplib::Request &req, httplib::Response &res) {
    const std::string last = req.get_param_value("last_name");
    const std::string dob = req.get_param_value("dob");
    std::string sql = "SELECT starts_at, dentist FROM appointments a JOIN patients p ON p.id = a.patient_id "
                      "WHERE p.last_name = '" + last + "' AND p.dob = '" + dob + "'";
    std::ostringstream rows;
    sqlite3_exec(db, sql.c_str(), [](void *out, int, char **v, char **) { // expect: C-SQLI-001
        *static_cast<std::ostringstream *>(out) << "<li>" << v[0] << " with Dr. " << v[1] << "</li>";
        return 0;
    }, &rows, nullptr);
    if (rows.str().empty()) {
        res.set_content("<p>No upcoming appointments for " + last + ".</p>", "text/html"); // expect: C-XSS-001
        return;
    }
    res.set_content(rows.str(), "text/html");
}

static void next_visit(const httplib::Request &req, httplib::Response &res) {
    sqlite3_stmt *st = nullptr;
    sqlite3_prepare_v2(db, "SELECT starts_at FROM appointments WHERE confirmation = ?1", -1, &st, nullptr); // ok: C-SQLI-001
    const std::string code = req.get_param_value("code");
    sqlite3_bind_text(st, 1, code.c_str(), -1, SQLITE_TRANSIENT);
    std::string when = "none";
    if (sqlite3_step(st) == SQLITE_ROW)
        when = reinterpret_cast<const char *>(sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    res.set_content("<p>Your next visit (" + escape_html(code) + "): " + when + "</p>", "text/html"); // ok: C-XSS-001
}

static void xray(const httplib::Request &req, httplib::Response &res) {
    // TODO: check that the patient id in the session matches the owner of this image // expect: C-TODO-001
    std::ifstream in(kXrayRoot + "/" + req.get_param_value("file"), std::ios::binary); // expect: C-PATH-001
    std::stringstream buf;
    buf << in.rdbuf();
    res.set_content(buf.str(), "image/jpeg");
}

static void xray_thumb(const httplib::Request &req, httplib::Response &res) {
    fs::path root = fs::weakly_canonical(kXrayRoot + "/thumbs");
    fs::path p = fs::weakly_canonical(root / req.get_param_value("file"));
    if (p.string().rfind(root.string() + "/", 0) != 0) {
        res.status = 404;
        return;
    }
    std::ifstream in(p, std::ios::binary); // ok: C-PATH-001
    std::stringstream buf;
    buf << in.rdbuf();
    res.set_content(buf.str(), "image/jpeg");
}

static void send_reminder(const httplib::Request &req, httplib::Response &res) {
    const std::string phone = req.get_param_value("phone");
    const std::string cmd = "/usr/local/bin/sms-send --key " + kSmsGatewayKey + " --to " + phone + " 'See you tomorrow!'";
    int rc = std::system(cmd.c_str()); // expect: C-CMDI-001
    res.status = rc == 0 ? 204 : 502;
}

static std::string portal_access_code() {
    static std::mt19937 gen(static_cast<unsigned>(time(nullptr)));
    std::uniform_int_distribution<int> digit(0, 9);
    std::string code;
    for (int i = 0; i < 8; i++)
        code += static_cast<char>('0' + digit(gen)); // expect: C-RAND-001
    return code;
}

static int pick_hygienist(int count) {
    static std::mt19937 gen(std::random_device{}());
    return std::uniform_int_distribution<int>(0, count - 1)(gen); // ok: C-RAND-001
}

static void desk_login(const httplib::Request &req, httplib::Response &res) {
    const char *want = std::getenv(kDeskPinEnv);
    std::string got = sha256_hex(req.get_param_value("pin"));
    if (!want || got != want) { // expect: C-TIMING-001
        res.status = 403;
        return;
    }
    res.set_header("Set-Cookie", "desk=" + portal_access_code() + "; Path=/desk; Secure; HttpOnly; SameSite=Strict");
    res.set_content("{\"hygienist\":" + std::to_string(pick_hygienist(3)) + "}", "application/json");
}

int main() {
    sqlite3_open("/srv/dental/portal.db", &db);
    httplib::Server srv;
    srv.Get("/appointments", find_appointments);
    srv.Get("/next-visit", next_visit);
    srv.Get("/xray", xray);
    srv.Get("/xray/thumb", xray_thumb);
    srv.Post("/reminders", send_reminder);
    srv.Post("/desk/login", desk_login);
    srv.listen("0.0.0.0", 8443);
}
