#include <httplib.h>
#include <cpr/cpr.h>
#include <boost/asio/ssl.hpp>
std::string fetch(const std::string &host) {
    httplib::SSLClient cli(host);
    cli.enable_server_certificate_verification(false); // expect: C-TLS-001
    auto r = cpr::Get(cpr::Url{"https://" + host}, cpr::VerifySsl{false}); // expect: C-TLS-001
    auto s = cpr::Get(cpr::Url{"https://" + host}, cpr::VerifySsl(false)); // expect: C-TLS-001
    boost::asio::ssl::context ctx(boost::asio::ssl::context::tls_client);
    ctx.set_verify_mode(boost::asio::ssl::verify_none); // expect: C-TLS-001
    ctx.set_verify_mode(boost::asio::ssl::verify_peer); // ok: C-TLS-001
    cli.enable_server_certificate_verification(true); // ok: C-TLS-001
    return r.text;
}
