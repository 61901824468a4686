// E-mail delivery over SMTP with libcurl; with no server configured, the mail is logged instead,
// so a single-machine install still gets its confirmation and reset links.
#pragma once

#include <string>

#include "core/email.hpp"
#include "core/result.hpp"

namespace parley::notify {

struct SmtpOptions {
  std::string url;  // smtp://host:port or smtps://host:port; "" = log instead of sending
  std::string user;
  std::string password;
  std::string from;
  bool require_tls = false;
};

class Mailer {
 public:
  explicit Mailer(SmtpOptions options);
  // Blocking: run it on a worker pool.
  core::Result<bool> send(const core::Email& email) const;
  bool logs_only() const { return options_.url.empty(); }

 private:
  SmtpOptions options_;
};

// The RFC 5322 message for `email` (headers and CRLF line endings); exposed for tests.
std::string format_message(const core::Email& email, const std::string& from,
                           const std::string& date, const std::string& message_id);

}  // namespace parley::notify
