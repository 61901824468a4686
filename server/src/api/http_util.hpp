// Internal to api/: the HTTP and JSON helpers every REST handler uses (defined in
// accounts_api.cpp).
#pragma once

#include <boost/json/object.hpp>

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "api/accounts_api.hpp"
#include "api/json_body.hpp"
#include "core/result.hpp"
#include "core/worker_pool.hpp"
#include "net/router.hpp"

namespace parley::api {

// The one shape of every REST error, with the status for its code.
net::HttpResponse error_response(const core::Error& e);
net::HttpResponse bad_request(const BadRequest& b);
// Parses a JSON object body; throws BadRequest with a message that says what is wrong.
boost::json::object parse_object(const net::HttpRequest& req);
bool mutating(const net::HttpRequest& req);
// A refusal for a state-changing request without the right CSRF token or from another site.
std::optional<net::HttpResponse> csrf_refusal(const net::HttpRequest& req,
                                              const ApiOptions& options);

// A user as the REST API shows it (docs/api.md).
boost::json::value user_json(const store::User& u);

using Work = std::function<net::HttpResponse(const net::HttpRequest&)>;
// Registers `work` to run on `pool` behind the CSRF check; bad input (BadRequest) and bugs become
// error responses.
void add_route(net::Router& router, core::WorkerPool& pool, const ApiOptions& options,
               const char* method, const char* path, Work work, bool prefix = false);

using AuthedWork =
    std::function<net::HttpResponse(const net::HttpRequest&, const auth::Authenticated&)>;
// `work` for the signed-in user of the request's session cookie; 401 when there is none.
Work signed_in_only(auth::AuthService& auth, AuthedWork work);

// The query parameter `key`, percent-decoded, or "".
std::string query_param(const net::HttpRequest& req, std::string_view key);

}  // namespace parley::api
