// Runs a libFuzzer harness without libFuzzer: every file of the given corpus directories (or the
// given files), then deterministic pseudo-random mutations of them. A failing input makes the
// harness abort, which fails the test; the input that did it is written to the working directory
// as `replay-crash` (on POSIX), so it can be replayed and added to the corpus.
#include <algorithm>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#ifdef __unix__
#include <fcntl.h>
#include <unistd.h>
#endif

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

namespace {

using Bytes = std::vector<uint8_t>;

const Bytes *g_current = nullptr;

#ifdef __unix__
extern "C" void saveCrash(int sig)
{
    if (g_current) {
        const int fd = ::open("replay-crash", O_CREAT | O_WRONLY | O_TRUNC, 0644);
        if (fd >= 0) {
            [[maybe_unused]] const ssize_t n = ::write(fd, g_current->data(), g_current->size());
            ::close(fd);
        }
        static const char note[] = "fuzz replay: failing input written to ./replay-crash\n";
        [[maybe_unused]] const ssize_t m = ::write(2, note, sizeof note - 1);
    }
    std::signal(sig, SIG_DFL);
    std::raise(sig);
}
#endif

struct Rng
{
    uint64_t state;
    uint64_t next()
    {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        return state;
    }
    size_t below(size_t n) { return n ? size_t(next() % n) : 0; }
};

// Fragments that tend to matter to text protocols; harmless for others.
const char *const kTokens[] = { "\r\n", "\r\n\r\n", "\n", "\r", " ", ":", "0\r\n\r\n", "%", "%zz", "+", "?",
    "&", "=", ";", "Content-Length: ", "Transfer-Encoding: chunked\r\n", "Expect: 100-continue\r\n",
    "Connection: close\r\n", "Host: h\r\n", "HTTP/1.0", "HTTP/1.1", "HTTP/2.0", "ffffffff",
    "18446744073709551616", "\0", "\x7f", "\xff", "-1", "\"", "{}", "[]", "null" };

Bytes readFile(const std::filesystem::path &path)
{
    std::ifstream in(path, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void mutate(Bytes &b, const std::vector<Bytes> &corpus, Rng &rng)
{
    const int steps = 1 + int(rng.below(4));
    for (int s = 0; s < steps; ++s) {
        switch (rng.below(8)) {
        case 0: // flip a bit
            if (!b.empty())
                b[rng.below(b.size())] ^= uint8_t(1u << rng.below(8));
            break;
        case 1: // set a byte
            if (!b.empty())
                b[rng.below(b.size())] = uint8_t(rng.next());
            break;
        case 2: { // insert a byte
            const uint8_t v = uint8_t(rng.next());
            b.insert(b.begin() + long(rng.below(b.size() + 1)), v);
            break;
        }
        case 3: { // erase a range
            if (b.empty())
                break;
            const size_t at = rng.below(b.size());
            const size_t n = 1 + rng.below(std::min<size_t>(16, b.size() - at));
            b.erase(b.begin() + long(at), b.begin() + long(at + n));
            break;
        }
        case 4: { // duplicate a range
            if (b.empty() || b.size() > 65536)
                break;
            const size_t at = rng.below(b.size());
            const size_t n = 1 + rng.below(std::min<size_t>(64, b.size() - at));
            const Bytes piece(b.begin() + long(at), b.begin() + long(at + n));
            b.insert(b.begin() + long(rng.below(b.size() + 1)), piece.begin(), piece.end());
            break;
        }
        case 5: { // insert a token
            const char *t = kTokens[rng.below(std::size(kTokens))];
            const size_t n = std::max<size_t>(1, std::strlen(t)); // "\0" inserts one NUL
            b.insert(b.begin() + long(rng.below(b.size() + 1)), t, t + n);
            break;
        }
        case 6: { // splice with another input
            const Bytes &other = corpus[rng.below(corpus.size())];
            if (other.empty())
                break;
            const size_t cut = rng.below(b.size() + 1);
            const size_t from = rng.below(other.size());
            b.resize(cut);
            b.insert(b.end(), other.begin() + long(from), other.end());
            break;
        }
        case 7: // truncate
            b.resize(rng.below(b.size() + 1));
            break;
        }
    }
}

} // namespace

int main(int argc, char **argv)
{
    long mutations = 0;
    std::vector<Bytes> corpus;
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg == "--mutations" && i + 1 < argc) {
            mutations = std::strtol(argv[++i], nullptr, 10);
            continue;
        }
        const std::filesystem::path path(arg);
        if (std::filesystem::is_directory(path)) {
            std::vector<std::filesystem::path> files;
            for (const auto &entry : std::filesystem::directory_iterator(path)) {
                if (entry.is_regular_file())
                    files.push_back(entry.path());
            }
            std::sort(files.begin(), files.end()); // deterministic order
            for (const auto &f : files)
                corpus.push_back(readFile(f));
        } else {
            corpus.push_back(readFile(path));
        }
    }
    if (corpus.empty())
        corpus.emplace_back();

#ifdef __unix__
    std::signal(SIGABRT, saveCrash);
    std::signal(SIGSEGV, saveCrash);
    std::signal(SIGBUS, saveCrash);
#endif
    const size_t given = corpus.size();
    for (const Bytes &input : corpus) {
        g_current = &input;
        LLVMFuzzerTestOneInput(input.data(), input.size());
    }

    Rng rng { 0x9e3779b97f4a7c15ull };
    for (long i = 0; i < mutations; ++i) {
        Bytes input = corpus[rng.below(corpus.size())];
        mutate(input, corpus, rng);
        g_current = &input;
        LLVMFuzzerTestOneInput(input.data(), input.size());
        g_current = nullptr;
        if (i % 8 == 0 && corpus.size() < 4096)
            corpus.push_back(std::move(input)); // let mutations build on mutations
    }
    std::printf("replayed %zu corpus inputs and %ld mutations\n", given, mutations);
    return 0;
}
