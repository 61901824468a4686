// SMTP through libcurl.
#include "notify/mailer.hpp"

#include <curl/curl.h>
#include <fmt/chrono.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <cstring>
#include <random>

namespace parley::notify {
namespace {

// Text for a header value: no line breaks may get through (header injection).
std::string header_safe(const std::string& s) {
  std::string out;
  for (char c : s) out += (c == '\r' || c == '\n') ? ' ' : c;
  return out;
}

// The bare address of "Name <addr>" or "addr".
std::string address_of(const std::string& from) {
  auto lt = from.find('<');
  auto gt = from.find('>', lt == std::string::npos ? 0 : lt);
  if (lt != std::string::npos && gt != std::string::npos) return from.substr(lt + 1, gt - lt - 1);
  return from;
}

struct Payload {
  std::string data;
  size_t offset = 0;
};

size_t read_payload(char* buffer, size_t size, size_t count, void* user) {
  auto* p = static_cast<Payload*>(user);
  size_t n = std::min(size * count, p->data.size() - p->offset);
  std::memcpy(buffer, p->data.data() + p->offset, n);
  p->offset += n;
  return n;
}

}  // namespace

std::string format_message(const core::Email& email, const std::string& from,
                           const std::string& date, const std::string& message_id) {
  std::string body;
  // CRLF line endings, and dot-stuffing is libcurl's job.
  for (char c : email.body) {
    if (c == '\n') {
      body += "\r\n";
    } else if (c != '\r') {
      body += c;
    }
  }
  return fmt::format(
      "Date: {}\r\nFrom: {}\r\nTo: {}\r\nSubject: {}\r\nMessage-ID: <{}>\r\nMIME-Version: 1.0\r\n"
      "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n{}",
      date, header_safe(from), header_safe(email.to), header_safe(email.subject), message_id, body);
}

Mailer::Mailer(SmtpOptions options) : options_(std::move(options)) {
  static const bool init = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  (void)init;
}

core::Result<bool> Mailer::send(const core::Email& email) const {
  if (logs_only()) {
    // No SMTP server configured: the operator reads the link from the log (documented in README).
    spdlog::info("e-mail (no SMTP configured) to {}: {}\n{}", email.to, email.subject, email.body);
    return true;
  }
  auto now = std::chrono::system_clock::now();
  std::string date = fmt::format("{:%a, %d %b %Y %H:%M:%S} +0000",
                                 fmt::gmtime(std::chrono::system_clock::to_time_t(now)));
  std::random_device rd;
  std::string id = fmt::format("{:x}.{:x}@parley", now.time_since_epoch().count(), rd());
  Payload payload{format_message(email, options_.from, date, id)};

  CURL* curl = curl_easy_init();
  if (!curl) return core::make_error(core::Errc::kInternal, "libcurl could not start");
  // fmt rather than "<" + s + ">": GCC 12 at -O3 flags the latter with a false -Wrestrict.
  std::string rcpt_to = fmt::format("<{}>", address_of(email.to));
  std::string mail_from = fmt::format("<{}>", address_of(options_.from));
  curl_slist* rcpt = curl_slist_append(nullptr, rcpt_to.c_str());
  curl_easy_setopt(curl, CURLOPT_URL, options_.url.c_str());
  curl_easy_setopt(curl, CURLOPT_MAIL_FROM, mail_from.c_str());
  curl_easy_setopt(curl, CURLOPT_MAIL_RCPT, rcpt);
  curl_easy_setopt(curl, CURLOPT_READFUNCTION, read_payload);
  curl_easy_setopt(curl, CURLOPT_READDATA, &payload);
  curl_easy_setopt(curl, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(curl, CURLOPT_USE_SSL, options_.require_tls ? CURLUSESSL_ALL : CURLUSESSL_TRY);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 60L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  if (!options_.user.empty()) {
    curl_easy_setopt(curl, CURLOPT_USERNAME, options_.user.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, options_.password.c_str());
  }
  CURLcode rc = curl_easy_perform(curl);
  curl_slist_free_all(rcpt);
  curl_easy_cleanup(curl);
  if (rc != CURLE_OK) {
    // The message is not logged: it holds a single-use secret link.
    spdlog::error("e-mail to {} failed: {}", email.to, curl_easy_strerror(rc));
    return core::make_error(core::Errc::kInternal, std::string("SMTP: ") + curl_easy_strerror(rc));
  }
  spdlog::info("e-mail sent to {}: {}", email.to, email.subject);
  return true;
}

}  // namespace parley::notify
