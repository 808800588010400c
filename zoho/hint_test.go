package zoho

import (
	"strings"
	"testing"
)

// INVALID_DATA is Zoho's catch-all: only a refused page token gets the
// page-token hint; a refused field or other parameter is told apart.
func TestInvalidDataHint(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  APIError
		want string
	}{
		{"token of another user", APIError{Code: "INVALID_DATA", Message: "The token given seems to be invalid"}, "page token"},
		{"forged token", APIError{Code: "INVALID_DATA", Message: "invalid data", Details: map[string]any{"param": "page_token"}}, "page token"},
		{"expired token", APIError{Code: "EXPIRED_VALUE"}, "page token"},
		{"other parameters", APIError{Code: "TOKEN_BOUND_DATA_MISMATCH"}, "page token"},
		{"unknown field", APIError{Code: "INVALID_DATA", Message: "invalid data", Details: map[string]any{"api_name": "Nope"}}, `the field "Nope"`},
		{"other parameter", APIError{Code: "INVALID_DATA", Message: "invalid data", Details: map[string]any{"param": "per_page"}}, "refused a parameter"},
		{"no details", APIError{Code: "INVALID_DATA", Message: "invalid data"}, "refused a parameter"},
	} {
		got := tc.err.Hint()
		if !strings.Contains(got, tc.want) {
			t.Errorf("%s: hint %q, want one about %q", tc.name, got, tc.want)
		}
		if tc.want != "page token" && strings.Contains(got, "page token") {
			t.Errorf("%s: hint %q blames the page token", tc.name, got)
		}
	}
}
