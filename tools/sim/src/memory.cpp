#include "exwire/sim/memory.hpp"

#include <cstdlib>
#include <new>

#ifdef EXWIRE_HAVE_MIMALLOC
#include <mimalloc.h>
#endif

namespace exwire::sim {
namespace {

std::size_t round_up(std::size_t bytes, std::size_t alignment) noexcept {
    return (bytes + alignment - 1) / alignment * alignment;
}

class malloc_resource final : public std::pmr::memory_resource {
    void* do_allocate(std::size_t bytes, std::size_t alignment) override {
        if (alignment < alignof(std::max_align_t)) alignment = alignof(std::max_align_t);
        // aligned_alloc wants a size that is a multiple of the alignment.
        void* p = std::aligned_alloc(alignment, round_up(bytes == 0 ? 1 : bytes, alignment));
        if (p == nullptr) throw std::bad_alloc();
        return p;
    }
    void do_deallocate(void* p, std::size_t, std::size_t) override { std::free(p); }
    bool do_is_equal(const std::pmr::memory_resource& o) const noexcept override {
        return this == &o;
    }
};

#ifdef EXWIRE_HAVE_MIMALLOC
class mi_resource final : public std::pmr::memory_resource {
    void* do_allocate(std::size_t bytes, std::size_t alignment) override {
        void* p = mi_malloc_aligned(bytes, alignment);
        if (p == nullptr) throw std::bad_alloc();
        return p;
    }
    void do_deallocate(void* p, std::size_t, std::size_t) override { mi_free(p); }
    bool do_is_equal(const std::pmr::memory_resource& o) const noexcept override {
        return this == &o;
    }
};
#endif

}  // namespace

bool have_mimalloc() noexcept {
#ifdef EXWIRE_HAVE_MIMALLOC
    return true;
#else
    return false;
#endif
}

std::pmr::memory_resource* mimalloc_resource() noexcept {
#ifdef EXWIRE_HAVE_MIMALLOC
    static mi_resource r;
    return &r;
#else
    return nullptr;
#endif
}

std::pmr::memory_resource* system_resource() noexcept {
    static malloc_resource r;
    return &r;
}

std::pmr::memory_resource* default_resource() noexcept {
    std::pmr::memory_resource* mi = mimalloc_resource();
    return mi != nullptr ? mi : system_resource();
}

}  // namespace exwire::sim
