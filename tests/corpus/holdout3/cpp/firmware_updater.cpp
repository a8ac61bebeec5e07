// firmware_updater.cpp - command-line tool the field technicians use to pull a
// firmware bundle from the update server, check it and unpack it on the device.
//
//   fwupdate <channel> [--manifest FILE] [--install-dir DIR]
#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

namespace {

const char *kUpdateBase = "https://updates.internal.example/fw/";

struct Manifest {
    char name[64];
    char version[32];
    char sha256[65];
};

size_t write_body(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    auto *out = static_cast<std::string *>(userdata);
    if (out->size() + size * nmemb > (256u << 20))
        return 0;
    out->append(ptr, size * nmemb);
    return size * nmemb;
}

bool download(const std::string &url, std::string &body, bool verify_tls)
{
    CURL *curl = curl_easy_init();
    if (curl == nullptr)
        return false;
    curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, write_body);
    curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
    if (verify_tls) {
        curl_easy_setopt(curl, CURLOPT_CAINFO, "/etc/fwupdate/ca.pem"); // ok: C-TLS-001
    } else {
        curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 0L); // expect: C-TLS-001
    }
    CURLcode rc = curl_easy_perform(curl);
    curl_easy_cleanup(curl);
    return rc == CURLE_OK;
}

bool parse_manifest(const char *path, Manifest &m)
{
    FILE *f = std::fopen(path, "r");
    if (f == nullptr)
        return false;
    char line[160];
    bool ok = std::fgets(line, 512, f) != nullptr; // expect: C-SIZE-001
    std::fclose(f);
    return ok && std::sscanf(line, "%s %s %64s", m.name, m.version, m.sha256) == 3; // expect: C-BUF-003
}

bool parse_manifest_text(const std::string &text, Manifest &m)
{
    return std::sscanf(text.c_str(), "%63s %31s %64s", m.name, m.version, m.sha256) == 3; // ok: C-BUF-003
}

std::string sha256_hex(const std::string &data)
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr);
    std::string hex;
    char byte[3];
    for (unsigned int i = 0; i < len; ++i) {
        std::snprintf(byte, sizeof(byte), "%02x", digest[i]); // ok: C-BUF-002
        hex += byte;
    }
    return hex;
}

std::string staging_path()
{
    unsigned char raw[8];
    if (RAND_bytes(raw, sizeof(raw)) != 1) // ok: C-RAND-001
        return {};
    char name[64];
    std::snprintf(name, sizeof(name), "/var/tmp/fw-%02x%02x%02x%02x%02x%02x%02x%02x.tgz", raw[0], raw[1], raw[2], raw[3], // ok: C-BUF-002
                  raw[4], raw[5], raw[6], raw[7]);
    return name;
}

} // namespace

int main(int argc, char **argv)
{
    if (argc < 2) {
        std::cerr << "usage: fwupdate <channel> [--manifest FILE] [--install-dir DIR]\n";
        return 2;
    }
    std::string channel = argv[1];
    const char *manifest_file = nullptr;
    char install_dir[64] = "/opt/device/firmware";
    for (int i = 2; i + 1 < argc; i += 2) {
        if (std::strcmp(argv[i], "--manifest") == 0)
            manifest_file = argv[i + 1];
        else if (std::strcmp(argv[i], "--install-dir") == 0)
            std::strcpy(install_dir, argv[i + 1]); // expect: C-BUF-002
    }
    Manifest m{};
    std::string body;
    if (manifest_file != nullptr ? !parse_manifest(manifest_file, m)
                                 // the manifest host still has its old self-signed certificate
                                 : !(download(kUpdateBase + channel + "/manifest", body, false) &&
                                     parse_manifest_text(body, m))) {
        std::cerr << "fwupdate: no usable manifest\n";
        return 1;
    }
    std::string bundle;
    std::string url = std::string(kUpdateBase) + m.name + "-" + m.version + ".tgz";
    if (!download(url, bundle, true) || sha256_hex(bundle) != m.sha256) { // ok: C-TIMING-001
        std::printf(("fwupdate: bundle " + std::string(m.name) + " failed verification\n").c_str()); // expect: C-FMT-001
        return 1;
    }
    char target[128];
    if (realpath(install_dir, target) == nullptr) { // expect: C-BUF-004
        std::perror("fwupdate: install dir");
        return 1;
    }
    std::string staged = staging_path();
    std::ofstream(staged, std::ios::binary) << bundle;
    std::string cmd = "tar xzf " + staged + " -C " + target + " && sync";
    int rc = std::system(cmd.c_str()); // expect: C-CMDI-001
    unlink(staged.c_str());
    std::printf("fwupdate: %s %s %s\n", m.name, m.version, rc == 0 ? "installed" : "failed"); // ok: C-FMT-001
    return rc == 0 ? 0 : 1;
}
