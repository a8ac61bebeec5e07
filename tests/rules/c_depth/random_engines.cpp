#include <random>
#include <string>
std::string make_api_key() {
    std::mt19937 gen(std::random_device{}()); // expect: C-RAND-001
    std::uniform_int_distribution<int> dist(0, 61);
    std::string key;
    for (int i = 0; i < 32; ++i) key += "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"[dist(gen)];
    return key;
}
int spawn_enemy() {
    std::mt19937 gen(42); // ok: C-RAND-001
    return gen() % 10;
}
