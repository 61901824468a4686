// The PostgreSQL store's message search (docs/protocol.md "search"), with SQLite's semantics:
// terms of 3+ characters anywhere in the text (ILIKE, served by the trigram index), shorter ones
// of spaced scripts as the start of a word (the 'simple' text-search index), the rest anywhere.
#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include "core/text.hpp"
#include "store/postgres/pg_chat.hpp"
#include "store/postgres/pg_store.hpp"
#include "store/postgres/pg_store_impl.hpp"

namespace parley::store {
namespace {

using codec::word_term;

// A tsquery matching words that start with `term`: 'term':*, quotes and backslashes escaped.
std::string word_prefix(std::string_view term) {
  std::string out = "'";
  for (char ch : term) {
    if (ch == '\'' || ch == '\\') out += ch == '\'' ? '\'' : '\\';
    out += ch;
  }
  return out + "':*";
}

}  // namespace

// Newest first through a cursor, a row at a time, each FETCH under what is left of the budget
// (statement_timeout): past it, the rows found so far are the (partial) answer.
SearchHits PgStore::search(const SearchQuery& q) {
  std::vector<std::string> anywhere, words;
  bool long_term = false;
  for (const auto& t : q.terms) {
    bool long_one = core::utf8_length(t) >= 3;
    long_term = long_term || long_one;
    (!long_one && word_term(t) ? words : anywhere).push_back(t);
  }
  // Beside a longer term (which the trigram index finds), a short one is checked anywhere.
  if (long_term) {
    anywhere.insert(anywhere.end(), words.begin(), words.end());
    words.clear();
  }
  std::vector<pg::Param> params;
  auto add = [&](pg::Param p) {
    params.push_back(std::move(p));
    return "$" + std::to_string(params.size());
  };
  std::string from = "messages m", where = "m.deleted = 0";
  if (!q.room) {
    from +=
        " JOIN members mb ON mb.room_id = m.room_id AND mb.user_id = " + add(pg::param(q.member));
  } else {
    where += " AND m.room_id = " + add(pg::param(q.room));
  }
  for (const auto& t : anywhere) {
    where += " AND m.text ILIKE " + add("%" + like_escape(t) + "%");
  }
  if (!words.empty()) {
    std::string query;
    for (const auto& w : words) query += (query.empty() ? "" : " & ") + word_prefix(w);
    where += " AND to_tsvector('simple', m.text) @@ to_tsquery('simple', " + add(query) + ")";
  }
  if (q.below) where += " AND m.id < " + add(pg::param(q.below));
  if (q.from) where += " AND m.author = " + add(pg::param(q.from));
  if (q.after) where += " AND m.created_at >= " + add(pg::param(q.after));
  if (q.before) where += " AND m.created_at < " + add(pg::param(q.before));
  auto sql = fmt::format(
      "DECLARE hits NO SCROLL CURSOR FOR SELECT m.id FROM {} WHERE {} ORDER BY "
      "m.id DESC LIMIT {}",
      from, where, add(pg::param(q.limit)));

  auto c = impl_->pool.take();
  SearchHits hits;
  std::vector<MessageId> ids;
  {
    pg::Transaction tx(*c, "BEGIN READ ONLY");
    c->exec(sql, params);
    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(q.budget_ms);
    while (ids.size() < static_cast<std::size_t>(q.limit)) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                      deadline - std::chrono::steady_clock::now())
                      .count();
      if (left <= 0) {
        hits.partial = true;
        break;
      }
      try {
        auto r = c->exec(
            fmt::format("SET LOCAL statement_timeout = {}; FETCH FORWARD 1 FROM hits", left));
        if (r.rows() == 0) break;
        ids.push_back(r.id<MessageId>(0, 0));
      } catch (const pg::PgError& e) {
        if (e.sqlstate() != "57014") throw;  // 57014: cancelled by statement_timeout
        hits.partial = true;
        break;
      }
    }
  }  // rolled back: nothing was written, and a cancelled FETCH ended the transaction anyway
  if (!ids.empty()) {
    // By the events' key, so the events are found through their primary key.
    hits.items = pgchat::query_events(*c,
                                      "WHERE (e.room_id, e.seq) IN (SELECT room_id, seq FROM "
                                      "messages WHERE id = ANY($1::bigint[]))",
                                      {pg::id_array(ids)});
    std::sort(hits.items.begin(), hits.items.end(),
              [](const Event& a, const Event& b) { return a.message > b.message; });
  }
  return hits;
}

}  // namespace parley::store
