// audit_store.cpp - keeps the kiosk's audit trail in an encrypted SQLite
// database (SQLCipher) and answers the back office's queries.
#include <sqlite3.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

namespace kiosk {

struct AuditEvent {
    long long id;
    std::string actor;
    std::string action;
    std::string detail;
};

class AuditStore {
public:
    AuditStore(const char *data_dir, const char *kiosk_name);
    ~AuditStore();

    void record(const std::string &actor, const std::string &action, const std::string &detail);
    std::vector<AuditEvent> by_actor(const std::string &actor);
    std::vector<AuditEvent> search(const std::string &text, const std::string &order);
    void purge_before(const std::string &date);

private:
    sqlite3 *db_ = nullptr;
    static int collect(void *out, int columns, char **values, char **names);
};

AuditStore::AuditStore(const char *data_dir, const char *kiosk_name)
{
    char resolved[PATH_MAX];
    if (realpath(data_dir, resolved) == nullptr) // ok: C-BUF-004
        throw std::runtime_error("data directory missing");
    char db_path[128];
    std::sprintf(db_path, "%s/%s-audit.db", resolved, kiosk_name); // expect: C-BUF-002
    if (sqlite3_open(db_path, &db_) != SQLITE_OK) {
        std::fprintf(stderr, sqlite3_errmsg(db_)); // expect: C-FMT-001
        throw std::runtime_error("cannot open audit database");
    }
    sqlite3_exec(db_, "PRAGMA key = 'k1osk-Audit-2f9Qx7LmZ';", nullptr, nullptr, nullptr); // expect: C-SECRET-001
    sqlite3_exec(db_, // ok: C-SQLI-001
                 "CREATE TABLE IF NOT EXISTS audit (id INTEGER PRIMARY KEY, actor TEXT, action TEXT, detail TEXT, "
                 "at TEXT DEFAULT CURRENT_TIMESTAMP)",
                 nullptr, nullptr, nullptr);
}

AuditStore::~AuditStore()
{
    sqlite3_close(db_);
}

int AuditStore::collect(void *out, int columns, char **values, char **)
{
    auto *events = static_cast<std::vector<AuditEvent> *>(out);
    if (columns < 4)
        return 1;
    events->push_back({std::atoll(values[0]), values[1] ? values[1] : "", values[2] ? values[2] : "",
                       values[3] ? values[3] : ""});
    return 0;
}

void AuditStore::record(const std::string &actor, const std::string &action, const std::string &detail)
{
    sqlite3_stmt *stmt = nullptr;
    if (sqlite3_prepare_v2(db_, "INSERT INTO audit (actor, action, detail) VALUES (?1, ?2, ?3)", -1, &stmt, nullptr) != SQLITE_OK) // ok: C-SQLI-001
        return;
    sqlite3_bind_text(stmt, 1, actor.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, 2, action.c_str(), -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(stmt, 3, detail.c_str(), -1, SQLITE_TRANSIENT);
    if (sqlite3_step(stmt) != SQLITE_DONE)
        std::fprintf(stderr, "audit insert failed: %s\n", sqlite3_errmsg(db_)); // ok: C-FMT-001
    sqlite3_finalize(stmt);
}

std::vector<AuditEvent> AuditStore::by_actor(const std::string &actor)
{
    std::vector<AuditEvent> events;
    std::string sql = "SELECT id, actor, action, detail FROM audit WHERE actor = '" + actor + "' ORDER BY id DESC";
    char *err = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), collect, &events, &err) != SQLITE_OK) { // expect: C-SQLI-001
        std::fprintf(stderr, "audit query failed: %s\n", err);
        sqlite3_free(err);
    }
    return events;
}

std::vector<AuditEvent> AuditStore::search(const std::string &text, const std::string &order)
{
    std::vector<AuditEvent> events;
    const char *order_by = order == "oldest" ? "id ASC" : "id DESC";
    std::string sql = std::string("SELECT id, actor, action, detail FROM audit WHERE detail LIKE ?1 ORDER BY ") + order_by;
    sqlite3_stmt *stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) // ok: C-SQLI-001
        return events;
    std::string pattern = "%" + text + "%";
    sqlite3_bind_text(stmt, 1, pattern.c_str(), -1, SQLITE_TRANSIENT);
    while (sqlite3_step(stmt) == SQLITE_ROW) {
        auto text_at = [&](int i) {
            const unsigned char *v = sqlite3_column_text(stmt, i);
            return v ? std::string(reinterpret_cast<const char *>(v)) : std::string();
        };
        events.push_back({sqlite3_column_int64(stmt, 0), text_at(1), text_at(2), text_at(3)});
    }
    sqlite3_finalize(stmt);
    return events;
}

void AuditStore::purge_before(const std::string &date)
{
    char *sql = sqlite3_mprintf("DELETE FROM audit WHERE at < %Q", date.c_str()); // ok: C-SQLI-001, C-FMT-001
    char *err = nullptr;
    if (sqlite3_exec(db_, sql, nullptr, nullptr, &err) != SQLITE_OK) { // ok: C-SQLI-001
        char *copy = strdup(err ? err : "unknown error");
        sqlite3_free(err);
        std::fprintf(stderr, "purge failed: %s\n", copy);
        free(copy);
        std::fprintf(stderr, "purge error was %zu bytes\n", std::strlen(copy)); // expect: C-MEM-002
    }
    sqlite3_free(sql);
}

bool backup_to(const std::string &db_path, const std::string &dest)
{
    std::string cmd = "sqlite3 " + db_path + " .dump | gzip -c > " + dest;
    return std::system(cmd.c_str()) == 0; // expect: C-CMDI-001
}

std::string export_path(const char *requested)
{
    char resolved[256];
    if (realpath(requested, resolved) == nullptr) // expect: C-BUF-004
        return {};
    return std::string(resolved);
}

} // namespace kiosk
