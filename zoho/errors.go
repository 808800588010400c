package zoho

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

// Token error codes. Zoho reports most of them with HTTP 200 and an
// "error" key (reference §1.4).
const (
	CodeInvalidClient       = "invalid_client"
	CodeInvalidClientSecret = "invalid_client_secret"
	CodeInvalidCode         = "invalid_code"
	CodeInvalidRedirectURI  = "invalid_redirect_uri"
	CodeAccessDenied        = "Access Denied" // access-token throttle
	CodeGrantLimit          = "access_denied" // grant-code limit
	CodeNetwork             = "network"       // no answer from the accounts server
	CodeBadResponse         = "bad_response"  // an answer that is not a token
)

// TokenError is a failure of the token endpoint: refreshing an access
// token, exchanging a grant code or revoking a token. Its message says
// what went wrong without any secret; Hint says how to fix it.
type TokenError struct {
	Op          string // "refresh access token", "exchange grant code", "revoke token"
	Code        string // Zoho's error code, or CodeNetwork / CodeBadResponse
	Description string // Zoho's error_description, if any
	Status      int    // HTTP status (Zoho uses 200 for most errors)
	AccountsURL string
	DC          string // data centre name, if known
	Err         error  // underlying network error, if any

	hint string
}

func (e *TokenError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "zoho: %s at %s: ", e.Op, e.AccountsURL)
	switch e.Code {
	case CodeInvalidClient:
		b.WriteString("invalid_client: Zoho does not know this client id at this data centre")
	case CodeInvalidClientSecret:
		b.WriteString("invalid_client_secret: the client secret is wrong")
	case CodeInvalidCode:
		if e.Op == opRefresh {
			b.WriteString("invalid_code: the refresh token was revoked or never existed at this data centre")
		} else {
			b.WriteString("invalid_code: the grant code was already used, has expired or belongs to another data centre")
		}
	case CodeInvalidRedirectURI:
		b.WriteString("invalid_redirect_uri: the redirect URI differs from the one registered for the client")
	case CodeAccessDenied:
		b.WriteString("Access Denied: too many token requests (Zoho allows 10 access tokens per refresh token per 10 minutes)")
	case CodeGrantLimit:
		b.WriteString("access_denied: too many grant codes for this client (10 per 10 minutes)")
	case CodeNetwork:
		b.WriteString("no answer from the accounts server")
	default:
		b.WriteString(e.Code)
		if e.Status != 0 && e.Status != http.StatusOK {
			fmt.Fprintf(&b, " (HTTP %d)", e.Status)
		}
	}
	if e.Description != "" && e.Code != CodeAccessDenied {
		b.WriteString(": " + Redact(e.Description))
	}
	if e.Err != nil {
		b.WriteString(": " + Redact(e.Err.Error()))
	}
	return b.String()
}

// Unwrap returns the network error, if any.
func (e *TokenError) Unwrap() error { return e.Err }

// Hint says how to fix the failure. It implements zsync.HintError.
func (e *TokenError) Hint() string { return e.hint }

// Temporary reports whether retrying later may succeed without a human:
// network failures and server errors. The throttle is not temporary in that
// sense: retrying only extends it.
func (e *TokenError) Temporary() bool {
	return e.Code == CodeNetwork || e.Status >= 500
}

var _ zsync.HintError = (*TokenError)(nil)

const (
	opRefresh  = "refresh access token"
	opExchange = "exchange grant code"
	opRevoke   = "revoke token"
)

func newTokenError(op, code, desc string, status int, accountsURL, dc string, err error) *TokenError {
	e := &TokenError{Op: op, Code: code, Description: desc, Status: status, AccountsURL: accountsURL, DC: dc, Err: err}
	dcs := "ZOHO_DC (one of " + strings.Join(DCNames(), ", ") + ")"
	where := "accounts server " + accountsURL
	if dc != "" {
		where = "data centre " + dc + " (" + accountsURL + ")"
	}
	switch code {
	case CodeInvalidClient:
		e.hint = "check ZOHO_CLIENT_ID, and that the client was created in the " + where +
			"; if your Zoho account is in another data centre set " + dcs
	case CodeInvalidClientSecret:
		e.hint = "copy the client secret again from the Zoho API console into ZOHO_CLIENT_SECRET"
	case CodeInvalidCode:
		if op == opRefresh {
			e.hint = "run `zoho2sheets auth` again to get a new refresh token, update ZOHO_REFRESH_TOKEN " +
				"and restart the daemon if one runs (Zoho keeps only 20 refresh tokens per user; older ones die silently); also check " + dcs
		} else {
			e.hint = "grant codes are single-use and expire after a few minutes: generate a new one and run `zoho2sheets auth` again at once; check " + dcs
		}
	case CodeInvalidRedirectURI:
		e.hint = "use exactly the redirect URI registered for the client in the Zoho API console"
	case CodeAccessDenied:
		e.hint = "wait up to 10 minutes before the next run; don't fetch a token on every call " +
			"(`zoho2sheets token` caches one for scripts)"
	case CodeGrantLimit:
		e.hint = "wait 10 minutes before generating another grant code"
	case CodeNetwork:
		e.hint = "check the network and that " + accountsURL + " is the accounts server of your data centre (" + dcs + ")"
	default:
		if status >= 500 {
			e.hint = "Zoho's accounts server failed; try again later"
		} else {
			e.hint = "check the Zoho credentials and " + dcs
		}
	}
	return e
}

