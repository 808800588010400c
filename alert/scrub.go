package alert

import "regexp"

// Callers pass text that is already redacted; these patterns are a second
// line of defence for anything that slipped through (a raw API body in an
// error, a pasted key), because an alert leaves the process for a chat room.
var scrubbers = []struct {
	re   *regexp.Regexp
	repl string
}{
	// PEM blocks (service-account private keys), also when JSON-escaped
	// ("\n") or cut off before the END line.
	{regexp.MustCompile(`-----BEGIN [A-Z0-9 ]+-----(?s:.*?)(-----END [A-Z0-9 ]+-----|$)`), "[REDACTED PEM]"},
	// Authorization headers.
	{regexp.MustCompile(`(?i)\b(bearer|zoho-oauthtoken)\s+[0-9A-Za-z_\-.~+/=]+`), "$1 [REDACTED]"},
	// Zoho access/refresh tokens and grant codes: 1000.<hex>.<hex>.
	{regexp.MustCompile(`\b1000\.[0-9a-fA-F]{8,}\.[0-9a-fA-F]{8,}\b`), "1000.[REDACTED]"},
	// Google OAuth access tokens and refresh tokens.
	{regexp.MustCompile(`\bya29\.[0-9A-Za-z_\-.]+`), "ya29.[REDACTED]"},
	{regexp.MustCompile(`\b1//[0-9A-Za-z_\-]{20,}`), "1//[REDACTED]"},
	// Credentials in query strings and form bodies.
	{regexp.MustCompile(`(?i)\b(client_secret|refresh_token|access_token|id_token|code|private_key)=[^&\s"']+`), "$1=[REDACTED]"},
	// JSON fields holding credentials.
	{regexp.MustCompile(`(?i)"(client_secret|refresh_token|access_token|id_token|private_key|private_key_id)"\s*:\s*"(?:[^"\\]|\\.)*"`), `"$1":"[REDACTED]"`},
	// Webhook URLs are credentials too (anyone holding one can post).
	{regexp.MustCompile(`https://hooks\.slack(-gov)?\.com/[^\s"'<>]+`), "https://hooks.slack.com/[REDACTED]"},
}

// Scrub replaces anything in s that looks like a credential: Zoho tokens
// (1000.<hex>.<hex>), Google tokens (ya29., 1//), PEM blocks, bearer
// headers, credential query parameters and JSON fields, and Slack webhook
// URLs. It is safe for concurrent use.
func Scrub(s string) string {
	for _, sc := range scrubbers {
		s = sc.re.ReplaceAllString(s, sc.repl)
	}
	return s
}
