// C++ web handlers (cpp-httplib, Crow, Drogon, Pistache, Boost.Beast) and logins: request data reaching files
// and passwords hashed or written into connection calls.
#include <fstream>
#include <string>
#include <filesystem>
#include <httplib.h>
#include <crow.h>
#include <drogon/drogon.h>
#include <QCryptographicHash>
#include <cppconn/driver.h>
#include <pqxx/pqxx>

void routes(httplib::Server &svr)
{
    svr.Get("/download", [&](const httplib::Request &req, httplib::Response &res) {
        std::string name = req.get_param_value("file");
        std::ifstream in("uploads/" + name, std::ios::binary); // expect: C-PATH-001
        std::string path = "uploads/" + name;
        std::ifstream again(path); // expect: C-PATH-001
        std::ifstream fixed("uploads/index.html"); // ok: C-PATH-001
    });
    svr.Post("/upload", [&](const httplib::Request &req, httplib::Response &res) {
        std::ofstream out;
        out.open("uploads/" + req.get_param_value("name")); // expect: C-PATH-001
        out << req.body;
    });
    svr.Get("/safe", [&](const httplib::Request &req, httplib::Response &res) {
        std::string name = req.get_param_value("file");
        if (name.find("..") != std::string::npos || name.find('/') != std::string::npos)
            return;
        std::ifstream in("uploads/" + name); // ok: C-PATH-001
    });
    svr.Get("/resolved", [&](const httplib::Request &req, httplib::Response &res) {
        auto root = std::filesystem::canonical("uploads");
        auto target = std::filesystem::weakly_canonical(root / req.get_param_value("file"));
        if (target.string().rfind(root.string() + "/", 0) != 0)
            return;
        std::ifstream in(target); // ok: C-PATH-001
    });
}

int crow_routes()
{
    crow::SimpleApp app;
    CROW_ROUTE(app, "/files/<string>")([](std::string name) {
        std::filesystem::remove("files/" + name); // expect: C-PATH-001
        return "deleted";
    });
    return 0;
}

void FileCtrl::get(const HttpRequestPtr &req, std::function<void(const HttpResponsePtr &)> &&callback)
{
    std::ifstream in("files/" + req->getParameter("name")); // expect: C-PATH-001
}

std::string store(const std::string &password, const QString &pw)
{
    QByteArray legacy = QCryptographicHash::hash(pw.toUtf8(), QCryptographicHash::Md5); // expect: C-HASH-001
    QByteArray etag = QCryptographicHash::hash(body(), QCryptographicHash::Md5); // ok: C-HASH-001
    return picosha2::hash256_hex_string(password); // expect: C-HASH-001
}

void connect_db(sql::Driver *driver, const std::string &db_password)
{
    auto con = driver->connect("tcp://127.0.0.1:3306", "shop", "Wh1teRabbit#42"); // expect: C-SECRET-001
    auto ok = driver->connect("tcp://127.0.0.1:3306", "shop", db_password); // ok: C-SECRET-001
    pqxx::connection pg{"host=db dbname=shop user=shop password=Kx9!fq2Lm"}; // expect: C-SECRET-001
    pqxx::connection peer{"dbname=shop"}; // ok: C-SECRET-001
}
