#pragma once
// Private to the engine: a session together with the journal store it uses, so the store
// outlives the session (the session is destroyed first). Used by the Nasdaq factories.

#include <memory>

#include <exwire/engine/nasdaq/sequenced_store.hpp>
#include <exwire/engine/session.hpp>

namespace exwire::engine::nasdaq {

class journaled_session final : public session {
  public:
    journaled_session(std::unique_ptr<sequenced_store> store, std::unique_ptr<session> inner)
        : store_(std::move(store)), inner_(std::move(inner)) {}
    ~journaled_session() override { inner_.reset(); }
    result<void> on_start(session_context& ctx, std::int64_t now_ns) override {
        return inner_->on_start(ctx, now_ns);
    }
    int do_work(std::int64_t now_ns) noexcept override { return inner_->do_work(now_ns); }
    void on_close_requested(session_context& ctx, std::int64_t now_ns) noexcept override {
        inner_->on_close_requested(ctx, now_ns);
    }
    void on_stop(close_reason reason, std::int64_t now_ns) noexcept override {
        inner_->on_stop(reason, now_ns);
    }

  private:
    std::unique_ptr<sequenced_store> store_;
    std::unique_ptr<session> inner_;
};

}  // namespace exwire::engine::nasdaq
