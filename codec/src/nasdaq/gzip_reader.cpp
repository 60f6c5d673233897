// gzip_reader over zlib's inflate (windowBits 15 + 32: gzip or zlib header auto-detected).
#include <exwire/codec/nasdaq/gzip_reader.hpp>

#include <limits>

#include <zlib.h>

namespace exwire::codec::nasdaq {

struct gzip_reader::state {
    z_stream z{};
    bool ok = false;
};

gzip_reader::gzip_reader() : s_(std::make_unique<state>()) {
    s_->ok = inflateInit2(&s_->z, 15 + 32) == Z_OK;
}

gzip_reader::~gzip_reader() {
    if (s_->ok) inflateEnd(&s_->z);
}

result<std::size_t> gzip_reader::inflate(exwire::bytes in, exwire::mutable_bytes out,
                                         std::size_t& consumed) {
    consumed = 0;
    if (!s_->ok) return fail("zlib initialisation failed");
    if (finished_) return std::size_t{0};
    constexpr std::size_t cap = std::numeric_limits<uInt>::max();
    auto& z = s_->z;
    z.next_in = const_cast<Bytef*>(reinterpret_cast<const Bytef*>(in.data()));
    z.avail_in = static_cast<uInt>(in.size() < cap ? in.size() : cap);
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size() < cap ? out.size() : cap);
    const uInt in_before = z.avail_in;
    const uInt out_before = z.avail_out;
    const int rc = ::inflate(&z, Z_NO_FLUSH);
    consumed = in_before - z.avail_in;
    offset_ += consumed;
    if (rc == Z_STREAM_END) {
        finished_ = true;
    } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
        return fail(std::string("corrupt gzip data near compressed byte offset ") +
                    std::to_string(offset_) + (z.msg ? std::string(": ") + z.msg : std::string()));
    }
    return static_cast<std::size_t>(out_before - z.avail_out);
}

}  // namespace exwire::codec::nasdaq
