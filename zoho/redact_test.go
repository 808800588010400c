package zoho

import (
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	for _, tc := range []struct{ in, secret string }{
		{"https://a/oauth/v2/token?client_secret=abc123&x=1", "abc123"},
		{"grant_type=refresh_token&refresh_token=1000.deadbeefdeadbeef.cafe&client_id=1", "deadbeef"},
		{"/oauth/v2/token/revoke?token=tok-xyz", "tok-xyz"},
		{"code=grant-code-1&state=s", "grant-code-1"},
		{`{"access_token":"at-secret","api_domain":"https://x"}`, "at-secret"},
		{`{"refresh_token": "rt-secret"}`, "rt-secret"},
		{"Authorization: Zoho-oauthtoken at-123", "at-123"},
		{"bare 1000.0123456789abcdef0123.fedcba here", "0123456789abcdef"},
	} {
		got := Redact(tc.in)
		if strings.Contains(got, tc.secret) || !strings.Contains(got, Redacted) {
			t.Errorf("Redact(%q) = %q", tc.in, got)
		}
	}
	if got := Redact("page=2&per_page=200&fields=id"); got != "page=2&per_page=200&fields=id" {
		t.Errorf("changed harmless text: %q", got)
	}
}
