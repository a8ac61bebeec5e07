// C++ strings and streams: commands grown with += and <<, counts read with in.read(), copies clamped with std::min.
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <istream>
#include <sstream>
#include <string>

struct Header { uint32_t count; };
struct Item { int id; };

int list_dir(const std::string &dir)
{
    std::string cmd = "ls -l ";
    cmd += dir;
    return std::system(cmd.c_str()); // expect: C-CMDI-001
}

int ping(const std::string &host)
{
    std::ostringstream cmd;
    cmd << "ping -c 1 " << host;
    return std::system(cmd.str().c_str()); // expect: C-CMDI-001
}

int uptime()
{
    std::ostringstream cmd;
    cmd << "uptime " << "-p";
    return std::system(cmd.str().c_str()); // ok: C-CMDI-001
}

Item *load_items(std::istream &in)
{
    Header hdr;
    in.read(reinterpret_cast<char *>(&hdr), sizeof hdr);
    return static_cast<Item *>(std::malloc(hdr.count * sizeof(Item))); // expect: C-ALLOC-001
}

Item *load_bounded(std::istream &in)
{
    Header hdr;
    in.read(reinterpret_cast<char *>(&hdr), sizeof hdr);
    if (hdr.count > 1024)
        return nullptr;
    return static_cast<Item *>(std::malloc(hdr.count * sizeof(Item))); // ok: C-ALLOC-001
}

void copy_name(const std::string &src)
{
    char dst[64];
    size_t n = std::min(src.size(), sizeof(dst) - 1);
    memcpy(dst, src.data(), n); // ok: C-BUF-005
    dst[n] = '\0';
}

void copy_name_unbounded(char *dst, const std::string &src)
{
    size_t n = src.size();
    memcpy(dst, src.data(), n); // expect: C-BUF-005
}
