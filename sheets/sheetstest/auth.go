package sheetstest

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"hash/fnv"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Scopes that let a token read or write spreadsheets.
const (
	scopeSheets   = "https://www.googleapis.com/auth/spreadsheets"
	scopeSheetsRO = "https://www.googleapis.com/auth/spreadsheets.readonly"
	scopeDrive    = "https://www.googleapis.com/auth/drive"
	scopeDriveRO  = "https://www.googleapis.com/auth/drive.readonly"
	scopeDriveF   = "https://www.googleapis.com/auth/drive.file"
)

// tokenLifetime is how long an access token is accepted (emulator clock).
const tokenLifetime = 3600 * time.Second

type account struct {
	email, project, keyID string
	pub                   *rsa.PublicKey
}

type token struct {
	email   string
	project string
	read    bool
	write   bool
	expires time.Time
}

// keyCache holds generated keys per email for the process: generating a
// 2048-bit RSA key takes long enough to slow down a test suite.
var keyCache sync.Map // email → *rsa.PrivateKey

func keyFor(email string) (*rsa.PrivateKey, error) {
	if k, ok := keyCache.Load(email); ok {
		return k.(*rsa.PrivateKey), nil
	}
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	got, _ := keyCache.LoadOrStore(email, k)
	return got.(*rsa.PrivateKey), nil
}

// projectOf reads the project from name@project.iam.gserviceaccount.com.
func projectOf(email string) string {
	_, dom, ok := strings.Cut(email, "@")
	if p, ok2 := strings.CutSuffix(dom, ".iam.gserviceaccount.com"); ok && ok2 && p != "" {
		return p
	}
	return "sheetstest-project"
}

// projectNumber is a stable made-up project number for error messages.
func projectNumber(project string) string {
	h := fnv.New64a()
	h.Write([]byte(project))
	return fmt.Sprintf("%012d", h.Sum64()%1_000_000_000_000)
}

// NewServiceAccount registers a service account and returns its key file
// (type service_account, PKCS#8 PEM private key, token_uri = TokenURL()),
// ready for option.WithAuthCredentialsJSON(option.ServiceAccount, key) or
// google.CredentialsFromJSONWithType. The project is taken from an email
// of the form name@project.iam.gserviceaccount.com. Calling it again for
// the same email returns an equivalent key. It panics if no key can be made.
func (s *Server) NewServiceAccount(email string) (keyJSON []byte) {
	k := s.opts.Key
	if k == nil {
		var err error
		if k, err = keyFor(email); err != nil {
			panic(fmt.Sprintf("sheetstest: generate a key for %s: %v", email, err))
		}
	}
	der, err := x509.MarshalPKCS8PrivateKey(k)
	if err != nil {
		panic(fmt.Sprintf("sheetstest: encode the key for %s: %v", email, err))
	}
	pubDER, _ := x509.MarshalPKIXPublicKey(&k.PublicKey)
	sum := sha256.Sum256(append(pubDER, email...))
	a := &account{email: email, project: projectOf(email), keyID: hex.EncodeToString(sum[:20]), pub: &k.PublicKey}
	h := fnv.New64a()
	h.Write([]byte(email))
	clientID := fmt.Sprintf("1%020d", h.Sum64())
	s.mu.Lock()
	s.accounts[strings.ToLower(email)] = a
	s.mu.Unlock()
	b, _ := json.MarshalIndent(map[string]string{
		"type":                        "service_account",
		"project_id":                  a.project,
		"private_key_id":              a.keyID,
		"private_key":                 string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})),
		"client_email":                email,
		"client_id":                   clientID,
		"auth_uri":                    "https://accounts.google.com/o/oauth2/auth",
		"token_uri":                   s.TokenURL(),
		"auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
		"client_x509_cert_url":        "https://www.googleapis.com/robot/v1/metadata/x509/" + strings.ReplaceAll(email, "@", "%40"),
		"universe_domain":             "googleapis.com",
	}, "", "  ")
	return b
}

// IssueToken returns an access token for a registered service account
// without the JWT exchange (for raw HTTP tests). It panics for an unknown email.
func (s *Server) IssueToken(email string, scopes ...string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.accounts[strings.ToLower(email)]
	if a == nil {
		panic("sheetstest: IssueToken: unknown service account " + email + " (call NewServiceAccount first)")
	}
	if len(scopes) == 0 {
		scopes = []string{scopeSheets}
	}
	return s.issue(a, strings.Join(scopes, " "))
}

func (s *Server) issue(a *account, scope string) string {
	var b [24]byte
	rand.Read(b[:])
	tok := "ya29.sheetstest." + base64.RawURLEncoding.EncodeToString(b[:])
	t := &token{email: a.email, project: a.project, expires: s.now().Add(tokenLifetime)}
	for _, sc := range strings.Fields(scope) {
		switch sc {
		case scopeSheets, scopeDrive, scopeDriveF:
			t.read, t.write = true, true
		case scopeSheetsRO, scopeDriveRO:
			t.read = true
		}
	}
	s.tokens[tok] = t
	s.stats.TokensIssued++
	return tok
}

