// Result<T>: an expected failure (bad input, not found, forbidden...) as a value, in the spirit of
// LevelDB's Status. The protocol and API layers map an Error to an error frame or HTTP status.
#pragma once

#include <string>
#include <utility>
#include <variant>

namespace parley::core {

enum class Errc {
  kInvalid,       // malformed or out-of-range input
  kNotFound,      // no such thing (or not visible to the caller)
  kForbidden,     // the caller may not do this
  kConflict,      // would violate uniqueness or a state rule
  kUnauthorized,  // no valid session
  kRateLimited,   // too many attempts; try later
  kTooLarge,      // over a size bound
  kInternal,      // a bug or an I/O failure; logged where it happens
};

struct Error {
  Errc code;
  std::string message;
  std::string field;    // the input field it concerns, when there is one ("password")
  int retry_after = 0;  // seconds, for kRateLimited
};

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}      // NOLINT(google-explicit-constructor)
  Result(Error error) : v_(std::move(error)) {}  // NOLINT(google-explicit-constructor)

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

inline Error make_error(Errc code, std::string message, std::string field = {}) {
  return Error{code, std::move(message), std::move(field), 0};
}

}  // namespace parley::core
