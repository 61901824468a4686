#include "auth/oidc_signin.hpp"

#include <curl/curl.h>
#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <boost/url/parse.hpp>
#include <boost/url/url.hpp>

#include <cctype>

#include "auth/tokens.hpp"
#include "auth/validation.hpp"
#include "core/base64.hpp"

namespace parley::auth {
namespace {

namespace json = boost::json;
using core::Errc;
using core::make_error;

constexpr core::Millis kStateLife = 10 * 60 * 1000;
constexpr std::size_t kMaxAnswer = 1 << 20;

core::Error failed(std::string why) {
  return make_error(Errc::kUnauthorized, std::move(why));
}

size_t collect(char* data, size_t size, size_t n, void* out) {
  auto* s = static_cast<std::string*>(out);
  if (s->size() + size * n > kMaxAnswer) return 0;
  s->append(data, size * n);
  return size * n;
}

// One request to a provider: GET, or POST of a form with HTTP Basic client authentication.
std::pair<long, std::string> http(const std::string& url, bool allow_http,
                                  const std::string* form = nullptr,
                                  const std::string* user = nullptr,
                                  const std::string* password = nullptr) {
  std::string out;
  CURL* curl = curl_easy_init();
  if (!curl) return {0, out};
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &out);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 10L);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT, 10L);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, allow_http ? "http,https" : "https");
  curl_slist* headers = curl_slist_append(nullptr, "Accept: application/json");
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  if (form) {
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, form->c_str());
    curl_easy_setopt(curl, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(curl, CURLOPT_USERNAME, user->c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, password->c_str());
  }
  long status = 0;
  if (curl_easy_perform(curl) == CURLE_OK) curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_slist_free_all(headers);
  curl_easy_cleanup(curl);
  return {status, out};
}

std::optional<json::object> json_object(const std::string& body) {
  boost::system::error_code ec;
  auto v = json::parse(body, ec);
  if (ec || !v.is_object()) return std::nullopt;
  return v.as_object();
}

std::string str(const json::object& o, std::string_view key) {
  auto it = o.find(key);
  return it != o.end() && it->value().is_string() ? std::string(it->value().as_string())
                                                  : std::string();
}

std::string sha256_b64(const std::string& s) {
  unsigned char d[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(s.data()), s.size(), d);
  return core::base64url(std::string_view(reinterpret_cast<char*>(d), sizeof d));
}

std::string form_escape(const std::string& s) {
  char* e = curl_easy_escape(nullptr, s.data(), static_cast<int>(s.size()));
  std::string out = e ? e : "";
  curl_free(e);
  return out;
}

// A username from what the provider tells: its preferred username, the e-mail's local part or
// the name, cut to the username rules.
std::string username_hint(const oidc::IdToken& t) {
  std::string base = !t.preferred_username.empty() ? t.preferred_username
                     : !t.email.empty()            ? t.email.substr(0, t.email.find('@'))
                                                   : t.name;
  std::string out;
  for (unsigned char ch : base) {
    if (std::isalnum(ch) || ch == '.' || ch == '_' || ch == '-') {
      out += static_cast<char>(std::tolower(ch));
    }
  }
  while (!out.empty() && !std::isalnum(static_cast<unsigned char>(out.front()))) out.erase(0, 1);
  if (out.size() > 24) out.resize(24);
  if (out.size() < 3) out = "user" + out;
  return out;
}

}  // namespace

struct OidcSignIn::Discovered {
  std::string authorization_endpoint;
  std::string token_endpoint;
  std::string jwks_uri;
  oidc::KeySet keys;
  std::chrono::steady_clock::time_point fetched, keys_fetched;
};

OidcSignIn::OidcSignIn(store::Store& store, AuthService& auth, std::vector<OidcProvider> providers,
                       std::string public_url, bool allow_http, core::Clock clock)
    : store_(store),
      auth_(auth),
      providers_(std::move(providers)),
      public_url_(std::move(public_url)),
      allow_http_(allow_http),
      clock_(std::move(clock)) {
  static const bool init = curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
  (void)init;
}

OidcSignIn::~OidcSignIn() = default;

const OidcProvider* OidcSignIn::find(const std::string& id) const {
  for (const auto& p : providers_) {
    if (p.id == id) return &p;
  }
  return nullptr;
}

