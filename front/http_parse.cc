#include "front/http_parse.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "llhttp.h"

namespace llmgw::front {

struct RequestParser::Impl {
  llhttp_t parser;
  llhttp_settings_t settings;
  ParseLimits limits;
  HttpRequest request;
  std::string url;
  std::string field;
  std::string value;
  bool in_value = false;
  size_t head_bytes = 0;  // bytes of request line + headers seen so far
  size_t header_count = 0;
  bool head_done = false;
  bool complete = false;
  bool expect_continue = false;
  int error_status = 0;
  std::string error_message;

  static Impl* Of(llhttp_t* p) { return static_cast<Impl*>(p->data); }

  int Fail(int status, std::string message) {
    error_status = status;
    error_message = std::move(message);
    return HPE_USER;
  }
  void CommitHeader() {
    if (!in_value) return;
    std::string name = absl::AsciiStrToLower(field);
    auto [it, inserted] = request.head.headers.emplace(name, value);
    if (!inserted) absl::StrAppend(&it->second, ", ", value);
    field.clear();
    value.clear();
    in_value = false;
  }

  static int OnUrl(llhttp_t* p, const char* at, size_t n) {
    Impl* s = Of(p);
    if (s->url.size() + n > s->limits.max_request_line) {
      return s->Fail(414, absl::StrCat("request target exceeds ",
                                       s->limits.max_request_line, " bytes"));
    }
    s->url.append(at, n);
    return 0;
  }
  static int OnField(llhttp_t* p, const char* at, size_t n) {
    Impl* s = Of(p);
    if (s->in_value) s->CommitHeader();
    if (s->field.empty() && ++s->header_count > s->limits.max_headers) {
      return s->Fail(431, absl::StrCat("more than ", s->limits.max_headers,
                                       " request headers"));
    }
    s->field.append(at, n);
    return 0;
  }
  static int OnValue(llhttp_t* p, const char* at, size_t n) {
    Impl* s = Of(p);
    s->in_value = true;
    s->value.append(at, n);
    return 0;
  }
  static int OnHeadersComplete(llhttp_t* p) {
    Impl* s = Of(p);
    s->CommitHeader();
    s->head_done = true;
    RequestHead& head = s->request.head;
    head.method = llhttp_method_name(static_cast<llhttp_method_t>(p->method));
    head.path = s->url.substr(0, s->url.find('?'));
    if (head.path.empty() || head.path[0] != '/') {
      return s->Fail(400, "the request target must be an absolute path");
    }
    if (p->http_major != 1) {
      return s->Fail(505, "only HTTP/1.0 and HTTP/1.1 are served");
    }
    head.http10 = p->http_minor == 0;
    head.keep_alive = llhttp_should_keep_alive(p) != 0;
    if (auto it = head.headers.find("expect");
        it != head.headers.end() && !head.http10 &&
        absl::AsciiStrToLower(it->second) == "100-continue") {
      s->expect_continue = true;
    }
    if ((p->flags & F_CONTENT_LENGTH) &&
        p->content_length > s->limits.max_body_bytes) {
      s->expect_continue = false;
      return s->Fail(413,
                     absl::StrCat("request body of ", p->content_length,
                                  " bytes exceeds ", s->limits.max_body_bytes));
    }
    return 0;
  }
  static int OnBody(llhttp_t* p, const char* at, size_t n) {
    Impl* s = Of(p);
    if (s->request.body.size() + n > s->limits.max_body_bytes) {
      return s->Fail(413, absl::StrCat("request body exceeds ",
                                       s->limits.max_body_bytes, " bytes"));
    }
    s->request.body.append(at, n);
    return 0;
  }
  static int OnMessageComplete(llhttp_t* p) {
    Of(p)->complete = true;
    return HPE_PAUSED;  // one request at a time; the rest stays buffered
  }
};

RequestParser::RequestParser(const ParseLimits& limits)
    : impl_(std::make_unique<Impl>()) {
  impl_->limits = limits;
  llhttp_settings_init(&impl_->settings);
  impl_->settings.on_url = &Impl::OnUrl;
  impl_->settings.on_header_field = &Impl::OnField;
  impl_->settings.on_header_value = &Impl::OnValue;
  impl_->settings.on_headers_complete = &Impl::OnHeadersComplete;
  impl_->settings.on_body = &Impl::OnBody;
  impl_->settings.on_message_complete = &Impl::OnMessageComplete;
  Reset();
}

RequestParser::~RequestParser() = default;

void RequestParser::Reset() {
  Impl& s = *impl_;
  llhttp_init(&s.parser, HTTP_REQUEST, &s.settings);
  s.parser.data = &s;
  s.request = HttpRequest();
  s.url.clear();
  s.field.clear();
  s.value.clear();
  s.in_value = false;
  s.head_bytes = 0;
  s.header_count = 0;
  s.head_done = false;
  s.complete = false;
  s.expect_continue = false;
  s.error_status = 0;
  s.error_message.clear();
  state_ = State::kNeedMore;
  started_ = false;
}

size_t RequestParser::Feed(absl::string_view data) {
  size_t total = 0;
  while (state_ == State::kNeedMore && total < data.size()) {
    const size_t n = FeedOnce(data.substr(total));
    if (n == 0) break;
    total += n;
  }
  return total;
}

size_t RequestParser::FeedOnce(absl::string_view data) {
  Impl& s = *impl_;
  if (!started_) {
    // Blank lines between requests are allowed (RFC 9112 section 2.2).
    const size_t skip = data.find_first_not_of("\r\n");
    if (skip != 0) return skip == absl::string_view::npos ? data.size() : skip;
    started_ = true;
  }
  // Bound the head before llhttp sees it: never more than one byte past the
  // limit, so an endless header line costs no more than the limit.
  absl::string_view chunk = data;
  if (!s.head_done) {
    const size_t room = s.limits.max_header_bytes - s.head_bytes;
    if (chunk.size() > room + 1) chunk = chunk.substr(0, room + 1);
  }
  const llhttp_errno_t err =
      llhttp_execute(&s.parser, chunk.data(), chunk.size());
  size_t consumed = chunk.size();
  if (err != HPE_OK) {
    consumed =
        static_cast<size_t>(llhttp_get_error_pos(&s.parser) - chunk.data());
  }
  if (!s.head_done) s.head_bytes += consumed;
  if (err == HPE_PAUSED && s.complete) {
    state_ = State::kComplete;
  } else if (s.error_status != 0) {  // one of our bounds, from a callback
    Fail(s.error_status, s.error_message);
  } else if (err != HPE_OK) {
    Fail(400, absl::StrCat("malformed HTTP request: ",
                           llhttp_get_error_reason(&s.parser)));
  } else if (!s.head_done && s.head_bytes > s.limits.max_header_bytes) {
    Fail(431, absl::StrCat("request line and headers exceed ",
                           s.limits.max_header_bytes, " bytes"));
  }
  return consumed == 0 && state_ == State::kNeedMore ? chunk.size() : consumed;
}

void RequestParser::Fail(int status, std::string message) {
  state_ = State::kError;
  error_status_ = status;
  error_message_ = std::move(message);
}

bool RequestParser::TakeExpectContinue() {
  if (state_ != State::kNeedMore || !impl_->expect_continue) return false;
  impl_->expect_continue = false;
  return true;
}

HttpRequest RequestParser::Take() {
  HttpRequest out = std::move(impl_->request);
  Reset();
  return out;
}

}  // namespace llmgw::front
