#include <exwire/engine/config.hpp>

#include <cstdio>
#include <fstream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

using namespace exwire::engine;
using ::testing::HasSubstr;

namespace {

std::string error_of(std::string_view text) {
    auto r = parse_config(text, "t.toml");
    EXPECT_FALSE(r.ok()) << "expected an error for:\n" << text;
    return r.ok() ? std::string{} : r.err().message;
}

constexpr std::string_view server = R"(
[[session]]
name = "a"
protocol = "soupbintcp"
role = "server"
listen = "127.0.0.1:15000"
)";

}  // namespace

TEST(config, parses_the_embedded_default_config) {
    auto r = parse_config(default_config_toml, "default");
    ASSERT_TRUE(r.ok()) << r.err().message;
    EXPECT_EQ(r->name, "demo");
    ASSERT_EQ(r->shards.size(), 2u);
    ASSERT_EQ(r->sessions.size(), 4u);
    EXPECT_EQ(r->sessions[1].protocol, protocol_kind::ouch);
    EXPECT_EQ(r->sessions[1].role, session_role::client);
    EXPECT_EQ(r->sessions[1].connect.port, 15000);
    EXPECT_EQ(r->sessions[1].journal.durability, durability_policy::periodic);
    EXPECT_EQ(r->sessions[1].journal.sync_interval_ns, 100'000'000);
    EXPECT_EQ(r->sessions[1].reconnect.max_delay_ns, 2'000'000'000);
    EXPECT_EQ(r->sessions[3].request_server.port, 30002);
}

TEST(config, empty_file_gives_one_default_shard_and_no_session) {
    auto r = parse_config("", "t.toml");
    ASSERT_TRUE(r.ok()) << r.err().message;
    ASSERT_EQ(r->shards.size(), 1u);
    EXPECT_EQ(r->shards[0].name, "main");
    EXPECT_EQ(r->shards[0].idle, "backoff");
    EXPECT_EQ(r->shards[0].transport, transport_kind::socket);
    EXPECT_TRUE(r->sessions.empty());
}

TEST(config, session_without_shard_goes_to_the_first_shard_and_keeps_defaults) {
    auto r = parse_config(std::string("[[shard]]\nname = \"s1\"\n[[shard]]\nname = \"s2\"\n") +
                          std::string(server));
    ASSERT_TRUE(r.ok()) << r.err().message;
    const session_config& s = r->sessions[0];
    EXPECT_EQ(s.shard, "s1");
    EXPECT_EQ(s.heartbeat.interval_ns, 1'000'000'000);
    EXPECT_EQ(s.heartbeat.tolerated_misses, 15u);
    EXPECT_EQ(s.heartbeat.on_silence, silence_action::close);
    EXPECT_EQ(s.journal.dir, "journal");
    EXPECT_EQ(s.journal.durability, durability_policy::none);
    EXPECT_EQ(s.inbound_ring_size, 1u << 20);
    EXPECT_EQ(s.listen.host, "127.0.0.1");
}

TEST(config, reads_every_shard_key) {
    auto r = parse_config(R"(
[[shard]]
name = "md"
cpus = "0"
idle = "sleep:1ms"
transport = "dpdk"
dpdk_eal_args = ["--no-huge", "--vdev=net_ring0"]
fifo_priority = 10
)");
    ASSERT_TRUE(r.ok()) << r.err().message;
    const shard_config& s = r->shards[0];
    EXPECT_EQ(s.cpus, "0");
    EXPECT_EQ(s.idle, "sleep:1ms");
    EXPECT_EQ(s.transport, transport_kind::dpdk);
    ASSERT_EQ(s.dpdk_eal_args.size(), 2u);
    EXPECT_EQ(s.dpdk_eal_args[1], "--vdev=net_ring0");
    EXPECT_EQ(s.fifo_priority, 10);
}

TEST(config, reads_nested_session_tables_in_section_form) {
    auto r = parse_config(std::string(server) + R"(
[session.heartbeat]
interval = "250ms"
tolerated_misses = 3
on_silence = "notify"
stop_on_trip = false
[session.journal]
dir = "/var/lib/exwire"
durability = "sync"
segment_size = 1048576
[session.reconnect]
enabled = false
attempts = 5
)");
    ASSERT_TRUE(r.ok()) << r.err().message;
    const session_config& s = r->sessions[0];
    EXPECT_EQ(s.heartbeat.interval_ns, 250'000'000);
    EXPECT_EQ(s.heartbeat.tolerated_misses, 3u);
    EXPECT_EQ(s.heartbeat.on_silence, silence_action::notify);
    EXPECT_FALSE(s.heartbeat.stop_on_trip);
    EXPECT_EQ(s.journal.durability, durability_policy::sync);
    EXPECT_EQ(s.journal.segment_size, 1048576u);
    EXPECT_FALSE(s.reconnect.enabled);
    EXPECT_EQ(s.reconnect.attempts, 5u);
}

TEST(config, reports_toml_syntax_errors_with_line_and_column) {
    const std::string e = error_of("[engine]\nname = \"x\nother = 1\n");
    EXPECT_THAT(e, HasSubstr("t.toml:2:"));
    EXPECT_THAT(e, HasSubstr("TOML syntax error"));
}

TEST(config, rejects_an_unknown_key_with_its_location_and_path) {
    const std::string e = error_of(std::string(server) + "hearbeat_interval = \"1s\"\n");
    EXPECT_THAT(e, HasSubstr("t.toml:7:1: session[0].hearbeat_interval: unknown key (known here:"));
    EXPECT_THAT(e, HasSubstr("heartbeat"));
}

TEST(config, rejects_an_unknown_key_in_a_nested_table) {
    const std::string e =
        error_of(std::string(server) + "heartbeat = { interval = \"1s\", misses = 3 }\n");
    EXPECT_THAT(e, HasSubstr("t.toml:7:32: session[0].heartbeat.misses: unknown key"));
}

TEST(config, rejects_an_unknown_top_level_section) {
    EXPECT_THAT(error_of("[engin]\nname = \"x\"\n"), HasSubstr("t.toml:1:2: engin: unknown key"));
}

TEST(config, rejects_a_wrong_type_naming_expected_and_found) {
    EXPECT_THAT(error_of("[[shard]]\nname = 7\n"),
                HasSubstr("t.toml:2:8: shard[0].name: expected a string, found an integer"));
    EXPECT_THAT(
        error_of("[engine]\nlock_memory = \"yes\"\n"),
        HasSubstr(
            "t.toml:2:15: engine.lock_memory: expected a boolean (true or false), found a string"));
    EXPECT_THAT(
        error_of(std::string(server) + "heartbeat = { interval = 5 }\n"),
        HasSubstr("session[0].heartbeat.interval: expected a duration string such as \"1s\""));
    EXPECT_THAT(error_of("shard = 3\n"),
                HasSubstr("t.toml:1:9: shard: expected an array of tables"));
}

TEST(config, rejects_an_enumerated_value_that_is_not_in_the_list) {
    EXPECT_THAT(
        error_of("[[shard]]\ntransport = \"epoll\"\n"),
        HasSubstr(
            "t.toml:2:13: shard[0].transport: 'epoll' is not one of: io_uring, socket, dpdk"));
    EXPECT_THAT(
        error_of(std::string(server) + "journal = { durability = \"always\" }\n"),
        HasSubstr("session[0].journal.durability: 'always' is not one of: none, periodic, sync"));
}

TEST(config, rejects_a_cpu_that_does_not_exist) {
    const std::string e = error_of("[[shard]]\nname = \"s\"\ncpus = \"200\"\n");
    EXPECT_THAT(e, HasSubstr("t.toml:3:8: shard[0].cpus: cpu 200 (from '200') does not exist: this "
                             "machine has cpus 0-"));
    EXPECT_THAT(e, HasSubstr("does not exist"));
}

TEST(config, rejects_bad_cpu_list_syntax) {
    EXPECT_THAT(error_of("[[shard]]\ncpus = \"3-1\"\n"),
                HasSubstr("shard[0].cpus: cpu list '3-1': range '3-1' runs backwards"));
}

TEST(config, rejects_an_unknown_idle_strategy) {
    EXPECT_THAT(error_of("[[shard]]\nidle = \"spin\"\n"),
                HasSubstr("t.toml:2:8: shard[0].idle: unknown idle strategy 'spin'"));
}

TEST(config, rejects_two_sessions_listening_on_one_port) {
    const std::string e = error_of(std::string(server) + R"(
[[session]]
name = "b"
protocol = "ouch"
role = "server"
listen = "0.0.0.0:15000"
)");
    EXPECT_THAT(e, HasSubstr("t.toml:12:10: session[1].listen: TCP port 15000 is already used by "
                             "session 'a' (session[0].listen)"));
}

TEST(config, allows_one_port_on_two_distinct_hosts_or_tcp_and_udp) {
    auto r = parse_config(std::string(server) + R"(
[[session]]
name = "b"
protocol = "ouch"
role = "server"
listen = "127.0.0.2:15000"
[[session]]
name = "c"
protocol = "moldudp64"
role = "publisher"
group = "127.0.0.1:30001"
listen = "127.0.0.1:15000"
)");
    EXPECT_TRUE(r.ok()) << r.err().message;
}

TEST(config, rejects_a_session_naming_a_missing_shard) {
    EXPECT_THAT(error_of(std::string(server) + "shard = \"nope\"\n"),
                HasSubstr("t.toml:7:9: session[0].shard: no shard named 'nope' (shards: main)"));
}

TEST(config, rejects_duplicate_names) {
    EXPECT_THAT(error_of("[[shard]]\nname = \"x\"\n[[shard]]\nname = \"x\"\n"),
                HasSubstr("t.toml:4:8: shard[1].name: shard 'x' is already defined as shard[0]"));
    EXPECT_THAT(error_of(std::string(server) + std::string(server)),
                HasSubstr("session[1].name: session 'a' is already defined as session[0]"));
}

TEST(config, rejects_a_missing_session_name_at_the_session_table) {
    EXPECT_THAT(error_of("[[session]]\nrole = \"client\"\nconnect = \"127.0.0.1:1\"\n"),
                HasSubstr("t.toml:1:1: session[0].name: is required"));
}

TEST(config, rejects_a_role_the_protocol_does_not_have) {
    EXPECT_THAT(error_of("[[session]]\nname = \"m\"\nprotocol = \"moldudp64\"\nrole = "
                         "\"client\"\nconnect = \"127.0.0.1:5\"\n"),
                HasSubstr("t.toml:4:8: session[0].role: a moldudp64 session cannot be a client; "
                          "use publisher or receiver"));
}

TEST(config, rejects_a_role_without_its_address) {
    EXPECT_THAT(error_of("[[session]]\nname = \"c\"\nrole = \"client\"\n"),
                HasSubstr("session[0].connect: a client needs an address to connect to"));
    EXPECT_THAT(
        error_of("[[session]]\nname = \"r\"\nprotocol = \"moldudp64\"\nrole = \"receiver\"\n"),
        HasSubstr("session[0].group: a receiver needs a group address"));
}

TEST(config, rejects_malformed_addresses) {
    EXPECT_THAT(error_of("[[session]]\nname = \"c\"\nconnect = \"localhost\"\n"),
                HasSubstr("t.toml:3:11: session[0].connect: 'localhost' is not an address"));
    EXPECT_THAT(error_of("[[session]]\nname = \"c\"\nconnect = \"127.0.0.1:70000\"\n"),
                HasSubstr("has no valid port"));
    EXPECT_THAT(error_of("[[session]]\nname = \"c\"\nconnect = \"::1:80\"\n"),
                HasSubstr("in brackets"));
}

TEST(config, rejects_tcp_sessions_on_a_dpdk_shard) {
    EXPECT_THAT(
        error_of(std::string("[[shard]]\nname = \"d\"\ntransport = \"dpdk\"\n") +
                 std::string(server)),
        HasSubstr(
            "session[0].shard: shard 'd' uses transport \"dpdk\", which carries only MoldUDP64"));
}

TEST(config, rejects_eal_args_on_a_non_dpdk_shard) {
    EXPECT_THAT(
        error_of("[[shard]]\ndpdk_eal_args = [\"--no-huge\"]\n"),
        HasSubstr("t.toml:2:17: shard[0].dpdk_eal_args: only applies to transport \"dpdk\""));
}

TEST(config, rejects_soupbintcp_credentials_that_do_not_fit) {
    const std::string e =
        error_of(std::string(server) + "username = \"toolong1\"\npassword = \"01234567890\"\n");
    EXPECT_THAT(
        e, HasSubstr("session[0].username: 'toolong1' is longer than SoupBinTCP's 6 characters"));
    EXPECT_THAT(e, HasSubstr("session[0].password: is longer than SoupBinTCP's 10 characters"));
    EXPECT_THAT(e, ::testing::Not(HasSubstr("01234567890")));  // never echo a password
}

TEST(config, rejects_fix_sessions_without_comp_ids) {
    const std::string e = error_of(
        "[[session]]\nname = \"f\"\nprotocol = \"fix\"\nrole = \"initiator\"\n"
        "connect = \"127.0.0.1:9878\"\nfix_version = \"FIX.5.0\"\n");
    EXPECT_THAT(e, HasSubstr("session[0].sender_comp_id: a FIX session needs a SenderCompID"));
    EXPECT_THAT(e, HasSubstr("session[0].target_comp_id: a FIX session needs a TargetCompID"));
    EXPECT_THAT(e, HasSubstr("t.toml:6:15: session[0].fix_version: 'FIX.5.0' is not one of"));
}

TEST(config, rejects_impossible_sizes_and_durations) {
    EXPECT_THAT(
        error_of(std::string(server) + "inbound_ring_size = 5000\n"),
        HasSubstr("t.toml:7:21: session[0].inbound_ring_size: 5000 must be a power of two"));
    EXPECT_THAT(error_of(std::string(server) + "heartbeat = { interval = \"0s\" }\n"),
                HasSubstr("session[0].heartbeat.interval: must be above zero"));
    EXPECT_THAT(error_of(std::string(server) + "heartbeat = { interval = \"1 s\" }\n"),
                HasSubstr("session[0].heartbeat.interval: '1 s' has unknown unit"));
    EXPECT_THAT(
        error_of(std::string(server) + "reconnect = { delay = \"2s\", max_delay = \"1s\" }\n"),
        HasSubstr("session[0].reconnect.max_delay: must not be below reconnect.delay"));
    EXPECT_THAT(error_of("[[shard]]\nfifo_priority = 100\n"),
                HasSubstr("t.toml:2:17: shard[0].fifo_priority: 100 is out of range (0 to 99)"));
    EXPECT_THAT(error_of(std::string(server) + "journal = { segment_size = 1000 }\n"),
                HasSubstr("session[0].journal.segment_size: 1000 must be a multiple of 4096"));
}

TEST(config, reports_every_error_not_only_the_first) {
    const std::string e = error_of("[[shard]]\nname = 1\ntransport = \"x\"\nbogus = true\n");
    EXPECT_THAT(e, HasSubstr("shard[0].name"));
    EXPECT_THAT(e, HasSubstr("shard[0].transport"));
    EXPECT_THAT(e, HasSubstr("shard[0].bogus"));
    EXPECT_EQ(std::count(e.begin(), e.end(), '\n'), 2);
}

TEST(config, validates_a_configuration_built_in_code) {
    engine_config c;
    session_config s;
    s.name = "x";
    s.role = session_role::client;
    s.shard = "missing";
    c.sessions.push_back(s);
    auto r = validate(c);
    ASSERT_FALSE(r.ok());
    EXPECT_THAT(r.err().message, HasSubstr("session[0].shard: no shard named 'missing'"));
    EXPECT_THAT(r.err().message, HasSubstr("session[0].connect: a client needs an address"));

    c.sessions[0].shard.clear();
    c.sessions[0].connect = *parse_endpoint("[::1]:15000");
    ASSERT_TRUE(validate(c).ok());
    EXPECT_EQ(c.shards.size(), 1u);
    EXPECT_EQ(c.sessions[0].shard, "main");
    EXPECT_EQ(c.sessions[0].connect.to_string(), "[::1]:15000");
}

TEST(config, load_config_names_a_missing_file) {
    auto r = load_config("/nonexistent/exwire.toml");
    ASSERT_FALSE(r.ok());
    EXPECT_THAT(r.err().message, HasSubstr("/nonexistent/exwire.toml: cannot open"));
}

TEST(config, load_config_reports_the_file_name) {
    const std::string path = ::testing::TempDir() + "exwire_config_test.toml";
    {
        std::ofstream out(path);
        out << "[[shard]]\ncpus = \"4000\"\n";
    }
    auto r = load_config(path);
    std::remove(path.c_str());
    ASSERT_FALSE(r.ok());
    EXPECT_THAT(r.err().message, HasSubstr(path + ":2:8: shard[0].cpus"));
}