func oauthError(status int, code, desc string) response {
	b, _ := json.Marshal(map[string]string{"error": code, "error_description": desc})
	return response{status: status, body: b}
}

const errTimeframe = "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check your iat and exp values in the JWT claim."

// handleToken is Google's token endpoint for the JWT-bearer grant:
// the assertion must be RS256-signed by a registered service account,
// with aud = TokenURL() and a valid iat/exp on the emulator clock.
func (s *Server) handleToken(r *http.Request) response {
	s.mu.Lock()
	s.stats.TokenRequests++
	s.mu.Unlock()
	if r.Method != http.MethodPost {
		return oauthError(405, "invalid_request", "The token endpoint only accepts POST.")
	}
	r.Body = http.MaxBytesReader(nil, r.Body, 1<<20)
	if err := r.ParseForm(); err != nil {
		return oauthError(400, "invalid_request", "Could not parse the form body.")
	}
	if gt := r.PostForm.Get("grant_type"); gt != "urn:ietf:params:oauth:grant-type:jwt-bearer" {
		return oauthError(400, "unsupported_grant_type", "Invalid grant_type: "+gt)
	}
	assertion := r.PostForm.Get("assertion")
	if assertion == "" {
		return oauthError(400, "invalid_request", "Missing required parameter: assertion")
	}
	parts := strings.Split(assertion, ".")
	if len(parts) != 3 {
		return oauthError(400, "invalid_grant", "Invalid JWT: the assertion is not a signed JWT (header.claims.signature).")
	}
	var hdr struct{ Alg, Typ, Kid string }
	var claims struct {
		Iss   string `json:"iss"`
		Scope string `json:"scope"`
		Aud   string `json:"aud"`
		Exp   int64  `json:"exp"`
		Iat   int64  `json:"iat"`
		Sub   string `json:"sub"`
	}
	if !decodeSegment(parts[0], &hdr) || !decodeSegment(parts[1], &claims) {
		return oauthError(400, "invalid_grant", "Invalid JWT: the header or claims are not base64url JSON.")
	}
	if hdr.Alg != "RS256" {
		return oauthError(400, "invalid_grant", "Invalid JWT: the signing algorithm must be RS256, got "+hdr.Alg+".")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.accounts[strings.ToLower(claims.Iss)]
	if a == nil {
		return oauthError(400, "invalid_grant", "Invalid grant: account not found")
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err != nil || hdr.Kid != "" && hdr.Kid != a.keyID || rsa.VerifyPKCS1v15(a.pub, crypto.SHA256, sum[:], sig) != nil {
		return oauthError(400, "invalid_grant", "Invalid JWT Signature.")
	}
	if claims.Aud != s.TokenURL() {
		return oauthError(400, "invalid_grant", "Invalid JWT: Failed audience check. The right audience is "+s.TokenURL())
	}
	now := s.now().Unix()
	const skew = 300
	if claims.Exp <= now || claims.Iat > now+skew || claims.Exp-claims.Iat > 3600 || claims.Exp < claims.Iat {
		return oauthError(400, "invalid_grant", errTimeframe)
	}
	if claims.Sub != "" && !strings.EqualFold(claims.Sub, claims.Iss) {
		return oauthError(401, "unauthorized_client", "Client is unauthorized to retrieve access tokens using this method, or client not authorized for any of the scopes requested.")
	}
	if strings.TrimSpace(claims.Scope) == "" {
		return oauthError(400, "invalid_scope", "Empty or missing scope not allowed.")
	}
	tok := s.issue(a, claims.Scope)
	b, _ := json.Marshal(map[string]any{"access_token": tok, "expires_in": 3599, "token_type": "Bearer"})
	return response{status: 200, body: b}
}

func decodeSegment(seg string, v any) bool {
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(seg, "="))
	return err == nil && json.Unmarshal(b, v) == nil
}

// caller is an authenticated identity.
type caller struct {
	email   string // lower-cased; "anonymous" with NoAuth
	project string
	read    bool
	write   bool
}

// authenticate checks the bearer token; callers hold s.mu.
func (s *Server) authenticate(r *http.Request) (caller, *apiError) {
	if s.opts.NoAuth {
		return caller{email: "anonymous", project: "anonymous", read: true, write: true}, nil
	}
	h := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || strings.TrimSpace(tok) == "" {
		return caller{}, errUnauthenticated(true, false)
	}
	t := s.tokens[strings.TrimSpace(tok)]
	if t == nil {
		return caller{}, errUnauthenticated(false, false)
	}
	if !s.now().Before(t.expires) {
		return caller{}, errUnauthenticated(false, true)
	}
	return caller{email: strings.ToLower(t.email), project: t.project, read: t.read, write: t.write}, nil
}
