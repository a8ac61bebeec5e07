// search_service.cpp - full-text search over the team wiki (cpp-httplib + SQLite FTS5).
//
// GET /search?q=..&space=..   ranked results as HTML
// GET /page?path=..           raw Markdown of one page from the export folder
// GET /grep?pattern=..        literal search through attachments (ops only)
// POST /reindex               rebuild the index (needs the admin token)
#include <httplib.h>
#include <sqlite3.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace fs = std::filesystem;

static const fs::path kExportRoot = "/srv/wiki/export";

static std::string html_escape(const std::string &in)
{
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

static std::string search_html(sqlite3 *db, const std::string &query, const std::string &space)
{
    std::string sql = "SELECT title, snippet(pages, 1, '', '', '...', 12) FROM pages WHERE pages MATCH ?1 "
                      "AND space = '" + space + "' ORDER BY rank LIMIT 20";
    sqlite3_stmt *stmt = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) // expect: C-SQLI-001
        return "<p>search failed</p>";
    sqlite3_bind_text(stmt, 1, query.c_str(), -1, SQLITE_TRANSIENT);
    std::ostringstream html;
    html << "<h1>Results for " << query << "</h1><ul>"; // expect: C-XSS-001
    while (sqlite3_step(stmt) == SQLITE_ROW) {
        auto title = reinterpret_cast<const char *>(sqlite3_column_text(stmt, 0));
        auto snippet = reinterpret_cast<const char *>(sqlite3_column_text(stmt, 1));
        html << "<li><b>" << html_escape(title ? title : "") << "</b> " << html_escape(snippet ? snippet : "") << "</li>"; // ok: C-XSS-001
    }
    sqlite3_finalize(stmt);
    html << "</ul>";
    return html.str();
}

static int count_in_space(sqlite3 *db, const std::string &space)
{
    sqlite3_stmt *stmt = nullptr;
    const char *sql = "SELECT COUNT(*) FROM pages WHERE space = ?1";
    if (sqlite3_prepare_v2(db, sql, -1, &stmt, nullptr) != SQLITE_OK) // ok: C-SQLI-001
        return -1;
    sqlite3_bind_text(stmt, 1, space.c_str(), -1, SQLITE_TRANSIENT);
    int n = sqlite3_step(stmt) == SQLITE_ROW ? sqlite3_column_int(stmt, 0) : -1;
    sqlite3_finalize(stmt);
    return n;
}

static bool inside_export(const fs::path &candidate)
{
    auto root = fs::weakly_canonical(kExportRoot);
    auto full = fs::weakly_canonical(candidate);
    auto rel = full.lexically_relative(root);
    return !rel.empty() && *rel.begin() != "..";
}

int main()
{
    sqlite3 *db = nullptr;
    sqlite3_open("/srv/wiki/search.db", &db);
    const char *admin_token = std::getenv("WIKI_ADMIN_TOKEN");
    httplib::Server svr;

    svr.Get("/search", [&](const httplib::Request &req, httplib::Response &res) {
        std::string q = req.get_param_value("q");
        std::string space = req.has_param("space") ? req.get_param_value("space") : "eng";
        std::fprintf(stderr, ("search space=" + space + " q=" + q + "\n").c_str()); // expect: C-FMT-001
        res.set_content(search_html(db, q, space), "text/html");
    });

    svr.Get("/page", [&](const httplib::Request &req, httplib::Response &res) {
        fs::path p = kExportRoot / req.get_param_value("path");
        std::ifstream in(p); // expect: C-PATH-001
        if (!in) {
            res.status = 404;
            return;
        }
        std::stringstream body;
        body << in.rdbuf();
        res.set_content(body.str(), "text/markdown");
    });

    svr.Get("/attachment", [&](const httplib::Request &req, httplib::Response &res) {
        fs::path p = kExportRoot / "attachments" / req.get_param_value("name");
        if (!inside_export(p)) {
            res.status = 400;
            return;
        }
        std::ifstream in(p, std::ios::binary); // ok: C-PATH-001
        std::stringstream body;
        body << in.rdbuf();
        res.set_content(body.str(), "application/octet-stream");
    });

    svr.Get("/grep", [&](const httplib::Request &req, httplib::Response &res) {
        std::string cmd = "grep -rlF -- '" + req.get_param_value("pattern") + "' /srv/wiki/export/attachments";
        FILE *pipe = popen(cmd.c_str(), "r"); // expect: C-CMDI-001
        if (pipe == nullptr) {
            res.status = 500;
            return;
        }
        std::string out;
        char buf[512];
        while (fgets(buf, sizeof buf, pipe) != nullptr) // ok: C-SIZE-001
            out += buf;
        pclose(pipe);
        res.set_content(out, "text/plain");
    });

    svr.Post("/reindex", [&](const httplib::Request &req, httplib::Response &res) {
        if (admin_token == nullptr || req.get_header_value("X-Admin-Token") != admin_token) { // expect: C-TIMING-001
            res.status = 403;
            return;
        }
        char *err = nullptr;
        int rc = sqlite3_exec(db, "INSERT INTO pages(pages) VALUES('rebuild')", nullptr, nullptr, &err); // ok: C-SQLI-001
        res.set_content(rc == SQLITE_OK ? "ok" : "reindex failed", "text/plain");
        sqlite3_free(err);
        std::printf("reindex requested, %d pages in eng\n", count_in_space(db, "eng"));
    });

    svr.listen("0.0.0.0", 8088);
}
