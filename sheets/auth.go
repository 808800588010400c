package sheets

import (
	"bytes"
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/google"
	"google.golang.org/api/sheets/v4"

	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

// Environment variables read by CredentialsFromEnv.
const (
	// EnvCredentialsJSON holds a key JSON itself: the way CI secrets are
	// passed. Base64 of the JSON is accepted too.
	EnvCredentialsJSON = "GOOGLE_CREDENTIALS_JSON"
	// EnvCredentialsFile is the path of a key JSON file (also what
	// google-github-actions/auth exports for Workload Identity Federation).
	EnvCredentialsFile = "GOOGLE_APPLICATION_CREDENTIALS"
	// EnvEndpoint overrides the API base URL (tests, the demo).
	EnvEndpoint = "SHEETS_ENDPOINT"
)

// Credential types accepted.
const (
	TypeServiceAccount  = "service_account"
	TypeExternalAccount = "external_account"
)

// Scope is the only OAuth scope requested: the spreadsheets the identity
// was given access to, and no Drive access.
const Scope = sheets.SpreadsheetsScope

// Credentials are a Google identity able to call the Sheets API. Build them
// with CredentialsFromEnv or CredentialsFromJSON; they never expose key
// material.
type Credentials struct {
	// Type is "service_account", "external_account", or "" for credentials
	// found by Application Default Credentials without a key file (the
	// metadata server of a Google Cloud runtime).
	Type string
	// Email is the service account's address, the one to share the
	// spreadsheet with ("" when unknown).
	Email string
	// From says where the credentials came from, for messages:
	// "GOOGLE_CREDENTIALS_JSON", "GOOGLE_APPLICATION_CREDENTIALS (path)",
	// "application default credentials".
	From string

	json []byte
	ts   oauth2.TokenSource
}

// findDefault is google.FindDefaultCredentials, replaced in tests (it may
// probe the GCE metadata server).
var findDefault = google.FindDefaultCredentials

// keyNotPath reports whether the value of GOOGLE_APPLICATION_CREDENTIALS
// is a key's content (JSON, or base64 of it) rather than a path.
func keyNotPath(v string) bool {
	if strings.HasPrefix(v, "{") || strings.ContainsAny(v, "\n\r") {
		return true
	}
	d, err := base64.StdEncoding.DecodeString(v)
	return err == nil && strings.HasPrefix(strings.TrimSpace(string(d)), "{")
}

// CredentialsFromEnv returns the Google credentials configured in the
// environment, reading variables with getenv:
//
//  1. GOOGLE_CREDENTIALS_JSON: a service account key or Workload Identity
//     Federation config, as JSON (or base64 of it);
//  2. GOOGLE_APPLICATION_CREDENTIALS: the path of such a file;
//  3. otherwise Application Default Credentials (gcloud's well-known file,
//     the metadata server on Google Cloud).
//
// Only "service_account" and "external_account" JSON is accepted. Errors
// are *zsync.ConfigError naming the variable; they never contain key
// material.
func CredentialsFromEnv(ctx context.Context, getenv func(string) string) (*Credentials, error) {
	if v := strings.TrimSpace(getenv(EnvCredentialsJSON)); v != "" {
		b := []byte(v)
		if !strings.HasPrefix(v, "{") {
			d, err := base64.StdEncoding.DecodeString(v)
			if err != nil {
				hint := "set it to the whole content of the service account key file"
				if strings.HasSuffix(strings.ToLower(v), ".json") { // a path is no secret: say it
					hint = fmt.Sprintf("this looks like the key file's path: set %s=%s instead, or %s to the file's content",
						EnvCredentialsFile, v, EnvCredentialsJSON)
				}
				return nil, &zsync.ConfigError{Where: EnvCredentialsJSON, Msg: "neither JSON nor base64 of JSON", Hint: hint}
			}
			b = d
		}
		return CredentialsFromJSON(ctx, b, EnvCredentialsJSON)
	}
	if p := strings.TrimSpace(getenv(EnvCredentialsFile)); p != "" {
		b, err := os.ReadFile(p)
		if err != nil && keyNotPath(p) {
			// The key itself where its path goes: never echo it.
			return nil, &zsync.ConfigError{Where: EnvCredentialsFile, Msg: "holds the key itself, not the path of its file",
				Hint: "put the key's JSON in " + EnvCredentialsJSON + " and unset " + EnvCredentialsFile + ", or set it to the key file's path"}
		}
		if err != nil {
			return nil, &zsync.ConfigError{Where: EnvCredentialsFile, Msg: fmt.Sprintf("cannot read %s: %v", p, errors.Unwrap(err)),
				Hint: "point it at the service account key file, or unset it"}
		}
		return CredentialsFromJSON(ctx, b, EnvCredentialsFile+" ("+p+")")
	}
	gc, err := findDefault(ctx, Scope)
	if err != nil {
		return nil, &zsync.ConfigError{Where: EnvCredentialsJSON, Msg: "no Google credentials found",
			Hint: "set GOOGLE_CREDENTIALS_JSON to a service account key (JSON), or GOOGLE_APPLICATION_CREDENTIALS to its path, or use Workload Identity Federation in GitHub Actions"}
	}
	if len(gc.JSON) > 0 {
		return CredentialsFromJSON(ctx, gc.JSON, "application default credentials")
	}
	return &Credentials{From: "application default credentials", ts: gc.TokenSource}, nil
}

// keyFile is the part of a credentials JSON that is checked here.
type keyFile struct {
	Type             string          `json:"type"`
	ClientEmail      string          `json:"client_email"`
	PrivateKey       string          `json:"private_key"`
	TokenURI         string          `json:"token_uri"`
	Audience         string          `json:"audience"`
	TokenURL         string          `json:"token_url"`
	CredentialSource json.RawMessage `json:"credential_source"`
	ImpersonationURL string          `json:"service_account_impersonation_url"`
}

var impersonationPattern = regexp.MustCompile(`/serviceAccounts/([^/:]+):generateAccessToken`)

// CredentialsFromJSON parses a service account key or a Workload Identity
// Federation config; where names its origin in errors (e.g. the variable).
// The key's token_uri is honoured. Errors are *zsync.ConfigError without
// key material.
func CredentialsFromJSON(ctx context.Context, b []byte, where string) (*Credentials, error) {
	bad := func(msg, hint string) error { return &zsync.ConfigError{Where: where, Msg: msg, Hint: hint} }
	var f keyFile
	if err := json.Unmarshal(b, &f); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, bad(fmt.Sprintf("not valid JSON (at byte %d)", se.Offset), "paste the whole key file, including the braces")
		}
		return nil, bad("not a Google credentials JSON object", "paste the whole key file")
	}
	c := &Credentials{Type: f.Type, From: where, json: bytes.Clone(b)}
	switch f.Type {
	case TypeServiceAccount:
		if f.ClientEmail == "" {
			return nil, bad("service account key without client_email", "download a new JSON key for the service account")
		}
		if err := checkPrivateKey(f.PrivateKey); err != nil {
			return nil, bad("private_key: "+err.Error(), "download a new JSON key; do not edit the key text")
		}
		if err := checkTokenURL(f.TokenURI); err != nil {
			return nil, bad("token_uri: "+err.Error(), "use the key as Google issued it")
		}
		c.Email = f.ClientEmail
	case TypeExternalAccount:
		if f.Audience == "" || len(f.CredentialSource) == 0 {
			return nil, bad("external_account config without audience or credential_source",
				"use the file google-github-actions/auth writes (workload_identity_provider and service_account inputs)")
		}
		if err := checkTokenURL(f.TokenURL); err != nil {
			return nil, bad("token_url: "+err.Error(), "use the config as generated")
		}
		if m := impersonationPattern.FindStringSubmatch(f.ImpersonationURL); m != nil {
			c.Email, _ = url.PathUnescape(m[1])
		}
	case "":
		return nil, bad(`no "type" field`, "use a service account key (type service_account) or a Workload Identity Federation config (type external_account)")
	default:
		return nil, bad(fmt.Sprintf("credentials of type %q are not supported", f.Type),
			"use a service account key (type service_account) or a Workload Identity Federation config (type external_account)")
	}
	gc, err := google.CredentialsFromJSONWithType(ctx, b, google.CredentialsType(f.Type), Scope)
	if err != nil {
		return nil, bad("rejected by the Google auth library: "+redactKey(err.Error(), f.PrivateKey), "download a new key")
	}
	c.ts = gc.TokenSource
	return c, nil
}

