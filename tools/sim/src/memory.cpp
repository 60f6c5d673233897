#include "exwire/sim/memory.hpp"

#include <cstdlib>
#include <new>

#ifdef EXWIRE_HAVE_MIMALLOC
#include <mimalloc.h>
#endif

#ifdef __GLIBC__
#include <dlfcn.h>
#endif

namespace exwire::sim {
namespace {

#ifdef __GLIBC__
// Debian's libmimalloc.so replaces malloc/free/new process-wide once linked, including
// glibc's __libc_* aliases, so neither std::malloc nor a direct __libc_memalign call
// reaches glibc. Looking the aliases up in libc.so.6 itself does: then one process can
// compare both allocators.
struct libc_allocator {
    using memalign_fn = void* (*)(std::size_t, std::size_t);
    using free_fn = void (*)(void*);
    memalign_fn memalign = nullptr;
    free_fn free = nullptr;

    libc_allocator() noexcept {
        void* libc = dlopen("libc.so.6", RTLD_LAZY | RTLD_NOLOAD);
        if (libc == nullptr) return;
        memalign = reinterpret_cast<memalign_fn>(dlsym(libc, "__libc_memalign"));
        free = reinterpret_cast<free_fn>(dlsym(libc, "__libc_free"));
        if (memalign == nullptr || free == nullptr) memalign = nullptr;
    }
};

const libc_allocator& libc() noexcept {
    static const libc_allocator a;
    return a;
}
#endif

std::size_t round_up(std::size_t bytes, std::size_t alignment) noexcept {
    return (bytes + alignment - 1) / alignment * alignment;
}

void* c_allocate(std::size_t bytes, std::size_t alignment) noexcept {
#ifdef __GLIBC__
    if (libc().memalign != nullptr) return libc().memalign(alignment, bytes);
#endif
    // aligned_alloc wants a size that is a multiple of the alignment.
    return std::aligned_alloc(alignment, round_up(bytes, alignment));
}

void c_free(void* p) noexcept {
#ifdef __GLIBC__
    if (libc().memalign != nullptr) return libc().free(p);
#endif
    std::free(p);
}

class malloc_resource final : public std::pmr::memory_resource {
    void* do_allocate(std::size_t bytes, std::size_t alignment) override {
        if (alignment < alignof(std::max_align_t)) alignment = alignof(std::max_align_t);
        void* p = c_allocate(bytes == 0 ? 1 : bytes, alignment);
        if (p == nullptr) throw std::bad_alloc();
        return p;
    }
    void do_deallocate(void* p, std::size_t, std::size_t) override { c_free(p); }
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

bool owned_by_mimalloc(const void* p) noexcept {
#ifdef EXWIRE_HAVE_MIMALLOC
    // mi_is_in_heap_region only knows segments mimalloc placed at its preferred addresses;
    // where those are taken (a sanitizer's shadow memory) it answers false, so the calling
    // thread's heap is asked as well (a walk of its pages: a check, not a fast path).
    return mi_is_in_heap_region(p) || mi_check_owned(p);
#else
    (void)p;
    return false;
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
