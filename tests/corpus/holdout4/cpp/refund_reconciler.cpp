// refund_reconciler.cpp - nightly job that matches refunds in our ledger against the payment
// provider's settlement report and files a discrepancy report for finance.
//
// The settlement report is fetched over HTTPS and signed with an HMAC-SHA256 header.
#include <curl/curl.h>
#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <sqlite3.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <sstream>
#include <string>
#include <vector>

static const char *kProviderApiKey = "pk_recon_5e1d8c2a9f7b4036e1a8d2c7"; // expect: C-SECRET-001
static const char *kSettlementUrl = "https://settlements.provider.example/v2/reports/latest";

struct Refund {
    std::string id;
    long amount_cents;
    std::string currency;
};

static size_t collect(char *data, size_t size, size_t nmemb, void *user)
{
    static_cast<std::string *>(user)->append(data, size * nmemb);
    return size * nmemb;
}

static size_t collect_header(char *data, size_t size, size_t nmemb, void *user)
{
    std::string line(data, size * nmemb);
    if (line.rfind("X-Signature: ", 0) == 0)
        *static_cast<std::string *>(user) = line.substr(13, line.find_last_not_of("\r\n") - 12);
    return size * nmemb;
}

static bool fetch_report(std::string &body, std::string &signature)
{
    CURL *curl = curl_easy_init();
    if (curl == nullptr)
        return false;
    const char *token = std::getenv("PROVIDER_TOKEN");
    char auth[160];
    std::snprintf(auth, sizeof auth, "Authorization: Bearer %s", token ? token : ""); // ok: C-BUF-002
    curl_slist *headers = curl_slist_append(nullptr, auth);
    curl_easy_setopt(curl, CURLOPT_URL, kSettlementUrl);
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
    curl_easy_setopt(curl, CURLOPT_HEADERFUNCTION, collect_header);
    curl_easy_setopt(curl, CURLOPT_HEADERDATA, &signature);
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L); // ok: C-TLS-001
    curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 0L); // expect: C-TLS-001
    bool ok = curl_easy_perform(curl) == CURLE_OK;
    curl_slist_free_all(headers);
    curl_easy_cleanup(curl);
    std::memset(auth, 0, sizeof auth); // expect: C-WIPE-001
    return ok;
}

static std::string hex_hmac(const std::string &key, const std::string &body)
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
         reinterpret_cast<const unsigned char *>(body.data()), body.size(), mac, &len);
    char hex[2 * EVP_MAX_MD_SIZE + 1];
    for (unsigned int i = 0; i < len; i++)
        std::snprintf(hex + 2 * i, 3, "%02x", mac[i]);
    return std::string(hex, 2 * len);
}

static bool signature_valid(const std::string &body, const std::string &signature)
{
    std::string expected = hex_hmac(kProviderApiKey, body);
    return expected == signature; // expect: C-TIMING-001
}

static bool signature_valid_v2(const std::string &key, const std::string &body, const std::string &signature)
{
    std::string expected = hex_hmac(key, body);
    return expected.size() == signature.size() &&
           CRYPTO_memcmp(expected.data(), signature.data(), expected.size()) == 0; // ok: C-TIMING-001
}

static std::vector<Refund> ledger_refunds(sqlite3 *db, const std::string &day)
{
    std::vector<Refund> out;
    std::string sql = "SELECT id, amount_cents, currency FROM refunds WHERE settled_on = '" + day + "'";
    sqlite3_stmt *stmt = nullptr;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) != SQLITE_OK) // expect: C-SQLI-001
        return out;
    while (sqlite3_step(stmt) == SQLITE_ROW)
        out.push_back({reinterpret_cast<const char *>(sqlite3_column_text(stmt, 0)), sqlite3_column_int64(stmt, 1),
                       reinterpret_cast<const char *>(sqlite3_column_text(stmt, 2))});
    sqlite3_finalize(stmt);
    return out;
}

// Finance downloads the discrepancy report through a one-time link that embeds this id.
static std::string report_link_id()
{
    std::mt19937_64 gen(std::random_device{}());
    std::ostringstream id;
    id << std::hex << gen() << gen(); // expect: C-RAND-001
    return id.str();
}

// Picks which refunds a human re-checks by hand; a fair sample, not a secret.
static std::vector<Refund> audit_sample(const std::vector<Refund> &all)
{
    std::mt19937 gen(20240501u);
    std::uniform_int_distribution<size_t> pick(0, all.empty() ? 0 : all.size() - 1);
    std::vector<Refund> sample;
    for (int i = 0; i < 5 && !all.empty(); i++)
        sample.push_back(all[pick(gen)]); // ok: C-RAND-001
    return sample;
}

// The report names its settlement day as "settlement_date":"YYYY-MM-DD".
static std::string settlement_date(const std::string &body)
{
    const std::string key = "\"settlement_date\":\"";
    auto start = body.find(key);
    if (start == std::string::npos)
        return "";
    start += key.size();
    return body.substr(start, body.find('"', start) - start);
}

int main()
{
    sqlite3 *db = nullptr;
    if (sqlite3_open("/var/lib/recon/ledger.db", &db) != SQLITE_OK)
        return 1;
    std::string body, signature;
    if (!fetch_report(body, signature) || !signature_valid(body, signature))
        return 1;
    auto refunds = ledger_refunds(db, settlement_date(body));
    std::FILE *out = std::tmpfile(); // ok: C-TEMP-001
    if (out == nullptr)
        return 1;
    for (const auto &r : refunds)
        if (body.find(r.id) == std::string::npos)
            std::fprintf(out, "%s,%ld,%s,missing-at-provider\n", r.id.c_str(), r.amount_cents, r.currency.c_str());
    std::printf("report %s: %zu refunds, %zu sampled\n", report_link_id().c_str(), refunds.size(), audit_sample(refunds).size());
    std::fclose(out);
    sqlite3_close(db);
    return 0;
}
