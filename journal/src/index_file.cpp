#include "index_file.hpp"

#include <atomic>
#include <cerrno>
#include <cstring>
#include <utility>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

namespace exwire::journal::detail {

namespace {
constexpr std::size_t reserve_bytes = index_file::header_bytes + index_file::max_entries * 8;
constexpr std::size_t off_magic = 0, off_version = 8, off_journal = 16, off_base = 24,
                      off_count = 32, off_upto = 40, off_segsize = 48, off_last = 56;

std::uint64_t load_acq(std::uint64_t& v) noexcept {
    return std::atomic_ref<std::uint64_t>(v).load(std::memory_order_acquire);
}
std::uint64_t load_rlx(std::uint64_t& v) noexcept {
    return std::atomic_ref<std::uint64_t>(v).load(std::memory_order_relaxed);
}
void store_rlx(std::uint64_t& v, std::uint64_t x) noexcept {
    std::atomic_ref<std::uint64_t>(v).store(x, std::memory_order_relaxed);
}

error sys(const std::string& what, const std::string& path) {
    const int e = errno;
    return fail(fmt::format("{} '{}': {}", what, path, std::strerror(e)), e);
}
}  // namespace

index_file::index_file(index_file&& o) noexcept
    : base_(std::exchange(o.base_, nullptr)),
      fd_(std::exchange(o.fd_, -1)),
      capacity_(std::exchange(o.capacity_, 0)),
      errno_(o.errno_),
      was_reset_(o.was_reset_) {}

index_file& index_file::operator=(index_file&& o) noexcept {
    if (this != &o) {
        this->~index_file();
        new (this) index_file(std::move(o));
    }
    return *this;
}

index_file::~index_file() {
    if (base_ != nullptr) munmap(base_, reserve_bytes);
    if (fd_ >= 0) close(fd_);
}

result<index_file> index_file::open_rw(const std::string& path, direction d,
                                       std::uint64_t journal_id, std::uint64_t segment_size) {
    index_file f;
    f.fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (f.fd_ < 0) return sys("cannot open index", path);
    void* p =
        mmap(nullptr, reserve_bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, f.fd_, 0);
    if (p == MAP_FAILED) return sys("cannot map index", path);
    f.base_ = static_cast<std::byte*>(p);
    struct stat st {};
    if (fstat(f.fd_, &st) != 0) return sys("cannot stat index", path);
    const auto size = static_cast<std::uint64_t>(st.st_size);
    if (size >= header_bytes && f.field(off_magic) == index_magic &&
        (f.field(off_version) & 0xFFFFFFFFu) == format_version &&
        f.matches(journal_id, segment_size) && size >= header_bytes + f.count() * 8) {
        f.capacity_ = (size - header_bytes) / 8;
        return f;
    }
    f.was_reset_ = size > 0;
    if (auto r = f.reset(d, journal_id, segment_size); !r) return std::move(r).err();
    return f;
}

result<index_file> index_file::open_ro(const std::string& path) {
    index_file f;
    f.fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (f.fd_ < 0) return sys("cannot open index", path);
    struct stat st {};
    if (fstat(f.fd_, &st) != 0) return sys("cannot stat index", path);
    if (static_cast<std::uint64_t>(st.st_size) < header_bytes)
        return fail(fmt::format("index '{}' is empty", path));
    void* p = mmap(nullptr, reserve_bytes, PROT_READ, MAP_SHARED | MAP_NORESERVE, f.fd_, 0);
    if (p == MAP_FAILED) return sys("cannot map index", path);
    f.base_ = static_cast<std::byte*>(p);
    if (f.field(off_magic) != index_magic)
        return fail(fmt::format("'{}' is not a journal index", path));
    return f;
}

bool index_file::matches(std::uint64_t journal_id, std::uint64_t segment_size) const noexcept {
    return field(off_journal) == journal_id && field(off_segsize) == segment_size;
}

result<void> index_file::reset(direction d, std::uint64_t journal_id, std::uint64_t segment_size) {
    // Invalidate first, so a concurrent reader never trusts a half-reset index.
    struct stat st {};
    if (fstat(fd_, &st) != 0) return sys("cannot stat index", "index");
    // A sequentially consistent store (a full barrier on x86), before the file changes under
    // readers; no separate fence, which ThreadSanitizer cannot model.
    if (static_cast<std::size_t>(st.st_size) >= header_bytes)
        std::atomic_ref<std::uint64_t>(field(off_magic)).store(0, std::memory_order_seq_cst);
    const auto bytes = static_cast<off_t>(header_bytes + grow_entries * 8);
    if (ftruncate(fd_, 0) != 0) return sys("cannot reset index", "index");
    if (const int rc = posix_fallocate(fd_, 0, bytes); rc != 0) {
        errno = rc;
        return sys("cannot allocate index", "index");
    }
    capacity_ = grow_entries;
    field(off_version) = format_version | (std::uint64_t{static_cast<std::uint8_t>(d)} << 32);
    field(off_journal) = journal_id;
    field(off_segsize) = segment_size;
    store_rlx(field(off_base), 0);
    store_rlx(field(off_count), 0);
    store_rlx(field(off_last), 0);
    std::atomic_ref<std::uint64_t>(field(off_upto)).store(0, std::memory_order_release);
    std::atomic_ref<std::uint64_t>(field(off_magic)).store(index_magic, std::memory_order_release);
    return {};
}

bool index_file::put(std::uint64_t seq, std::uint64_t position) noexcept {
    std::uint64_t count = load_rlx(field(off_count));
    std::uint64_t base = load_rlx(field(off_base));
    if (count == 0) {
        base = seq;
        store_rlx(field(off_base), seq);
    }
    if (seq < base || seq - base >= max_entries) return false;
    const std::uint64_t slot = seq - base;
    if (slot >= capacity_) {
        std::uint64_t want = capacity_;
        while (want <= slot)
            want += grow_entries;
        // fallocate rather than ftruncate: a full disk fails here, not as SIGBUS on a store.
        const int rc = posix_fallocate(fd_, 0, static_cast<off_t>(header_bytes + want * 8));
        if (rc != 0) {
            errno_ = rc;
            if (count == 0) store_rlx(field(off_base), 0);
            return false;
        }
        capacity_ = want;
    }
    store_rlx(*reinterpret_cast<std::uint64_t*>(base_ + header_bytes + slot * 8), position);
    if (slot + 1 > count) store_rlx(field(off_count), slot + 1);
    store_rlx(field(off_last), seq);
    return true;
}

void index_file::publish(std::uint64_t position) noexcept {
    std::atomic_ref<std::uint64_t>(field(off_upto)).store(position, std::memory_order_release);
}

std::uint64_t index_file::lookup(std::uint64_t seq) const noexcept {
    if (load_acq(field(off_magic)) != index_magic) return 0;
    (void)load_acq(field(off_upto));
    const std::uint64_t count = load_rlx(field(off_count));
    const std::uint64_t base = load_rlx(field(off_base));
    if (count == 0 || seq < base || seq - base >= count) return 0;
    return load_rlx(*reinterpret_cast<std::uint64_t*>(base_ + header_bytes + (seq - base) * 8));
}

std::uint64_t index_file::indexed_upto() const noexcept {
    return load_acq(field(off_upto));
}
std::uint64_t index_file::base() const noexcept {
    return load_rlx(field(off_base));
}
std::uint64_t index_file::count() const noexcept {
    return load_rlx(field(off_count));
}
std::uint64_t index_file::last_sequence() const noexcept {
    return load_rlx(field(off_last));
}
std::uint64_t index_file::journal_id() const noexcept {
    return field(off_journal);
}

}  // namespace exwire::journal::detail
