// report_store.cpp - SQLite-backed storage for inspection reports, used by the technician desktop app.
#include <sqlite3.h>

#include <cstdio>
#include <cstdlib>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

struct Report {
    long id;
    std::string site;
    std::string summary;
};

class ReportStore {
public:
    explicit ReportStore(const std::string &path)
    {
        if (sqlite3_open(path.c_str(), &db_) != SQLITE_OK) {
            throw std::runtime_error("cannot open report database");
        }
    }
    ~ReportStore() { sqlite3_close(db_); }
    ReportStore(const ReportStore &) = delete;
    ReportStore &operator=(const ReportStore &) = delete;

    std::vector<Report> by_site(const std::string &site)
    {
        std::vector<Report> out;
        const std::string sql = "SELECT id, site, summary FROM reports WHERE site = '" + site + "'";
        sqlite3_exec(db_, sql.c_str(), collect, &out, nullptr); // expect: C-SQLI-001
        return out;
    }

    std::vector<Report> by_site_safe(const std::string &site)
    {
        std::vector<Report> out;
        sqlite3_stmt *stmt = nullptr;
        sqlite3_prepare_v2(db_, "SELECT id, site, summary FROM reports WHERE site = ?", -1, &stmt, nullptr); // ok: C-SQLI-001
        sqlite3_bind_text(stmt, 1, site.c_str(), -1, SQLITE_TRANSIENT);
        while (sqlite3_step(stmt) == SQLITE_ROW) {
            out.push_back(Report{sqlite3_column_int64(stmt, 0),
                                 reinterpret_cast<const char *>(sqlite3_column_text(stmt, 1)),
                                 reinterpret_cast<const char *>(sqlite3_column_text(stmt, 2))});
        }
        sqlite3_finalize(stmt);
        return out;
    }

    std::string share_code(long report_id)
    {
        std::srand(static_cast<unsigned>(report_id));
        char code[17];
        for (int i = 0; i < 16; ++i) {
            code[i] = "abcdefghijklmnopqrstuvwxyz234567"[std::rand() % 32]; // expect: C-RAND-001
        }
        code[16] = '\0';
        return code;
    }

    std::string share_code_safe()
    {
        std::random_device rd;
        std::uniform_int_distribution<int> pick(0, 31);
        std::string code(16, ' ');
        for (auto &c : code) {
            c = "abcdefghijklmnopqrstuvwxyz234567"[pick(rd)]; // ok: C-RAND-001
        }
        return code;
    }

    void print(const Report &r) const
    {
        std::printf("#%ld %s: %s\n", r.id, r.site.c_str(), r.summary.c_str()); // ok: C-FMT-001
    }

private:
    static int collect(void *ctx, int argc, char **argv, char **)
    {
        auto *out = static_cast<std::vector<Report> *>(ctx);
        if (argc < 3) return 1;
        out->push_back(Report{std::strtol(argv[0], nullptr, 10), argv[1] ? argv[1] : "", argv[2] ? argv[2] : ""});
        return 0;
    }

    sqlite3 *db_ = nullptr;
};
