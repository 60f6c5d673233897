#include <exwire/engine/shard.hpp>

#include <algorithm>
#include <atomic>
#include <exception>
#include <stdexcept>

#include <fmt/format.h>

#include <exwire/core/clock.hpp>
#include <exwire/core/thread.hpp>

namespace exwire::engine {

shard::shard(shard_config config) : config_(std::move(config)) {
    auto idle = idle_strategy::parse(config_.idle);
    if (!idle)
        throw std::invalid_argument(
            fmt::format("shard '{}': {}", config_.name, idle.err().message));
    idle_ = *idle;
}

shard::~shard() {
    stop();
}

void shard::add_session(detail::session_channel& ch) {
    if (ch.impl == nullptr)
        throw std::invalid_argument(
            fmt::format("session '{}' has no implementation", ch.config.name));
    if (ch.shard_owner != nullptr)
        throw std::logic_error(
            fmt::format("session '{}' already belongs to a shard", ch.config.name));
    ch.shard_owner = this;
    all_.push_back(&ch);
}

void shard::add_agent(agent& a) {
    agents_.push_back(&a);
}

void shard::add_agent_after(agent& a, std::string_view session) {
    for (const detail::session_channel* ch : all_) {
        if (ch->config.name == session) {
            agents_after_.emplace_back(ch, &a);
            return;
        }
    }
    throw std::logic_error(
        fmt::format("shard '{}': no session '{}' to step an agent after", config_.name, session));
}

void shard::begin(std::int64_t now_ns) {
    // Everything the loop touches is sized here, so passes never allocate.
    running_.clear();
    stopping_.clear();
    running_.reserve(all_.size());
    stopping_.reserve(all_.size());
    contexts_.clear();
    contexts_.reserve(all_.size());
    for (agent* a : agents_)
        a->on_shard_start(now_ns);
    for (detail::session_channel* ch : all_) {
        contexts_.emplace_back(*ch);
        ch->state.store(detail::lifecycle::running, std::memory_order_release);
        running_.push_back(ch);
        // on_start is cold and may throw (allocation, a library): that is a failed start of
        // this session, not the end of the shard.
        try {
            auto started = ch->impl->on_start(contexts_.back(), now_ns);
            if (!started)
                contexts_.back().finish(close_reason::start_failed, started.err().message);
        } catch (const std::exception& e) {
            contexts_.back().finish(close_reason::start_failed, e.what());
        }
    }
}

void shard::stop_session(detail::session_channel& ch, close_reason reason,
                         std::int64_t now_ns) noexcept {
    ch.impl->on_stop(reason, now_ns);
    ch.active.store(false, std::memory_order_release);
    ch.reason.store(static_cast<std::uint32_t>(reason), std::memory_order_release);
    ch.state.store(detail::lifecycle::stopped, std::memory_order_release);
}

bool shard::publish_final(detail::session_channel& ch, std::int64_t now_ns) noexcept {
    const std::string_view text(ch.finish_text, ch.finish_text_length);
    const ring_status s = session_context::emit_to(ch, record_type::closed, now_ns, 0,
                                                   ch.reason.load(std::memory_order_relaxed), text);
    if (s != ring_status::ok) return false;
    // Stored after the record's commit: a consumer seeing `finished` sees the record too.
    ch.state.store(detail::lifecycle::finished, std::memory_order_release);
    return true;
}

int shard::do_work(std::int64_t now_ns) noexcept {
    int work = 0;
    for (agent* a : agents_)
        work += a->do_work(now_ns);

    for (std::size_t i = 0; i < running_.size();) {
        detail::session_channel& ch = *running_[i];
        if (!ch.close_forwarded && ch.close_requested.load(std::memory_order_acquire)) {
            ch.close_forwarded = true;
            session_context ctx(ch);
            ch.impl->on_close_requested(ctx, now_ns);
            ++work;
        }
        if (!ch.finish_requested) work += ch.impl->do_work(now_ns);
        for (const auto& [after, a] : agents_after_)
            if (after == &ch) work += a->do_work(now_ns);
        if (ch.finish_requested) {
            stop_session(ch, ch.finish_reason, now_ns);
            running_[i] = running_.back();
            running_.pop_back();
            stopping_.push_back(&ch);
            ++work;
            continue;
        }
        ++i;
    }

    for (std::size_t i = 0; i < stopping_.size();) {
        if (publish_final(*stopping_[i], now_ns)) {
            stopping_[i] = stopping_.back();
            stopping_.pop_back();
            ++work;
            continue;
        }
        ++i;
    }
    passes_.fetch_add(1, std::memory_order_relaxed);
    return work;
}

void shard::end(std::int64_t now_ns) noexcept {
    for (detail::session_channel* ch : running_) {
        if (!ch->finish_requested) {
            ch->finish_requested = true;
            ch->finish_reason = close_reason::engine_stopped;
            ch->finish_text_length = 0;
        }
        stop_session(*ch, ch->finish_reason, now_ns);
        stopping_.push_back(ch);
    }
    running_.clear();
    for (detail::session_channel* ch : stopping_) {
        if (!publish_final(*ch, now_ns)) {
            // The application is not draining and the shard is going away: the reason stays
            // readable through session_handle::reason(); the queue ends without the record.
            ch->final_record_dropped.store(true, std::memory_order_relaxed);
            ch->counters.add(counter::records_dropped);
            ch->state.store(detail::lifecycle::finished, std::memory_order_release);
        }
    }
    stopping_.clear();
    for (agent* a : agents_)
        a->on_shard_stop(now_ns);
}

result<void> shard::start() {
    if (thread_.joinable()) return fail(fmt::format("shard '{}' is already running", config_.name));
    thread_options options;
    options.name = config_.name;
    if (!config_.cpus.empty()) {
        auto cpus = parse_cpu_list(config_.cpus);
        if (!cpus) return fail(fmt::format("shard '{}': {}", config_.name, cpus.err().message));
        options.cpus = std::move(*cpus);
    }
    if (config_.fifo_priority > 0) options.fifo_priority = config_.fifo_priority;

    std::atomic<bool> ready{false};
    auto t = start_thread(std::move(options), [this, &ready](std::stop_token stop) {
        begin(monotonic_ns());
        ready.store(true, std::memory_order_release);
        ready.notify_one();
        idle_strategy idle = idle_;
        while (!stop.stop_requested())
            idle.idle(do_work(monotonic_ns()));
        end(monotonic_ns());
    });
    if (!t) return fail(fmt::format("shard '{}': {}", config_.name, t.err().message));
    ready.wait(false, std::memory_order_acquire);
    thread_ = std::move(*t);
    return {};
}

void shard::stop() noexcept {
    if (!thread_.joinable()) return;
    thread_.request_stop();
    thread_.join();
}

}  // namespace exwire::engine
