package zoho

import (
	"regexp"
	"strings"
)

// secretParams are the parameter and JSON key names whose values are
// secrets, in URLs, form bodies and JSON alike.
var secretParams = []string{"client_secret", "refresh_token", "access_token", "code", "token", "id_token"}

var (
	// name=value in query strings and form bodies (value up to & or space or quote).
	reParam = regexp.MustCompile(`(?i)\b(` + strings.Join(secretParams, "|") + `)=([^&\s"']+)`)
	// "name":"value" in JSON bodies.
	reJSON = regexp.MustCompile(`(?i)"(` + strings.Join(secretParams, "|") + `)"\s*:\s*"([^"]*)"`)
	// Authorization header values and Zoho token literals.
	reAuth = regexp.MustCompile(`(?i)(Zoho-oauthtoken|Bearer)\s+[^\s"',]+`)
	// Zoho tokens, codes and secrets look like 1000.<hex>.<hex>; catch them
	// anywhere, even outside a named parameter.
	reZohoToken = regexp.MustCompile(`\b1000\.[0-9a-fA-F]{16,}(\.[0-9a-fA-F]+)?\b`)
)

// Redacted replaces every secret value in s.
const Redacted = "REDACTED"

// Redact replaces the values of secret parameters (client_secret,
// refresh_token, access_token, code, token) in URLs, form bodies and JSON,
// Authorization header values and anything shaped like a Zoho token. Every
// URL or body that goes into an error or a log line passes through it.
func Redact(s string) string {
	if s == "" {
		return s
	}
	s = reParam.ReplaceAllString(s, "${1}="+Redacted)
	s = reJSON.ReplaceAllString(s, `"${1}":"`+Redacted+`"`)
	s = reAuth.ReplaceAllString(s, "${1} "+Redacted)
	s = reZohoToken.ReplaceAllString(s, Redacted)
	return s
}