core::Result<std::shared_ptr<OidcSignIn::Discovered>> OidcSignIn::discover(const OidcProvider& p,
                                                                           bool refresh_keys) {
  auto now = std::chrono::steady_clock::now();
  std::shared_ptr<Discovered> d;
  {
    std::lock_guard lock(mu_);
    auto it = discovered_.find(p.id);
    if (it != discovered_.end() && now - it->second->fetched < std::chrono::hours(24)) {
      d = it->second;
    }
  }
  if (!d) {
    std::string well_known =
        p.issuer + (p.issuer.ends_with('/') ? "" : "/") + ".well-known/openid-configuration";
    auto [status, body] = http(well_known, allow_http_);
    auto doc = json_object(body);
    if (status != 200 || !doc) {
      spdlog::warn("OpenID discovery for {} failed ({})", p.id, status);
      return failed("The sign-in provider cannot be reached; try again later");
    }
    d = std::make_shared<Discovered>();
    d->authorization_endpoint = str(*doc, "authorization_endpoint");
    d->token_endpoint = str(*doc, "token_endpoint");
    d->jwks_uri = str(*doc, "jwks_uri");
    if (str(*doc, "issuer") != p.issuer || d->authorization_endpoint.empty() ||
        d->token_endpoint.empty() || d->jwks_uri.empty()) {
      return failed("The sign-in provider's configuration does not match its issuer");
    }
    d->fetched = now;
    refresh_keys = true;
  }
  // Keys again when asked (an unknown `kid`: the provider rotated them), at most once a minute.
  if (refresh_keys && (d->keys.size() == 0 || now - d->keys_fetched > std::chrono::minutes(1))) {
    auto [status, body] = http(d->jwks_uri, allow_http_);
    auto keys = oidc::KeySet::parse(body);
    if (status != 200 || !keys) return failed("The sign-in provider's keys cannot be read");
    auto fresh =
        std::make_shared<Discovered>(Discovered{d->authorization_endpoint, d->token_endpoint,
                                                d->jwks_uri, std::move(*keys), d->fetched, now});
    d = fresh;
  }
  std::lock_guard lock(mu_);
  discovered_[p.id] = d;
  return d;
}

std::string OidcSignIn::redirect_uri(const OidcProvider& p) const {
  return public_url_ + "/api/auth/oidc/" + p.id + "/callback";
}

core::Result<OidcSignIn::Start> OidcSignIn::start(const std::string& id, UserId link_user) {
  const auto* p = find(id);
  if (!p) return make_error(Errc::kNotFound, "No such sign-in provider");
  std::string authorize = p->authorization_endpoint;
  if (p->kind == OidcProvider::Kind::kOpenId) {
    auto d = discover(*p, false);
    if (!d) return d.error();
    authorize = (*d)->authorization_endpoint;
  }
  store::OidcState st;
  std::string state = random_token();
  st.state_hash = token_hash(state);
  st.provider = p->id;
  st.nonce = random_token();
  st.verifier = random_token();
  st.link_user = link_user;
  st.created_at = clock_();
  store_.create_oidc_state(st);
  auto url = boost::urls::parse_uri(authorize);
  if (!url) return failed("The sign-in provider's configuration is not usable");
  boost::urls::url u(*url);
  auto params = u.params();
  params.append({"response_type", "code"});
  params.append({"client_id", p->client_id});
  params.append({"redirect_uri", redirect_uri(*p)});
  params.append({"state", state});
  if (p->kind == OidcProvider::Kind::kFacebook) {
    // Facebook's login dialog: OAuth 2.0 scopes; the code is exchanged with the app secret.
    params.append({"scope", "email,public_profile"});
  } else {
    params.append({"scope", "openid email profile"});
    params.append({"nonce", st.nonce});
    params.append({"code_challenge", sha256_b64(st.verifier)});
    params.append({"code_challenge_method", "S256"});
  }
  return Start{std::string(u.buffer()), state};
}

