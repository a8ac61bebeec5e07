#include <string>
#include <sstream>
#include <pqxx/pqxx>
#include <sqlite3.h>
pqxx::result find(pqxx::work &txn, const std::string &name) {
    return txn.exec("SELECT id FROM users WHERE name = '" + name + "'"); // expect: C-SQLI-001
}
pqxx::result find_ok(pqxx::work &txn, const std::string &name) {
    return txn.exec_params("SELECT id FROM users WHERE name = $1", name); // ok: C-SQLI-001
}
int del(sqlite3 *db, const std::string &id) {
    std::string sql = "DELETE FROM items WHERE id = " + id;
    return sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr); // expect: C-SQLI-001
}
int del2(sqlite3 *db, const std::string &id) {
    std::ostringstream q;
    q << "DELETE FROM items WHERE id = '" << id << "'";
    return sqlite3_exec(db, q.str().c_str(), nullptr, nullptr, nullptr); // expect: C-SQLI-001
}
void run(Process &proc, const std::string &arg) {
    proc.execute("tool --name " + arg); // ok: C-SQLI-001
}