// ServiceAccountEmail is the address to share the spreadsheet with.
func (c *Credentials) ServiceAccountEmail() string {
	if c == nil {
		return ""
	}
	return c.Email
}

// TokenSource returns the source of access tokens, fetching them with the
// HTTP client of the context given when the credentials were made.
func (c *Credentials) TokenSource() oauth2.TokenSource { return c.ts }

// tokenSource builds a token source whose token requests go through hc,
// so that an injected client (an emulator's in-process transport) also
// carries the token exchange, and the request timeout bounds it.
// Credentials found without a key file (the metadata server) keep their
// own source.
func (c *Credentials) tokenSource(ctx context.Context, hc *http.Client) (oauth2.TokenSource, error) {
	if len(c.json) == 0 {
		return c.ts, nil
	}
	gc, err := google.CredentialsFromJSONWithType(context.WithValue(ctx, oauth2.HTTPClient, hc), c.json, google.CredentialsType(c.Type), Scope)
	if err != nil {
		return nil, &zsync.ConfigError{Where: c.From, Msg: "rejected by the Google auth library", Hint: "download a new key"}
	}
	return gc.TokenSource, nil
}

func (c *Credentials) String() string {
	if c == nil {
		return "<no credentials>"
	}
	return fmt.Sprintf("%s credentials of %s from %s", c.Type, c.Email, c.From)
}

