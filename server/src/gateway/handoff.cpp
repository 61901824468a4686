#include "gateway/handoff.hpp"

#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <deque>

#include "protocol/frames.hpp"

namespace parley::gateway {
namespace {

namespace json = boost::json;
constexpr std::size_t kMaxRemoteQueue = 64;  // reads of one remote socket waiting here

bus::ConnectionId parse_connection(std::string_view s) {
  bus::ConnectionId c;
  auto dot = s.find('.');
  if (dot == std::string_view::npos) return c;
  c.node = static_cast<bus::NodeId>(std::stoul(std::string(s.substr(0, dot))));
  c.local = ConnId{std::stoull(std::string(s.substr(dot + 1)))};
  return c;
}

}  // namespace

// A socket on another node whose commands run here.
class Handoff::RemoteSocket final : public Socket,
                                    public std::enable_shared_from_this<RemoteSocket> {
 public:
  RemoteSocket(bus::Bus& bus, bus::ConnectionId conn, Principal who)
      : bus_(bus), conn_(conn), who_(std::move(who)) {}
  void send(std::string frame) override {
    bus_.publish(bus::Message::to_connection(conn_, std::move(frame)));
  }
  void send_after_events(std::string frame) override { send(std::move(frame)); }
  const Principal& who() const override { return who_; }
  bus::ConnectionId address() const override { return conn_; }
  void read_in_turn(core::WorkerPool& pool, std::function<void()> work) override {
    {
      std::lock_guard lock(mu_);
      if (queue_.size() >= kMaxRemoteQueue) return;  // its own node bounds what it sends
      queue_.push_back(std::move(work));
      if (running_) return;
      running_ = true;
    }
    pool.post([self = shared_from_this()] { self->drain(); });
  }

 private:
  void drain() {
    for (;;) {
      std::function<void()> work;
      {
        std::lock_guard lock(mu_);
        if (queue_.empty()) {
          running_ = false;
          return;
        }
        work = std::move(queue_.front());
        queue_.pop_front();
      }
      work();
    }
  }
  bus::Bus& bus_;
  bus::ConnectionId conn_;
  Principal who_;
  std::mutex mu_;
  std::deque<std::function<void()>> queue_;  // under mu_
  bool running_ = false;                     // under mu_
};

Handoff::Handoff(std::string service, bus::Bus& bus, bus::NodeId node, core::WorkerPool& pool)
    : service_(std::move(service)), bus_(bus), node_(node), pool_(pool) {
  bus_.subscribe([this](const bus::Message& m) {
    if (m.kind == bus::Message::Kind::kNode && m.frame &&
        (m.connection.node == 0 || m.connection.node == node_)) {
      received(m);
    }
  });
}

Handoff::~Handoff() = default;

std::string Handoff::frame_text(const protocol::Fields& f) {
  return json::serialize(f.object());
}

void Handoff::on_message(std::function<void(RoomId, const json::object&)> fn) {
  on_message_ = std::move(fn);
}

void Handoff::on_closed_elsewhere(std::function<void(bus::ConnectionId)> fn) {
  on_closed_elsewhere_ = std::move(fn);
}

void Handoff::send(bus::NodeId to, RoomId room, const json::object& message) {
  json::object o = message;
  o["service"] = service_;
  o["from"] = node_;
  bus::Message m;
  m.kind = bus::Message::Kind::kNode;
  m.connection.node = to;
  m.room = room;
  m.frame = std::make_shared<const std::string>(json::serialize(o));
  bus_.publish(m);
}

void Handoff::hand_on(const Call& call, bus::NodeId to, const std::string& frame) {
  {
    std::lock_guard lock(mu_);
    handed_on_.insert(call.connection());
  }
  const auto& who = call.who();
  send(to, RoomId{},
       json::object{{"op", "command"},
                    {"conn", call.connection().str()},
                    {"user", who.user.value()},
                    {"session", who.session},
                    {"username", who.username},
                    {"display_name", who.display_name},
                    {"frame", frame}});
}

void Handoff::closed(bus::ConnectionId conn) {
  {
    std::lock_guard lock(mu_);
    if (handed_on_.erase(conn) == 0) return;
  }
  send(0, RoomId{}, json::object{{"op", "closed"}, {"conn", conn.str()}});
}

void Handoff::node_gone(bus::NodeId node) {
  std::lock_guard lock(mu_);
  std::erase_if(remote_, [node](const auto& r) { return r.first.node == node; });
}

void Handoff::received(const bus::Message& m) {
  boost::system::error_code ec;
  auto v = json::parse(*m.frame, ec);
  if (ec || !v.is_object()) return;
  const auto& o = v.as_object();
  auto service = o.if_contains("service");
  if (!service || !service->is_string() || service->as_string() != service_) return;
  try {
    const auto from = static_cast<bus::NodeId>(o.at("from").to_number<std::int64_t>());
    const auto& op = o.at("op").as_string();
    if (op == "command") {
      auto conn = parse_connection(o.at("conn").as_string());
      std::shared_ptr<RemoteSocket> socket;
      {
        std::lock_guard lock(mu_);
        auto& s = remote_[conn];
        if (!s) {
          s = std::make_shared<RemoteSocket>(
              bus_, conn,
              Principal{UserId{o.at("user").to_number<std::int64_t>()},
                        o.at("session").to_number<std::int64_t>(),
                        std::string(o.at("username").as_string()),
                        std::string(o.at("display_name").as_string())});
        }
        socket = s;
      }
      auto decoded = commands_.decode(o.at("frame").as_string());
      if (auto* d = std::get_if<Commands::Decoded>(&decoded)) {
        d->action(Call(socket, d->cid, pool_));
      } else {
        socket->send(protocol::encode_error(std::get<protocol::FrameError>(decoded)));
      }
    } else if (op == "closed") {
      if (from == node_) return;
      auto conn = parse_connection(o.at("conn").as_string());
      {
        std::lock_guard lock(mu_);
        remote_.erase(conn);
      }
      if (on_closed_elsewhere_) on_closed_elsewhere_(conn);
    } else if (on_message_) {
      on_message_(m.room, o);
    }
  } catch (const std::exception& e) {
    spdlog::warn("{}: a message from another node was not understood: {}", service_, e.what());
  }
}

}  // namespace parley::gateway
