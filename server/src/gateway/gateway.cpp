// Frames in, service calls out, results back as frames. Reads run on the worker pool (they
// block on SQLite); writes are queued to the store's group-commit writer and answer from there.
#include "gateway/gateway.hpp"

#include <spdlog/spdlog.h>

#include "protocol/frames.hpp"

namespace parley::gateway {
namespace {

constexpr std::size_t kMaxPendingFrames = 64;  // sent before the socket is ready
constexpr std::string_view kVersion = "0.2.0";
constexpr std::uint16_t kCloseSignedOut = 4001;  // application range: the sign-in ended

using Frame = std::shared_ptr<const std::string>;

Frame frame(std::string s) {
  return std::make_shared<const std::string>(std::move(s));
}

template <class... F>
struct Overloaded : F... {
  using F::operator()...;
};
template <class... F>
Overloaded(F...) -> Overloaded<F...>;

}  // namespace

struct Gateway::Client final : hub::Subscriber {
  Client(std::shared_ptr<net::WsConnection> c, Principal p)
      : conn(std::move(c)), who(std::move(p)) {}
  void send(const Frame& f) override { conn->send(f); }
  void send(std::string s) { conn->send(frame(std::move(s))); }

  std::shared_ptr<net::WsConnection> conn;
  Principal who;
  std::mutex mu;
  bool ready = false;                // under mu
  std::vector<std::string> pending;  // under mu: frames that came before `hello`
};

void Publisher::publish(const chat::Event& event, const chat::MembershipChange& change) {
  bus::Message m;
  m.room = event.room;
  m.added = change.added;
  m.removed = change.removed;
  m.frame = frame(protocol::encode_event(event));
  bus_.publish(m);
}

void Publisher::receipt(chat::RoomId room, chat::UserId user, chat::Seq delivered, chat::Seq read) {
  bus::Message m;
  m.room = room;
  m.frame = frame(protocol::encode_receipt(room, user, delivered, read));
  bus_.publish(m);
}

void Publisher::groups_changed(const std::vector<chat::UserId>& users) {
  bus::Message m;
  m.kind = bus::Message::Kind::kUser;
  m.frame = frame(protocol::encode_groups_changed());
  for (auto user : users) {
    m.user = user;
    bus_.publish(m);
  }
}

Gateway::Gateway(chat::ChatService& chat, hub::Hub& hub, bus::Bus& bus, core::WorkerPool& pool,
                 Admit admit)
    : chat_(chat), hub_(hub), bus_(bus), pool_(pool), admit_(std::move(admit)) {}

Gateway::~Gateway() = default;

void Gateway::authorize(std::shared_ptr<const net::HttpRequest> upgrade,
                        std::function<void(net::WsAdmission)> done) {
  admit_(std::move(upgrade), std::move(done));
}

std::shared_ptr<Gateway::Client> Gateway::find(std::uint64_t conn) {
  std::lock_guard lock(mu_);
  auto it = clients_.find(conn);
  return it == clients_.end() ? nullptr : it->second;
}

void Gateway::on_open(const std::shared_ptr<net::WsConnection>& conn, const net::HttpRequest&,
                      const std::shared_ptr<const void>& principal) {
  auto who = std::static_pointer_cast<const Principal>(principal);
  auto client = std::make_shared<Client>(conn, *who);
  {
    std::lock_guard lock(mu_);
    clients_[conn->id()] = client;
  }
  // Known to the hub before the snapshot of its rooms is taken: a membership change committed
  // after the snapshot reaches this socket through the hub.
  bool first = hub_.add(conn->id(), who->user, client);
  chat_.attach(who->user, [this, client, first](core::Result<std::vector<store::RoomSummary>> r) {
    if (!find(client->conn->id())) return;  // closed meanwhile: on_close has undone it all
    if (!r) {
      spdlog::error("socket of {} not attached: {}", client->who.username, r.error().message);
      client->conn->close(1011, "try again later");
      return;
    }
    std::vector<hub::RoomId> ids;
    for (const auto& room : *r) ids.push_back(room.room.id);
    hub_.follow(client->conn->id(), ids);
    if (first) {
      bus::Message m;
      m.kind = bus::Message::Kind::kPresence;
      m.user = client->who.user;
      m.rooms = ids;
      m.frame = frame(protocol::encode_presence(client->who.user, true, 0));
      bus_.publish(m);
    }
    ready(client, std::move(*r));
  });
}

void Gateway::ready(const std::shared_ptr<Client>& client, std::vector<store::RoomSummary> rooms) {
  store::UserBrief me{client->who.user, client->who.username, client->who.display_name, 0, {}};
  client->send(protocol::encode_hello(kVersion, me, rooms));
  std::vector<std::string> pending;
  {
    std::lock_guard lock(client->mu);
    client->ready = true;
    pending.swap(client->pending);
  }
  for (const auto& text : pending) dispatch(client, text);
}

void Gateway::on_message(const std::shared_ptr<net::WsConnection>& conn, std::string_view text) {
  auto client = find(conn->id());
  if (!client) return;
  {
    std::lock_guard lock(client->mu);
    if (!client->ready) {
      if (client->pending.size() >= kMaxPendingFrames) {
        conn->close(net::kClosePolicyViolation, "wait for hello");
      } else {
        client->pending.emplace_back(text);
      }
      return;
    }
  }
  dispatch(client, std::string(text));
}

void Gateway::on_close(const std::shared_ptr<net::WsConnection>& conn) {
  std::shared_ptr<Client> client;
  {
    std::lock_guard lock(mu_);
    auto it = clients_.find(conn->id());
    if (it == clients_.end()) return;
    client = std::move(it->second);
    clients_.erase(it);
  }
  auto rooms = hub_.rooms_of(conn->id());
  if (!hub_.remove(conn->id())) return;
  // The time is taken now, and only the latest going-offline of a user is announced: the pool
  // may run an earlier one late, after the user came back and left again.
  // Time and generation are taken together, so a later generation never carries an earlier time
  // (two sockets of a user may close at once on two I/O threads).
  const auto user = client->who.user;
  core::Millis at = 0;
  std::uint64_t generation = 0;
  {
    std::lock_guard lock(mu_);
    generation = ++offline_generation_[user];
    at = chat_.now();
  }
  pool_.post([this, user, at, generation, rooms = std::move(rooms)] {
    try {
      const auto stored = chat_.went_offline(user, at);
      {
        std::lock_guard lock(mu_);
        auto it = offline_generation_.find(user);
        if (it == offline_generation_.end() || it->second != generation) return;
        offline_generation_.erase(it);
      }
      if (hub_.online(user)) return;  // a new tab opened meanwhile
      bus::Message m;
      m.kind = bus::Message::Kind::kPresence;
      m.user = user;
      m.rooms = rooms;
      m.frame = frame(protocol::encode_presence(user, false, stored));
      bus_.publish(m);
    } catch (const std::exception& e) {
      spdlog::error("recording last seen failed: {}", e.what());
    }
  });
}

void Gateway::sessions_ended(chat::UserId user, std::int64_t session) {
  std::lock_guard lock(mu_);
  for (const auto& [id, client] : clients_) {
    if (client->who.user == user && (session == 0 || client->who.session == session)) {
      client->conn->close(kCloseSignedOut, "signed out");
    }
  }
}

void Gateway::profile_changed(chat::UserId user, std::string display_name, std::string avatar) {
  pool_.post([this, user, display_name = std::move(display_name), avatar = std::move(avatar)] {
    try {
      auto rooms = chat_.rooms(user);
      if (!rooms) return;
      bus::Message m;
      m.kind = bus::Message::Kind::kPresence;
      m.user = user;
      for (const auto& r : *rooms) m.rooms.push_back(r.room.id);
      m.frame = frame(protocol::encode_profile(user, display_name, avatar));
      bus_.publish(m);
    } catch (const std::exception& e) {
      spdlog::error("announcing a profile change failed: {}", e.what());
    }
  });
}

void Gateway::dispatch(const std::shared_ptr<Client>& client, const std::string& text) {
  auto decoded = protocol::decode(text);
  if (auto* error = std::get_if<protocol::FrameError>(&decoded)) {
    client->send(protocol::encode_error(*error));
    return;
  }
  const chat::UserId user = client->who.user;
  // Answers a write from the writer thread: an ack, or the error that stored nothing.
  auto acked = [client](protocol::Cid cid) {
    return [client, cid = std::move(cid)](core::Result<chat::Ack> r) {
      client->send(r ? protocol::encode_ack(cid, *r)
                     : protocol::encode_error(protocol::refusal(r.error(), cid)));
    };
  };
  // Runs a read on the pool and sends its answer (or its error).
  auto read = [this, client](protocol::Cid cid, auto fn) {
    pool_.post([client, cid = std::move(cid), fn = std::move(fn)] {
      try {
        auto answer = fn();
        client->send(answer ? std::move(*answer)
                            : protocol::encode_error(protocol::refusal(answer.error(), cid)));
      } catch (const std::exception& e) {
        spdlog::error("read for {} failed: {}", client->who.username, e.what());
        client->send(protocol::encode_error(
            protocol::FrameError{"internal", "The server failed; try again", cid, ""}));
      }
    });
  };
  auto online = [this](protocol::Id id) { return hub_.online(id); };
  using R = core::Result<std::string>;
  std::visit(
      Overloaded{
          [&](protocol::Ping& c) { client->send(protocol::encode_pong(c.cid)); },
          [&](protocol::ListRooms& c) {
            read(c.cid, [this, user, cid = c.cid]() -> R {
              auto r = chat_.rooms(user);
              if (!r) return r.error();
              return protocol::encode_rooms(cid, *r);
            });
          },
          [&](protocol::Directory& c) {
            read(c.cid, [this, user, c]() -> R {
              auto r = chat_.directory(user, c.query);
              if (!r) return r.error();
              return protocol::encode_directory(c.cid, *r);
            });
          },
          [&](protocol::FindUsers& c) {
            read(c.cid, [this, c, online]() -> R {
              auto r = chat_.users(c.query);
              if (!r) return r.error();
              return protocol::encode_users(c.cid, *r, online);
            });
          },
          [&](protocol::CreateRoom& c) {
            chat_.create_room(user, c.cid, c.kind, std::move(c.name), std::move(c.topic),
                              std::move(c.members), c.group, acked(c.cid));
          },
          [&](protocol::OpenDirect& c) { chat_.open_direct(user, c.cid, c.user, acked(c.cid)); },
          [&](protocol::Join& c) { chat_.join(user, c.cid, c.room, acked(c.cid)); },
          [&](protocol::Leave& c) { chat_.leave(user, c.cid, c.room, acked(c.cid)); },
          [&](protocol::Invite& c) { chat_.invite(user, c.cid, c.room, c.user, acked(c.cid)); },
          [&](protocol::Remove& c) {
            chat_.remove_member(user, c.cid, c.room, c.user, acked(c.cid));
          },
          [&](protocol::UpdateRoom& c) {
            chat_.update_room(user, c.cid, c.room, std::move(c.name), std::move(c.topic),
                              acked(c.cid));
          },
          [&](protocol::RoomSettings& c) {
            chat_.member_settings(user, c.cid, c.room, c.settings, acked(c.cid));
          },
          [&](protocol::Post& c) {
            chat_.post(user, c.cid, c.room, std::move(c.text), c.reply_to,
                       std::vector<store::FileId>(c.files.begin(), c.files.end()), acked(c.cid));
          },
          [&](protocol::Edit& c) {
            chat_.edit(user, c.cid, c.id, std::move(c.text), acked(c.cid));
          },
          [&](protocol::Delete& c) { chat_.delete_message(user, c.cid, c.id, acked(c.cid)); },
          [&](protocol::React& c) {
            chat_.react(user, c.cid, c.id, std::move(c.emoji), acked(c.cid));
          },
          [&](protocol::Mark& c) {
            chat_.mark(user, c.room, c.seq, c.read,
                       [client, cid = c.cid](core::Result<chat::Ack> r) {
                         if (!r) {
                           client->send(protocol::encode_error(protocol::refusal(r.error(), cid)));
                         } else if (cid) {
                           client->send(protocol::encode_ack(cid, *r));
                         }
                       });
          },
          [&](protocol::History& c) {
            read(c.cid, [this, user, c]() -> R {
              auto r = chat_.history(user, c.room, c.before, c.limit);
              if (!r) return r.error();
              return protocol::encode_history(c.cid, *r);
            });
          },
          [&](protocol::Sync& c) {
            read(c.cid, [this, user, c]() -> R {
              auto r = chat_.sync(user, c.room, c.after, c.limit);
              if (!r) return r.error();
              return protocol::encode_sync(c.cid, c.room, *r);
            });
          },
          [&](protocol::Thread& c) {
            read(c.cid, [this, user, c]() -> R {
              auto r = chat_.thread(user, c.id, c.before, c.limit);
              if (!r) return r.error();
              return protocol::encode_thread(c.cid, c.id, *r);
            });
          },
          [&](protocol::Edits& c) {
            read(c.cid, [this, user, c]() -> R {
              auto r = chat_.edits(user, c.id);
              if (!r) return r.error();
              return protocol::encode_edits(c.cid, c.id, *r);
            });
          },
          [&](protocol::Members& c) {
            read(c.cid, [this, user, c, online]() -> R {
              auto r = chat_.members(user, c.room);
              if (!r) return r.error();
              return protocol::encode_members(c.cid, c.room, *r, online);
            });
          },
          [&](protocol::CreateGroup& c) {
            chat_.create_group(user, c.cid, std::move(c.name), acked(c.cid));
          },
          [&](protocol::ListGroups& c) {
            read(c.cid, [this, user, cid = c.cid]() -> R {
              auto r = chat_.groups(user);
              if (!r) return r.error();
              return protocol::encode_groups(cid, *r);
            });
          },
          [&](protocol::GroupInvite& c) {
            chat_.group_invite(user, c.cid, c.group, c.user, acked(c.cid));
          },
          [&](protocol::GroupRemove& c) {
            chat_.group_remove(user, c.cid, c.group, c.user, acked(c.cid));
          },
          [&](protocol::LeaveGroup& c) { chat_.leave_group(user, c.cid, c.group, acked(c.cid)); },
          [&](protocol::DeleteGroup& c) { chat_.delete_group(user, c.cid, c.group, acked(c.cid)); },
          [&](protocol::Typing& c) {
            // Following the room in the hub is being a member of it: no database needed.
            if (!hub_.follows(client->conn->id(), c.room)) {
              client->send(protocol::encode_error(
                  protocol::FrameError{"not_found", "No such room", c.cid, "room"}));
              return;
            }
            bus::Message m;
            m.room = c.room;
            m.user = user;
            m.skip_user = true;
            m.frame = frame(protocol::encode_typing(c.room, user, client->who.username));
            bus_.publish(m);
          },
      },
      std::get<protocol::Command>(decoded));
}

}  // namespace parley::gateway
