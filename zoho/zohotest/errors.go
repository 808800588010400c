package zohotest

import (
	"encoding/json"
	"net/http"
	"strconv"
)

// apiError is a CRM error answer: Zoho's envelope
// {"code","details","message","status":"error"} with an HTTP status.
type apiError struct {
	status  int
	code    string
	message string
	details map[string]any
	header  http.Header // extra headers, e.g. Retry-After on injected 429s
}

func (e *apiError) Error() string { return strconv.Itoa(e.status) + " " + e.code + ": " + e.message }

func newAPIError(status int, code, message string, details map[string]any) *apiError {
	if details == nil {
		details = map[string]any{}
	}
	return &apiError{status: status, code: code, message: message, details: details}
}

// The errors below carry the bodies Zoho sends (reference §2, §2.1, §6.3);
// where the reference gives a live body it is copied verbatim.

func errAuthenticationFailure() *apiError {
	return newAPIError(http.StatusUnauthorized, "AUTHENTICATION_FAILURE", "Authentication failed", nil)
}

func errInvalidToken() *apiError {
	return newAPIError(http.StatusUnauthorized, "INVALID_TOKEN", "invalid oauth token", nil)
}

func errScopeMismatch() *apiError {
	return newAPIError(http.StatusUnauthorized, "OAUTH_SCOPE_MISMATCH", "invalid oauth scope to access this URL", nil)
}

func errInvalidModule() *apiError {
	return newAPIError(http.StatusBadRequest, "INVALID_MODULE", "the module name given seems to be invalid",
		map[string]any{"resource_path_index": 0})
}

func errInvalidURL() *apiError {
	return newAPIError(http.StatusNotFound, "INVALID_URL_PATTERN", "Please check if the URL trying to access is a correct one", nil)
}

func errMethod() *apiError {
	return newAPIError(http.StatusBadRequest, "INVALID_REQUEST_METHOD", "The http request method type is not a valid one", nil)
}

func errRequiredParam(param string) *apiError {
	return newAPIError(http.StatusBadRequest, "REQUIRED_PARAM_MISSING", "One of the expected parameter is missing",
		map[string]any{"param": param})
}

func errInvalidParam(param string) *apiError {
	return newAPIError(http.StatusBadRequest, "INVALID_DATA", "the "+param+" given seems to be invalid",
		map[string]any{"param": param})
}

func errTooMany(message string) *apiError {
	return newAPIError(http.StatusTooManyRequests, "TOO_MANY_REQUESTS", message, nil)
}

// writeAPIError writes e as Zoho's JSON envelope.
func writeAPIError(w http.ResponseWriter, e *apiError) {
	for k, vs := range e.header {
		for _, v := range vs {
			w.Header().Add(k, v)
		}
	}
	writeJSON(w, e.status, map[string]any{
		"code": e.code, "details": e.details, "message": e.message, "status": "error",
	})
}

// writeJSON writes v as the body with Zoho's JSON content type.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "zohotest: encode answer: "+err.Error(), http.StatusInternalServerError)
		return
	}
	writeBody(w, status, b)
}

func writeBody(w http.ResponseWriter, status int, b []byte) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.Header().Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	w.Write(b)
}
