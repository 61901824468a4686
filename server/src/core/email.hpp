// An e-mail to send: what auth/ asks for and notify/ delivers (wired together in main.cpp).
#pragma once

#include <functional>
#include <string>

namespace parley::core {

struct Email {
  std::string to;
  std::string subject;
  std::string body;  // plain text
};

using SendEmail = std::function<void(Email)>;

}  // namespace parley::core
