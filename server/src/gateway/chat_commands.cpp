// Chat's commands, one registration each: reads run on the worker pool, writes are queued to the
// store's group-commit writer and answer from there (an ack, or the error that stored nothing).
#include "gateway/chat_commands.hpp"

#include "protocol/frames.hpp"

namespace parley::gateway {
namespace {

using protocol::decode;
using R = core::Result<std::string>;
constexpr auto kRequired = Commands::CidRule::kRequired;
constexpr auto kOptional = Commands::CidRule::kOptional;

// Answers a write from the writer thread: an ack, behind the events it made on the socket (so a
// client that has its ack also follows the rooms it joined), or the error that stored nothing.
chat::Done<chat::Ack> acked(const Call& call) {
  return [call](core::Result<chat::Ack> r) {
    if (r) {
      call.send_after_events(protocol::encode_ack(call.cid(), *r));
    } else {
      call.refuse(r.error());
    }
  };
}

}  // namespace

void install_chat_commands(Commands& t, chat::ChatService& chat, bus::Bus& bus, hub::Hub& hub) {
  using namespace protocol;
  auto online = [&bus](UserId id) { return bus.online(id); };

  // Reads.
  t.add("rooms", kOptional, &decode<ListRooms>, [&chat](const Call& call, ListRooms&) {
    call.read([&chat, call]() -> R {
      auto r = chat.rooms(call.user());
      if (!r) return r.error();
      return encode_rooms(call.cid(), *r);
    });
  });
  t.add("directory", kOptional, &decode<Directory>, [&chat](const Call& call, Directory& c) {
    call.read([&chat, call, c]() -> R {
      auto r = chat.directory(call.user(), c.query);
      if (!r) return r.error();
      return encode_directory(call.cid(), *r);
    });
  });
  t.add("users", kOptional, &decode<FindUsers>, [&chat, online](const Call& call, FindUsers& c) {
    call.read([&chat, call, c, online]() -> R {
      auto r = chat.users(call.user(), c.query);
      if (!r) return r.error();
      return encode_users(call.cid(), *r, online);
    });
  });
  // Presence: the people a client shows, beyond those its small rooms tell it of unasked.
  t.add("watch", kOptional, &decode<Watch>, [&chat, &hub, online](const Call& call, Watch& c) {
    call.read([&chat, &hub, call, c, online]() -> R {
      auto r = chat.watchable(call.user(), c.users);
      if (!r) return r.error();
      std::vector<UserId> ids;
      ids.reserve(r->size());
      for (const auto& u : *r) ids.push_back(u.id);
      // Watched before the answer reads who is online: a change after the read is a frame too.
      hub.watch(call.connection().local, std::move(ids));
      return encode_watching(call.cid(), *r, online);
    });
  });
  t.add("history", kOptional, &decode<History>, [&chat](const Call& call, History& c) {
    call.read([&chat, call, c]() -> R {
      auto r = chat.history(call.user(), c.room, c.before, c.limit);
      if (!r) return r.error();
      return encode_history(call.cid(), *r);
    });
  });
  t.add("sync", kOptional, &decode<Sync>, [&chat](const Call& call, Sync& c) {
    call.read([&chat, call, c]() -> R {
      auto r = chat.sync(call.user(), c.room, c.after, c.limit);
      if (!r) return r.error();
      return encode_sync(call.cid(), c.room, *r);
    });
  });
  t.add("thread", kOptional, &decode<Thread>, [&chat](const Call& call, Thread& c) {
    call.read([&chat, call, c]() -> R {
      auto r = chat.thread(call.user(), c.id, c.before, c.limit);
      if (!r) return r.error();
      return encode_thread(call.cid(), c.id, *r);
    });
  });
  t.add("edits", kOptional, &decode<Edits>, [&chat](const Call& call, Edits& c) {
    call.read([&chat, call, c]() -> R {
      auto r = chat.edits(call.user(), c.id);
      if (!r) return r.error();
      return encode_edits(call.cid(), c.id, r->versions, r->more);
    });
  });
  t.add("members", kOptional, &decode<Members>, [&chat, online](const Call& call, Members& c) {
    call.read([&chat, call, c, online]() -> R {
      auto r = chat.members(call.user(), c.room, {c.after, c.query, c.limit, c.users});
      if (!r) return r.error();
      return encode_members(call.cid(), c.room, *r, online);
    });
  });
  t.add("search", kOptional, &decode<Search>, [&chat](const Call& call, Search& c) {
    call.read([&chat, call, c]() -> R {
      auto r =
          chat.search(call.user(), {c.query, c.room, c.from, c.after, c.before, c.cursor, c.limit});
      if (!r) return r.error();
      return encode_search(call.cid(), *r);
    });
  });
  t.add("pins", kOptional, &decode<Pins>, [&chat](const Call& call, Pins& c) {
    call.read([&chat, call, c]() -> R {
      auto r = chat.pins(call.user(), c.room);
      if (!r) return r.error();
      return encode_pins(call.cid(), c.room, *r);
    });
  });
  t.add("groups", kOptional, &decode<ListGroups>, [&chat](const Call& call, ListGroups&) {
    call.read([&chat, call]() -> R {
      auto r = chat.groups(call.user());
      if (!r) return r.error();
      return encode_groups(call.cid(), *r);
    });
  });

  // Writes.
  t.add("create_room", kRequired, &decode<CreateRoom>, [&chat](const Call& call, CreateRoom& c) {
    chat.create_room(call.user(), c.cid, c.kind, std::move(c.name), std::move(c.topic),
                     std::move(c.members), c.group, acked(call));
  });
  t.add("direct", kRequired, &decode<OpenDirect>, [&chat](const Call& call, OpenDirect& c) {
    chat.open_direct(call.user(), c.cid, c.user, acked(call));
  });
  t.add("join", kRequired, &decode<Join>,
        [&chat](const Call& call, Join& c) { chat.join(call.user(), c.cid, c.room, acked(call)); });
  t.add("leave", kRequired, &decode<Leave>, [&chat](const Call& call, Leave& c) {
    chat.leave(call.user(), c.cid, c.room, acked(call));
  });
  t.add("invite", kRequired, &decode<Invite>, [&chat](const Call& call, Invite& c) {
    chat.invite(call.user(), c.cid, c.room, c.user, acked(call));
  });
  t.add("remove", kRequired, &decode<Remove>, [&chat](const Call& call, Remove& c) {
    chat.remove_member(call.user(), c.cid, c.room, c.user, acked(call));
  });
  t.add("update_room", kRequired, &decode<UpdateRoom>, [&chat](const Call& call, UpdateRoom& c) {
    chat.update_room(call.user(), c.cid, c.room, std::move(c.name), std::move(c.topic),
                     acked(call));
  });
  t.add("room_settings", kRequired, &decode<RoomSettings>,
        [&chat](const Call& call, RoomSettings& c) {
          chat.member_settings(call.user(), c.cid, c.room, c.settings, acked(call));
        });
  t.add("post", kRequired, &decode<Post>, [&chat](const Call& call, Post& c) {
    chat.post(call.user(), c.cid, c.room, std::move(c.text), c.reply_to,
              std::vector<store::FileId>(c.files.begin(), c.files.end()), acked(call));
  });
  t.add("edit", kRequired, &decode<Edit>, [&chat](const Call& call, Edit& c) {
    chat.edit(call.user(), c.cid, c.id, std::move(c.text), acked(call));
  });
  t.add("delete", kRequired, &decode<Delete>, [&chat](const Call& call, Delete& c) {
    chat.delete_message(call.user(), c.cid, c.id, acked(call));
  });
  t.add("pin", kRequired, &decode<Pin>, [&chat](const Call& call, Pin& c) {
    chat.pin(call.user(), c.cid, c.id, true, acked(call));
  });
  t.add("unpin", kRequired, &decode<Unpin>, [&chat](const Call& call, Unpin& c) {
    chat.pin(call.user(), c.cid, c.id, false, acked(call));
  });
  t.add("mute_member", kRequired, &decode<MuteMember>, [&chat](const Call& call, MuteMember& c) {
    chat.mute_member(call.user(), c.cid, c.room, c.user, c.minutes, acked(call));
  });
  t.add("react", kRequired, &decode<React>, [&chat](const Call& call, React& c) {
    chat.react(call.user(), c.cid, c.id, std::move(c.emoji), acked(call));
  });
  // Read positions: acknowledged only when the client gave a cid.
  auto mark = [&chat](bool read) {
    return [&chat, read](const Call& call, Mark& c) {
      chat.mark(call.user(), c.room, c.seq, read, [call](core::Result<chat::Ack> r) {
        if (!r) {
          call.refuse(r.error());
        } else if (call.cid()) {
          call.send_after_events(encode_ack(call.cid(), *r));
        }
      });
    };
  };
  t.add("read", kOptional, &decode<Mark>, mark(true));
  t.add("received", kOptional, &decode<Mark>, mark(false));
  t.add("create_group", kRequired, &decode<CreateGroup>, [&chat](const Call& call, CreateGroup& c) {
    chat.create_group(call.user(), c.cid, std::move(c.name), acked(call));
  });
  t.add("group_invite", kRequired, &decode<GroupInvite>, [&chat](const Call& call, GroupInvite& c) {
    chat.group_invite(call.user(), c.cid, c.group, c.user, acked(call));
  });
  t.add("group_remove", kRequired, &decode<GroupRemove>, [&chat](const Call& call, GroupRemove& c) {
    chat.group_remove(call.user(), c.cid, c.group, c.user, acked(call));
  });
  t.add("leave_group", kRequired, &decode<LeaveGroup>, [&chat](const Call& call, LeaveGroup& c) {
    chat.leave_group(call.user(), c.cid, c.group, acked(call));
  });
  t.add("delete_group", kRequired, &decode<DeleteGroup>, [&chat](const Call& call, DeleteGroup& c) {
    chat.delete_group(call.user(), c.cid, c.group, acked(call));
  });

  // Typing: following the room in the hub is being a member of it, so no database is needed.
  t.add("typing", kOptional, &decode<Typing>, [&bus, &hub](const Call& call, Typing& c) {
    const auto conn = call.connection();
    if (conn.node != hub.node() || !hub.follows(conn.local, c.room)) {
      call.send(encode_error(FrameError{"not_found", "No such room", call.cid(), "room"}));
      return;
    }
    bus::Message m;
    m.room = c.room;
    m.user = call.user();
    m.skip_user = true;
    m.frame = std::make_shared<const std::string>(
        encode_typing(c.room, call.user(), call.who().username));
    bus.publish(m);
  });
}

}  // namespace parley::gateway