// APIError is an error answer of the CRM API, decoded from Zoho's envelope
// {"code","details","message","status":"error"}.
type APIError struct {
	Op         string // what was being done, e.g. "GET /crm/v8/Leads"
	Status     int    // HTTP status
	Code       string // Zoho's code, e.g. INVALID_MODULE
	Message    string
	Details    map[string]any
	RetryAfter time.Duration // from Retry-After, when sent

	token string // the access token that was sent (never printed): 401 handling
}

func (e *APIError) Error() string {
	s := fmt.Sprintf("zoho: %s: HTTP %d", e.Op, e.Status)
	if e.Code != "" {
		s += " " + e.Code
	}
	if e.Message != "" {
		s += ": " + Redact(e.Message)
	}
	if len(e.Details) > 0 {
		if b, err := json.Marshal(e.Details); err == nil {
			s += " " + Redact(string(b))
		}
	}
	return s
}

// Temporary reports whether the call may succeed if retried: rate limits
// and server errors.
func (e *APIError) Temporary() bool {
	return e.Status == http.StatusTooManyRequests || e.Status >= 500
}

// Hint says how to fix the failure (empty when unknown). It implements
// zsync.HintError.
func (e *APIError) Hint() string {
	switch e.Code {
	case "INVALID_MODULE":
		return "check the module API name with `zoho2sheets fields` (names are case-sensitive, e.g. Leads, Deals, custom modules as named in Setup)"
	case "OAUTH_SCOPE_MISMATCH":
		return "the refresh token lacks a scope: run `zoho2sheets auth` again with the scopes " + strings.Join(DefaultScopes, ",")
	case "NO_PERMISSION", "AUTHORIZATION_FAILED":
		return "the Zoho user who authorised zoho2sheets may not read this; give their profile read access to the module (and API access), or authorise as another user"
	case "INVALID_TOKEN", "AUTHENTICATION_FAILURE":
		return "the access token was rejected twice; the refresh token may have been revoked: run `zoho2sheets auth` again"
	case "INVALID_HOST":
		return "unset ZOHO_API_DOMAIN or set it to your data centre's https://www.zohoapis… host"
	case "LIMIT_EXCEEDED":
		return "ask for fewer fields, or give a filter fewer conditions (at most 22), fewer `in` values (at most 50) and at most two lookups in a path"
	case "SYNTAX_ERROR", "INVALID_QUERY":
		return "Zoho refused the COQL query: check the filter's syntax (bracket more than two conditions: ((a and b) and c)) and its field names and values with `zoho2sheets fields`"
	case "EXPIRED_VALUE", "TOKEN_BOUND_DATA_MISMATCH":
		return pageTokenHint
	case "INVALID_DATA":
		// Zoho's catch-all for a refused parameter; a page token only when
		// it says so (reference §2.1: "The token given seems to be invalid").
		if e.Details["param"] == "page_token" || strings.Contains(strings.ToLower(e.Message), "token") {
			return pageTokenHint
		}
		if name, ok := e.Details["api_name"].(string); ok && name != "" {
			return fmt.Sprintf("Zoho does not know the field %q here: check the field API names in mapping.yaml with `zoho2sheets fields`", name)
		}
		return "Zoho refused a parameter of the request (see its details); check the module and field names in mapping.yaml with `zoho2sheets fields`"
	case "TOO_MANY_REQUESTS":
		return "the org's API credits or concurrency limit are used up; run less often, lower the concurrency, or wait for credits to free up (24 h rolling window)"
	case "NOT_SUPPORTED":
		return "this module cannot be read through the API by this user (e.g. Notes needs an admin)"
	}
	switch {
	case e.Status >= 500:
		return "Zoho's servers failed; try again later"
	case e.Status == http.StatusTooManyRequests:
		return "the org's API credits or concurrency limit are used up; run less often or lower the concurrency"
	}
	return ""
}

var _ zsync.HintError = (*APIError)(nil)

const pageTokenHint = "the page token is no longer valid; run again to start a fresh read"

// maxErrorBody bounds how much of an error answer is read.
const maxErrorBody = 64 << 10

// readAPIError turns a non-success response into an *APIError. It reads
// and closes the body.
func readAPIError(op string, resp *http.Response) *APIError {
	defer resp.Body.Close()
	e := &APIError{Op: op, Status: resp.StatusCode, RetryAfter: retryAfter(resp.Header)}
	body, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	var env struct {
		Code    string         `json:"code"`
		Message string         `json:"message"`
		Details map[string]any `json:"details"`
		Status  string         `json:"status"`
		Data    []struct {
			Code    string         `json:"code"`
			Message string         `json:"message"`
			Details map[string]any `json:"details"`
		} `json:"data"`
	}
	if json.Unmarshal(body, &env) == nil {
		e.Code, e.Message, e.Details = env.Code, env.Message, env.Details
		if e.Code == "" && len(env.Data) > 0 {
			e.Code, e.Message, e.Details = env.Data[0].Code, env.Data[0].Message, env.Data[0].Details
		}
	}
	if e.Code == "" && e.Message == "" {
		e.Message = strings.TrimSpace(string(body))
		if len(e.Message) > 200 {
			e.Message = e.Message[:200] + "…"
		}
		if e.Message == "" {
			e.Message = http.StatusText(resp.StatusCode)
		}
	}
	return e
}

// retryAfter parses a Retry-After header (seconds or an HTTP date).
// Zoho does not document one, but proxies in front of it may send it.
func retryAfter(h http.Header) time.Duration {
	v := h.Get("Retry-After")
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := time.Until(t); d > 0 {
			return d
		}
	}
	return 0
}

// isTemporary reports whether err is worth retrying.
func isTemporary(err error) bool {
	var t interface{ Temporary() bool }
	return errors.As(err, &t) && t.Temporary()
}