core::Result<oidc::IdToken> OidcSignIn::openid_claims(const OidcProvider& p,
                                                      const std::string& code,
                                                      const store::OidcState& st) {
  auto d = discover(p, false);
  if (!d) return d.error();
  std::string form = "grant_type=authorization_code&code=" + form_escape(code) +
                     "&redirect_uri=" + form_escape(redirect_uri(p)) +
                     "&client_id=" + form_escape(p.client_id) +
                     "&code_verifier=" + form_escape(st.verifier);
  auto [status, body] =
      http((*d)->token_endpoint, allow_http_, &form, &p.client_id, &p.client_secret);
  auto answer = json_object(body);
  std::string id_token = answer ? str(*answer, "id_token") : "";
  if (status != 200 || id_token.empty()) {
    spdlog::warn("OpenID token request to {} failed ({})", p.id, status);
    return failed("The sign-in provider refused the sign-in");
  }
  auto kid = oidc::token_kid(id_token);
  if (kid && !(*d)->keys.has(*kid)) {
    auto again = discover(p, true);
    if (!again) return again.error();
    d = again;
  }
  oidc::Expected expect{p.issuer, p.client_id, st.nonce, clock_() / 1000, 60};
  return oidc::verify_id_token(id_token, (*d)->keys, expect);
}

// Facebook: the code for an access token (with the app secret), then who it belongs to from the
// Graph API, the call proven with `appsecret_proof` (HMAC-SHA256 of the token by the secret).
core::Result<oidc::IdToken> OidcSignIn::facebook_claims(const OidcProvider& p,
                                                        const std::string& code) {
  auto token_url = boost::urls::parse_uri(p.token_endpoint);
  auto me_url = boost::urls::parse_uri(p.userinfo_endpoint);
  if (!token_url || !me_url) return failed("The sign-in provider's configuration is not usable");
  boost::urls::url t(*token_url);
  t.params().append({"client_id", p.client_id});
  t.params().append({"redirect_uri", redirect_uri(p)});
  t.params().append({"client_secret", p.client_secret});
  t.params().append({"code", code});
  auto [status, body] = http(std::string(t.buffer()), allow_http_);
  auto answer = json_object(body);
  std::string access = answer ? str(*answer, "access_token") : "";
  if (status != 200 || access.empty() || access.size() > 4096) {
    spdlog::warn("Facebook token request for {} failed ({})", p.id, status);
    return failed("The sign-in provider refused the sign-in");
  }
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_len = 0;
  HMAC(EVP_sha256(), p.client_secret.data(), static_cast<int>(p.client_secret.size()),
       reinterpret_cast<const unsigned char*>(access.data()), access.size(), mac, &mac_len);
  std::string proof;
  for (unsigned i = 0; i < mac_len; ++i) proof += fmt::format("{:02x}", mac[i]);
  boost::urls::url me(*me_url);
  me.params().append({"fields", "id,name,email"});
  me.params().append({"access_token", access});
  me.params().append({"appsecret_proof", proof});
  auto [me_status, me_body] = http(std::string(me.buffer()), allow_http_);
  auto who = json_object(me_body);
  std::string subject = who ? str(*who, "id") : "";
  if (me_status != 200 || subject.empty() || subject.size() > 255) {
    spdlog::warn("Facebook Graph 'me' for {} failed ({})", p.id, me_status);
    return failed("The sign-in provider did not say who signed in");
  }
  oidc::IdToken out;
  out.issuer = p.id;
  out.subject = subject;
  out.email = str(*who, "email");
  // Facebook returns only a confirmed primary address (none without one), so it counts as
  // verified, as other chat and forum servers take it.
  out.email_verified = !out.email.empty();
  out.name = str(*who, "name");
  return out;
}

