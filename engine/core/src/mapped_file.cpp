#include <exwire/core/mapped_file.hpp>

#include <cerrno>
#include <cstring>
#include <utility>

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fmt/format.h>

namespace exwire {

mapped_file::mapped_file(mapped_file&& o) noexcept
    : base_(std::exchange(o.base_, nullptr)),
      size_(std::exchange(o.size_, 0)),
      fd_(std::exchange(o.fd_, -1)),
      path_(std::move(o.path_)) {}

mapped_file& mapped_file::operator=(mapped_file&& o) noexcept {
    if (this != &o) {
        this->~mapped_file();
        new (this) mapped_file(std::move(o));
    }
    return *this;
}

mapped_file::~mapped_file() {
    if (base_ != nullptr) munmap(base_, size_);
    if (fd_ >= 0) close(fd_);
}

namespace {
error sys_error(const std::string& what, const std::string& path) {
    const int e = errno;
    return fail(fmt::format("{} '{}': {}", what, path, std::strerror(e)), e);
}
}  // namespace

result<mapped_file> mapped_file::create(const std::string& path, std::size_t size, bool populate) {
    if (size == 0) return fail(fmt::format("cannot map '{}' with size 0", path));
    mapped_file m;
    m.path_ = path;
    m.fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (m.fd_ < 0) return sys_error("cannot create", path);
    // posix_fallocate reserves the blocks now: a full disk fails here with ENOSPC instead of
    // raising SIGBUS on first touch of a page later.
    if (const int rc = posix_fallocate(m.fd_, 0, static_cast<off_t>(size)); rc != 0) {
        errno = rc;
        return sys_error(fmt::format("cannot allocate {} bytes for", size), path);
    }
    void* p = mmap(nullptr, size, PROT_READ | PROT_WRITE,
                   MAP_SHARED | (populate ? MAP_POPULATE : 0), m.fd_, 0);
    if (p == MAP_FAILED) return sys_error("cannot map", path);
    m.base_ = static_cast<std::byte*>(p);
    m.size_ = size;
    return m;
}

result<mapped_file> mapped_file::open(const std::string& path, bool writable, bool populate) {
    mapped_file m;
    m.path_ = path;
    m.fd_ = ::open(path.c_str(), (writable ? O_RDWR : O_RDONLY) | O_CLOEXEC);
    if (m.fd_ < 0) return sys_error("cannot open", path);
    struct stat st {};
    if (fstat(m.fd_, &st) != 0) return sys_error("cannot stat", path);
    if (st.st_size <= 0) return fail(fmt::format("cannot map '{}': the file is empty", path));
    const auto size = static_cast<std::size_t>(st.st_size);
    void* p = mmap(nullptr, size, writable ? PROT_READ | PROT_WRITE : PROT_READ,
                   MAP_SHARED | (populate ? MAP_POPULATE : 0), m.fd_, 0);
    if (p == MAP_FAILED) return sys_error("cannot map", path);
    m.base_ = static_cast<std::byte*>(p);
    m.size_ = size;
    return m;
}

}  // namespace exwire
