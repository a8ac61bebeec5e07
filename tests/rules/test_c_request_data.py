"""Request data of C/C++ web code graded as attacker-controlled: CGI's environment, libmicrohttpd, mongoose,
CivetWeb, cpp-httplib, Crow, Drogon and Pistache; the operator's own environment stays operator input."""

from __future__ import annotations

import pytest

from slopguard.core.finding import Confidence, Severity
from slopguard.engine.analyse import analyse

C_HANDLERS = b"""\
#include <stdio.h>
#include <stdlib.h>
#include <microhttpd.h>
#include "civetweb.h"
#include "mongoose.h"

void cgi(void)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "grep %s /var/log/app.log", getenv("QUERY_STRING"));
    system(cmd); /* request */
}

void cgi_cookie(void)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "echo %s", getenv("HTTP_COOKIE"));
    system(cmd); /* request */
}

void home(void)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "ls %s", getenv("HOME"));
    system(cmd); /* operator */
}

enum MHD_Result answer(void *cls, struct MHD_Connection *connection, const char *url, const char *method,
                       const char *version, const char *upload_data, size_t *upload_data_size, void **con_cls)
{
    char cmd[256], cmd2[256];
    snprintf(cmd, sizeof cmd, "cat %s", url);
    system(cmd); /* request */
    snprintf(cmd2, sizeof cmd2, "ping %s", MHD_lookup_connection_value(connection, MHD_GET_ARGUMENT_KIND, "h"));
    system(cmd2); /* request */
    return MHD_YES;
}

enum MHD_Result each_header(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "logger %s", value);
    system(cmd); /* request */
    return MHD_YES;
}

void on_http(struct mg_connection *c, int ev, void *ev_data)
{
    struct mg_http_message *hm = (struct mg_http_message *) ev_data;
    char name[64], cmd[256], cmd2[256];
    mg_http_get_var(&hm->query, "name", name, sizeof name);
    snprintf(cmd, sizeof cmd, "id %s", name);
    system(cmd); /* request */
    snprintf(cmd2, sizeof cmd2, "echo %.*s", (int) hm->body.len, hm->body.ptr);
    system(cmd2); /* request */
}

int civet_handler(struct mg_connection *conn, void *data)
{
    const struct mg_request_info *ri = mg_get_request_info(conn);
    char cmd[256];
    snprintf(cmd, sizeof cmd, "host %s", ri->query_string);
    return system(cmd); /* request */
}

void helper(const char *url, const char *upload_data)
{
    char cmd[256];
    snprintf(cmd, sizeof cmd, "cat %s", url);
    system(cmd); /* unknown */
}
"""

CPP_HANDLERS = b"""\
#include <cstdlib>
#include <string>

void routes(httplib::Server &svr)
{
    svr.Get("/q", [&](const httplib::Request &req, httplib::Response &res) {
        std::string cmd = "nslookup " + req.get_param_value("host");
        std::system(cmd.c_str()); // request
        std::string cmd2 = "echo " + req.body;
        std::system(cmd2.c_str()); // request
    });
}

void crow_routes(crow::SimpleApp &app)
{
    CROW_ROUTE(app, "/ping/<string>")([](std::string host) {
        std::string cmd = "ping -c 1 " + host;
        std::system(cmd.c_str()); // request
        return "ok";
    });
    CROW_ROUTE(app, "/q")([](const crow::request &req) {
        std::string cmd = std::string("host ") + req.url_params.get("h");
        std::system(cmd.c_str()); // request
        return "ok";
    });
}

void UserCtrl::get(const HttpRequestPtr &req, std::function<void(const HttpResponsePtr &)> &&callback,
                   std::string user)
{
    std::string cmd = "id " + user;
    std::system(cmd.c_str()); // request
    std::string cmd2 = "id " + req->getParameter("u");
    std::system(cmd2.c_str()); // request
}

void UserHandler::find(const Rest::Request &request, Http::ResponseWriter response)
{
    std::string cmd = "id " + request.query().get("u").value();
    std::system(cmd.c_str()); // request
}

void local(const std::string &host)
{
    std::string cmd = "ping " + host;
    std::system(cmd.c_str()); // unknown
}
"""


def _graded(source: bytes, language: str) -> dict[str, list[tuple[Severity, Confidence]]]:
    """The C-CMDI-001 grade of each marked line, by its marker."""
    result = analyse(f"handlers.{language}", source, language, frozenset({"C-CMDI-001"}), 1_000_000)
    by_line = {f.location.start_line: (f.severity, f.confidence) for f in result.findings}
    marked: dict[str, list[tuple[Severity, Confidence]]] = {}
    for number, line in enumerate(source.decode().splitlines(), start=1):
        for marker in ("request", "operator", "unknown"):
            if line.rstrip().endswith((f"/* {marker} */", f"// {marker}")):
                marked.setdefault(marker, []).append(by_line[number])
    return marked


@pytest.mark.parametrize(("source", "language"), [(C_HANDLERS, "c"), (CPP_HANDLERS, "cpp")])
def test_request_data_is_attacker_controlled(source: bytes, language: str) -> None:
    marked = _graded(source, language)
    assert len(marked["request"]) >= 6
    assert set(marked["request"]) == {(Severity.CRITICAL, Confidence.HIGH)}
    assert Severity.CRITICAL not in {severity for severity, _ in marked["unknown"]}


def test_the_operators_environment_is_not_request_data() -> None:
    marked = _graded(C_HANDLERS, "c")
    assert marked["operator"] == [(Severity.HIGH, Confidence.MEDIUM)]