core::Result<OidcSignIn::Finished> OidcSignIn::finish(const std::string& id,
                                                      const std::string& code,
                                                      const std::string& state,
                                                      const std::string& cookie_state,
                                                      const Client& client) {
  const auto* p = find(id);
  if (!p) return make_error(Errc::kNotFound, "No such sign-in provider");
  // The state must be the one this browser was given, and used once, within its life.
  if (state.empty() || state.size() > 128 || cookie_state != state) {
    return failed("This sign-in did not start in this browser; try again");
  }
  auto st = store_.take_oidc_state(token_hash(state), clock_() - kStateLife);
  if (!st || st->provider != p->id) return failed("This sign-in link was used or has expired");
  if (code.empty() || code.size() > 2048) return failed("The sign-in provider sent no code");
  auto token = p->kind == OidcProvider::Kind::kFacebook ? facebook_claims(*p, code)
                                                        : openid_claims(*p, code, *st);
  if (!token) return token.error();

  Finished out;
  auto known = store_.find_identity(p->id, token->subject);
  if (st->link_user) {
    if (known && known->user != st->link_user) {
      return failed("That " + p->name + " account is linked to another Parley account");
    }
    if (!known) {
      auto linked = store_.link_identity(
          store::Identity{p->id, token->subject, st->link_user, token->email, clock_()});
      if (!linked) return failed(linked.error().message);
    }
    out.linked = true;
    return out;
  }
  if (known) {
    auto s = auth_.sign_in_user(known->user, client);
    if (!s) return s.error();
    out.signed_in = std::move(*s);
    return out;
  }
  // A verified address of an existing account: linked once that account's password is given
  // (confirm_link), never by the address alone.
  if (token->email_verified && !token->email.empty()) {
    if (auto other = store_.find_user_by_name_or_email(token->email);
        other && other->email_confirmed && !other->deactivated) {
      if (other->password_hash.empty()) {
        return failed(
            "An account with this e-mail address exists: sign in to it another way, "
            "then link " +
            p->name + " in your profile");
      }
      std::string link = random_token();
      store_.create_oidc_link(store::OidcLink{token_hash(link), p->id, token->subject, token->email,
                                              other->id, clock_()});
      out.link_token = std::move(link);
      return out;
    }
  }
  // A new person: an account of their own.
  auto s = auth_.register_external(username_hint(*token),
                                   token->name.empty() ? username_hint(*token) : token->name,
                                   token->email_verified ? token->email : "", client);
  if (!s) return s.error();
  auto linked = store_.link_identity(
      store::Identity{p->id, token->subject, s->user.id, token->email, clock_()});
  if (!linked) return failed(linked.error().message);
  out.signed_in = std::move(*s);
  return out;
}

core::Result<OidcSignIn::PendingLink> OidcSignIn::pending_link(const std::string& token) {
  auto gone = make_error(Errc::kNotFound, "This sign-in has expired; start it again");
  if (token.empty() || token.size() > 128) return gone;
  auto l = store_.find_oidc_link(token_hash(token), clock_() - kStateLife);
  if (!l) return gone;
  auto user = store_.find_user(l->user);
  const auto* p = find(l->provider);
  if (!user || !p) return gone;
  return PendingLink{p->name, user->username, l->email};
}

core::Result<SignedIn> OidcSignIn::confirm_link(const std::string& token,
                                                const std::string& password, const Client& client) {
  auto gone = make_error(Errc::kNotFound, "This sign-in has expired; start it again");
  if (token.empty() || token.size() > 128) return gone;
  auto l = store_.find_oidc_link(token_hash(token), clock_() - kStateLife);
  if (!l) return gone;
  auto user = store_.find_user(l->user);
  if (!user) return gone;
  auto known = store_.find_identity(l->provider, l->subject);
  if (known && known->user != user->id) {
    store_.delete_oidc_link(l->token_hash);
    return failed("That account of the provider is linked to another Parley account");
  }
  // The password as at sign-in: the same checks, counts and limits.
  auto s = auth_.login(user->username, password, client);
  if (!s) return s.error();
  store_.delete_oidc_link(l->token_hash);
  if (!known) {
    auto linked = store_.link_identity(
        store::Identity{l->provider, l->subject, user->id, l->email, clock_()});
    if (!linked) return failed(linked.error().message);
  }
  return s;
}

std::vector<store::Identity> OidcSignIn::identities(UserId user) {
  return store_.identities(user);
}

core::Result<bool> OidcSignIn::unlink(const store::User& user, const std::string& provider) {
  auto mine = store_.identities(user.id);
  bool has = std::any_of(mine.begin(), mine.end(),
                         [&](const store::Identity& i) { return i.provider == provider; });
  if (!has) return make_error(Errc::kNotFound, "That provider is not linked");
  auto full = store_.find_user(user.id);
  bool password = full && !full->password_hash.empty();
  if (!password && mine.size() < 2) {
    return make_error(Errc::kConflict,
                      "Set a password or link another provider first: this is your only way to "
                      "sign in");
  }
  store_.unlink_identity(user.id, provider);
  return true;
}

}  // namespace parley::auth