func checkPrivateKey(k string) error {
	blk, _ := pem.Decode([]byte(k))
	if blk == nil {
		return errors.New("not a PEM key (-----BEGIN PRIVATE KEY-----)")
	}
	if key, err := x509.ParsePKCS8PrivateKey(blk.Bytes); err == nil {
		if _, ok := key.(*rsa.PrivateKey); !ok {
			return errors.New("not an RSA key")
		}
		return nil
	}
	if _, err := x509.ParsePKCS1PrivateKey(blk.Bytes); err != nil {
		return errors.New("cannot be parsed as an RSA private key")
	}
	return nil
}

// checkTokenURL accepts https URLs and plain http on loopback (tests, the
// emulator); empty means Google's default.
func checkTokenURL(s string) error {
	if s == "" {
		return nil
	}
	return checkURL(s)
}

func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return fmt.Errorf("%q is not an absolute URL", s)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if isLoopback(u.Hostname()) {
			return nil
		}
		return fmt.Errorf("%q: plain http is only allowed on localhost", s)
	}
	return fmt.Errorf("%q: want an https:// URL", s)
}

// isLoopback reports hosts that never leave the machine: loopback
// addresses, localhost, and the reserved test names (.localhost, .test,
// .invalid; RFC 6761) that in-process emulators use.
func isLoopback(host string) bool {
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	if h == "localhost" || strings.HasSuffix(h, ".localhost") || strings.HasSuffix(h, ".test") || strings.HasSuffix(h, ".invalid") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

var pemBlock = regexp.MustCompile(`(?s)-----BEGIN[^-]*-----.*?-----END[^-]*-----`)

// redactKey removes any key material from a message.
func redactKey(msg, key string) string {
	if key != "" {
		msg = strings.ReplaceAll(msg, key, "[private key]")
	}
	return pemBlock.ReplaceAllString(msg, "[private key]")
}
