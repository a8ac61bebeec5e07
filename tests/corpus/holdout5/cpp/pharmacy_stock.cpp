// pharmacy-stock - stock service of a pharmacy chain (cpp-httplib + SQLite).
// Attacker data: requests to the public "is it in stock?" page (search terms,
// branch codes), requests from the tills on the shop network, and the
// wholesaler's delivery webhook (JSON body, X-Supplier-Key header).
#include <httplib.h>
#include <openssl/evp.h>
#include <openssl/crypto.h>
#include <sqlite3.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace fs = std::filesystem;

static const char *kSupplierKey = "whs-5e0c8a9d1f7b43e2a6c4"; // expect: C-SECRET-001
static const fs::path kLabelDir = "/srv/pharmacy/labels";

static sqlite3 *db;

static std::string json_escape(const std::string &s) {
    std::string out;
    for (char c : s) {
        if (c == '"' || c == '\\') out += '\\';
        if (static_cast<unsigned char>(c) >= 0x20) out += c;
    }
    return out;
}

static std::string html_escape(const std::string &s) {
    std::string out;
    for (char c : s) {
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

static void search_stock(const httplib::Request &req, httplib::Response &res) {
    std::string term = req.get_param_value("q");
    std::string branch = req.get_param_value("branch");
    std::string sql = "SELECT name, qty FROM stock WHERE branch = ? AND name LIKE '%" + term + "%' LIMIT 20";
    sqlite3_stmt *st = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK) { // expect: C-SQLI-001
        res.status = 500;
        return;
    }
    sqlite3_bind_text(st, 1, branch.c_str(), -1, SQLITE_TRANSIENT);
    std::ostringstream body;
    body << "<h2>Results for " << term << "</h2><ul>";
    while (sqlite3_step(st) == SQLITE_ROW)
        body << "<li>" << html_escape(reinterpret_cast<const char *>(sqlite3_column_text(st, 0))) << ": "
             << sqlite3_column_int(st, 1) << "</li>";
    sqlite3_finalize(st);
    res.set_content(body.str() + "</ul>", "text/html"); // expect: C-XSS-001
}

static void product_json(const httplib::Request &req, httplib::Response &res) {
    sqlite3_stmt *st = nullptr;
    sqlite3_prepare_v2(db, "SELECT name, qty, shelf FROM stock WHERE gtin = ?1 AND branch = ?2", -1, &st, nullptr); // ok: C-SQLI-001
    sqlite3_bind_text(st, 1, req.path_params.at("gtin").c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(st, 2, req.get_param_value("branch").c_str(), -1, SQLITE_TRANSIENT);
    if (sqlite3_step(st) != SQLITE_ROW) {
        res.status = 404;
    } else {
        std::string name = reinterpret_cast<const char *>(sqlite3_column_text(st, 0));
        res.set_content("{\"name\":\"" + json_escape(name) + "\",\"qty\":" + std::to_string(sqlite3_column_int(st, 1)) + "}",
                        "application/json");
    }
    sqlite3_finalize(st);
}

static void record_delivery(const httplib::Request &req, httplib::Response &res) {
    std::string key = req.get_header_value("X-Supplier-Key");
    if (key != kSupplierKey) { // expect: C-TIMING-001
        res.status = 401;
        return;
    }
    std::string gtin = req.get_param_value("gtin");
    std::string qty = req.get_param_value("qty");
    char *sql = sqlite3_mprintf("UPDATE stock SET qty = qty + %d WHERE gtin = %Q", std::atoi(qty.c_str()), gtin.c_str());
    sqlite3_exec(db, sql, nullptr, nullptr, nullptr); // ok: C-SQLI-001
    sqlite3_free(sql);
    res.status = 204;
}

static void shelf_label(const httplib::Request &req, httplib::Response &res) {
    std::ifstream in(kLabelDir.string() + "/" + req.get_param_value("file"), std::ios::binary); // expect: C-PATH-001
    if (!in) {
        res.status = 404;
        return;
    }
    std::stringstream ss;
    ss << in.rdbuf();
    res.set_content(ss.str(), "application/pdf");
}

static void leaflet(const httplib::Request &req, httplib::Response &res) {
    fs::path wanted = fs::weakly_canonical(kLabelDir / "leaflets" / req.get_param_value("name"));
    std::string base = (kLabelDir / "leaflets").string() + "/";
    if (wanted.string().rfind(base, 0) != 0) {
        res.status = 400;
        return;
    }
    std::ifstream in(wanted, std::ios::binary); // ok: C-PATH-001
    std::stringstream ss;
    ss << in.rdbuf();
    res.set_content(ss.str(), "application/pdf");
}

static bool pharmacist_pin_ok(const std::string &staff_id, const std::string &pin) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(pin.data(), pin.size(), digest, &len, EVP_sha256(), nullptr); // expect: C-HASH-001
    sqlite3_stmt *st = nullptr;
    sqlite3_prepare_v2(db, "SELECT pin_sha256 FROM staff WHERE id = ?1", -1, &st, nullptr);
    sqlite3_bind_text(st, 1, staff_id.c_str(), -1, SQLITE_TRANSIENT);
    bool ok = sqlite3_step(st) == SQLITE_ROW && sqlite3_column_bytes(st, 0) == static_cast<int>(len) &&
              CRYPTO_memcmp(sqlite3_column_blob(st, 0), digest, len) == 0; // ok: C-TIMING-001
    sqlite3_finalize(st);
    return ok;
}

int main() {
    if (sqlite3_open("/var/lib/pharmacy/stock.db", &db) != SQLITE_OK) return 1;
    httplib::Server srv;
    srv.Get("/stock/search", search_stock);
    srv.Get("/stock/:gtin", product_json);
    srv.Post("/deliveries", record_delivery);
    srv.Get("/labels", shelf_label);
    srv.Get("/leaflets", leaflet);
    srv.Post("/controlled/release", [](const httplib::Request &req, httplib::Response &res) {
        res.status = pharmacist_pin_ok(req.get_param_value("staff"), req.get_param_value("pin")) ? 204 : 403;
    });
    srv.listen("0.0.0.0", 8080);
}
