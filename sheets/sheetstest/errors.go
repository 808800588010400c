package sheetstest

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// apiError is an error answered in Google's JSON error envelope, the shape
// googleapi.Error and gax-go's apierror parse.
type apiError struct {
	code    int
	status  string // RPC status: INVALID_ARGUMENT, PERMISSION_DENIED...
	message string
	reason  string // errors[0].reason; empty = no "errors" array
	details []any
	header  map[string]string
}

func (e *apiError) Error() string { return fmt.Sprintf("%d %s: %s", e.code, e.status, e.message) }

func badRequest(format string, a ...any) *apiError {
	return &apiError{code: http.StatusBadRequest, status: "INVALID_ARGUMENT", message: fmt.Sprintf(format, a...)}
}

// errInvalidRequest is Google's wording for an invalid batchUpdate subrequest.
func errInvalidRequest(i int, kind, format string, a ...any) *apiError {
	return badRequest("Invalid requests[%d].%s: %s", i, kind, fmt.Sprintf(format, a...))
}

var (
	errNotFound = &apiError{code: 404, status: "NOT_FOUND", message: "Requested entity was not found.", reason: "notFound"}
	errDenied   = &apiError{code: 403, status: "PERMISSION_DENIED", message: "The caller does not have permission", reason: "forbidden"}
)

func errInsufficientScope(method string) *apiError {
	return &apiError{code: 403, status: "PERMISSION_DENIED", message: "Request had insufficient authentication scopes.",
		reason: "insufficientPermissions",
		details: []any{errorInfo("ACCESS_TOKEN_SCOPE_INSUFFICIENT", map[string]string{
			"service": "sheets.googleapis.com", "method": "google.apps.sheets.v4." + method})},
		header: map[string]string{"WWW-Authenticate": `Bearer realm="https://accounts.google.com/", error="insufficient_scope", scope="https://www.googleapis.com/auth/spreadsheets"`}}
}

func errUnauthenticated(missing, expired bool) *apiError {
	e := &apiError{code: 401, status: "UNAUTHENTICATED",
		header: map[string]string{"WWW-Authenticate": `Bearer realm="https://accounts.google.com/"`}}
	switch {
	case missing:
		e.message = "Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project."
		e.details = []any{errorInfo("CREDENTIALS_MISSING", map[string]string{"service": "sheets.googleapis.com"})}
	default:
		e.message = "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project."
		e.reason = "authError"
		reason := "ACCESS_TOKEN_TYPE_UNSUPPORTED"
		if expired {
			reason = "ACCESS_TOKEN_EXPIRED"
		}
		e.details = []any{errorInfo(reason, map[string]string{"service": "sheets.googleapis.com"})}
		e.header["WWW-Authenticate"] = `Bearer realm="https://accounts.google.com/", error="invalid_token"`
	}
	return e
}

func errAPIDisabled(project string) *apiError {
	msg := fmt.Sprintf("Google Sheets API has not been used in project %s before or it is disabled. Enable it by visiting https://console.developers.google.com/apis/api/sheets.googleapis.com/overview?project=%s then retry. If you enabled this API recently, wait a few minutes for the action to propagate to our systems and retry.", project, project)
	return &apiError{code: 403, status: "PERMISSION_DENIED", message: msg, reason: "accessNotConfigured",
		details: []any{errorInfo("SERVICE_DISABLED", map[string]string{
			"consumer": "projects/" + project, "service": "sheets.googleapis.com",
			"activationUrl": "https://console.developers.google.com/apis/api/sheets.googleapis.com/overview?project=" + project})}}
}

func errQuota(write bool, project string, limit int) *apiError {
	metric, name, ql := "Read requests", "Read requests per minute per user", "ReadRequestsPerMinutePerUser"
	qm := "sheets.googleapis.com/read_requests"
	if write {
		metric, name, ql = "Write requests", "Write requests per minute per user", "WriteRequestsPerMinutePerUser"
		qm = "sheets.googleapis.com/write_requests"
	}
	msg := fmt.Sprintf("Quota exceeded for quota metric '%s' and limit '%s' of service 'sheets.googleapis.com' for consumer 'project_number:%s'.", metric, name, project)
	return &apiError{code: 429, status: "RESOURCE_EXHAUSTED", message: msg, details: []any{
		errorInfo("RATE_LIMIT_EXCEEDED", map[string]string{
			"consumer": "projects/" + project, "quota_limit": ql, "quota_limit_value": fmt.Sprint(limit),
			"quota_location": "global", "quota_metric": qm, "service": "sheets.googleapis.com"}),
		map[string]any{"@type": "type.googleapis.com/google.rpc.Help", "links": []any{map[string]string{
			"description": "Request a higher quota limit.",
			"url":         "https://cloud.google.com/docs/quotas/help/request_increase"}}},
	}}
}

func errorInfo(reason string, md map[string]string) map[string]any {
	return map[string]any{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": reason,
		"domain": "googleapis.com", "metadata": md}
}

// faultError is the body of an injected failure with the given status.
func faultError(status int, write bool) *apiError {
	switch status {
	case 429:
		return errQuota(write, "0", 60)
	case 500:
		return &apiError{code: 500, status: "INTERNAL", message: "Internal error encountered."}
	case 502:
		return &apiError{code: 502, status: "UNAVAILABLE", message: "Bad Gateway"}
	case 503:
		return &apiError{code: 503, status: "UNAVAILABLE", message: "The service is currently unavailable."}
	case 504:
		return &apiError{code: 504, status: "DEADLINE_EXCEEDED", message: "The request timed out. Please try again."}
	case 400:
		return badRequest("Request contains an invalid argument.")
	case 401:
		return errUnauthenticated(false, true)
	case 403:
		return errDenied
	case 404:
		return errNotFound
	}
	return &apiError{code: status, status: "UNKNOWN", message: http.StatusText(status)}
}

type errorItem struct {
	Message string `json:"message"`
	Domain  string `json:"domain"`
	Reason  string `json:"reason"`
}

// body renders the envelope:
// {"error":{"code":403,"message":"…","errors":[{…}],"status":"PERMISSION_DENIED","details":[…]}}.
func (e *apiError) body() []byte {
	var inner struct {
		Code    int         `json:"code"`
		Message string      `json:"message"`
		Errors  []errorItem `json:"errors,omitempty"`
		Status  string      `json:"status"`
		Details []any       `json:"details,omitempty"`
	}
	inner.Code, inner.Message, inner.Status, inner.Details = e.code, e.message, e.status, e.details
	if e.reason != "" {
		inner.Errors = []errorItem{{Message: e.message, Domain: "global", Reason: e.reason}}
	}
	b, _ := json.Marshal(map[string]any{"error": inner})
	return b
}
