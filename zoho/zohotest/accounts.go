package zohotest

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Limits of Zoho Accounts (reference §1.2, §1.5).
const (
	accessTokenLife     = time.Hour
	codeLife            = 3 * time.Minute
	mintWindow          = 10 * time.Minute
	mintsPerWindow      = 10 // access tokens per refresh token per mintWindow
	activePerRefresh    = 15 // the 16th access token kills the oldest
	refreshPerUser      = 20 // the 21st refresh token kills the oldest
	codesPerClientLimit = 10 // grant codes per client per mintWindow (consent endpoint)
)

// DefaultScopes are the scopes of Credentials().RefreshToken and of
// NewSelfClientCode without arguments: what zoho2sheets asks for.
var DefaultScopes = []string{
	"ZohoCRM.modules.READ",
	"ZohoCRM.settings.modules.READ",
	"ZohoCRM.settings.fields.READ",
	"ZohoCRM.bulk.read",
	"ZohoCRM.coql.READ",
	"ZohoCRM.users.READ",
	"ZohoCRM.org.READ",
}

// OrgID is the emulated CRM org's id (client_credentials needs soid=ZohoCRM.<OrgID>).
const OrgID = "60012345678"

type accountsState struct {
	refresh   map[string]*refreshToken
	active    []*refreshToken // the user's live refresh tokens, oldest first
	access    map[string]*accessToken
	codes     map[string]*grantCode
	codeTimes []time.Time // consent-endpoint codes, for the per-client limit
	consented bool        // the user gave offline consent once
}

type refreshToken struct {
	token   string
	scopes  []string
	revoked bool
	mints   []time.Time
	live    []*accessToken
}

type accessToken struct {
	token   string
	rt      *refreshToken // nil for online and client-credentials tokens
	scopes  []string
	expires time.Time
	revoked bool
}

type grantCode struct {
	scopes      []string
	expires     time.Time
	used        bool
	redirectURI string // "" for Self Client codes
	offline     bool
}

func (s *Server) initAccounts() {
	s.acc = accountsState{
		refresh: map[string]*refreshToken{},
		access:  map[string]*accessToken{},
		codes:   map[string]*grantCode{},
	}
	s.creds.ClientID = "1000." + strings.ToUpper(s.rng.alnum(30))
	s.creds.ClientSecret = s.rng.hex(42)
	s.creds.RefreshToken = s.newRefreshTokenLocked(DefaultScopes).token
}

// newRefreshTokenLocked issues a refresh token; past refreshPerUser the
// oldest silently dies with its access tokens (reference §1.5).
func (s *Server) newRefreshTokenLocked(scopes []string) *refreshToken {
	rt := &refreshToken{token: "1000." + s.rng.hex(32) + "." + s.rng.hex(32), scopes: slices.Clone(scopes)}
	s.acc.refresh[rt.token] = rt
	s.acc.active = append(s.acc.active, rt)
	for len(s.acc.active) > refreshPerUser {
		s.revokeRefreshLocked(s.acc.active[0])
	}
	return rt
}

func (s *Server) revokeRefreshLocked(rt *refreshToken) {
	rt.revoked = true
	for _, at := range rt.live {
		at.revoked = true
	}
	rt.live = nil
	s.acc.active = slices.DeleteFunc(s.acc.active, func(x *refreshToken) bool { return x == rt })
}

func (s *Server) newAccessTokenLocked(rt *refreshToken, scopes []string) *accessToken {
	at := &accessToken{token: "1000." + s.rng.hex(32) + "." + s.rng.hex(32), rt: rt,
		scopes: slices.Clone(scopes), expires: s.now.Add(accessTokenLife)}
	s.acc.access[at.token] = at
	s.stats.AccessTokensIssued++
	if rt != nil {
		rt.mints = append(rt.mints, s.now)
		rt.live = append(rt.live, at)
		for len(rt.live) > activePerRefresh {
			rt.live[0].revoked = true
			rt.live = rt.live[1:]
		}
	}
	return at
}

// NewSelfClientCode returns a fresh one-time grant code, as the API
// console's Self Client "Generate Code" tab does: valid 3 minutes of
// emulator clock, exchanged without redirect_uri for an access and a
// refresh token. No scopes means DefaultScopes.
func (s *Server) NewSelfClientCode(scopes ...string) string {
	if len(scopes) == 0 {
		scopes = DefaultScopes
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	code := "1000." + s.rng.hex(32) + "." + s.rng.hex(32)
	s.acc.codes[code] = &grantCode{scopes: slices.Clone(scopes), expires: s.now.Add(codeLife), offline: true}
	return code
}

// NewRefreshToken issues another refresh token for the emulator's client
// with the given scopes (DefaultScopes when none), as an exchanged code
// would. Useful for scope-mismatch tests.
func (s *Server) NewRefreshToken(scopes ...string) string {
	if len(scopes) == 0 {
		scopes = DefaultScopes
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.newRefreshTokenLocked(scopes).token
}

// ExpireAccessTokens makes every access token issued so far invalid: the
// next CRM call with one gets 401 INVALID_TOKEN (token expiry mid-run).
func (s *Server) ExpireAccessTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, at := range s.acc.access {
		at.revoked = true
	}
}

// RevokeRefreshToken revokes Credentials().RefreshToken and its access
// tokens: refreshing with it answers invalid_code, CRM calls INVALID_TOKEN.
func (s *Server) RevokeRefreshToken() {
	s.RevokeToken(s.Credentials().RefreshToken)
}

// RevokeToken revokes a refresh token (with its access tokens) or one
// access token, like the revoke endpoint. It reports whether token was known.
func (s *Server) RevokeToken(token string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.revokeLocked(token)
}

func (s *Server) revokeLocked(token string) bool {
	if rt, ok := s.acc.refresh[token]; ok && !rt.revoked {
		s.revokeRefreshLocked(rt)
		return true
	}
	if at, ok := s.acc.access[token]; ok && !at.revoked {
		at.revoked = true
		return true
	}
	return false
}

// serveAccounts answers an accounts server. known is false for another
// data centre's server, which does not know the emulator's client.
func (s *Server) serveAccounts(w http.ResponseWriter, r *http.Request, rest string, known bool) {
	switch rest {
	case "/oauth/v2/token":
		s.serveToken(w, r, known)
	case "/oauth/v2/token/revoke":
		s.serveRevoke(w, r, known)
	case "/oauth/v2/auth":
		s.serveAuth(w, r, known)
	case "/oauth/serverinfo":
		locs := map[string]string{}
		for _, dc := range []string{"us", "eu", "in", "au", "jp", "ca", "cn", "sa", "uk"} {
			locs[dc] = s.AccountsURLFor(dc)
		}
		writeJSON(w, http.StatusOK, map[string]any{"result": "success", "locations": locs})
	default:
		http.Error(w, "Not Found", http.StatusNotFound)
	}
}

// tokenError is the HTTP-200 failure body of the token endpoint (§1.4).
func (s *Server) tokenError(w http.ResponseWriter, code string) {
	s.mu.Lock()
	s.stats.TokenErrors[code]++
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"error": code})
}

func (s *Server) serveToken(w http.ResponseWriter, r *http.Request, known bool) {
	if r.Method != http.MethodPost {
		http.Error(w, "Method Not Allowed", http.StatusMethodNotAllowed)
		return
	}
	// Zoho reads the parameters from the form body or the query string.
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"error": "invalid_request"})
		return
	}
	grant := r.Form.Get("grant_type")
	s.mu.Lock()
	s.stats.TokenRequests++
	s.stats.TokenGrants[grant]++
	s.mu.Unlock()

	if !known || r.Form.Get("client_id") != s.creds.ClientID {
		s.tokenError(w, "invalid_client")
		return
	}
	if r.Form.Get("client_secret") != s.creds.ClientSecret {
		s.tokenError(w, "invalid_client_secret")
		return
	}
	switch grant {
	case "refresh_token":
		s.grantRefresh(w, r.Form.Get("refresh_token"))
	case "authorization_code":
		s.grantCode(w, r.Form.Get("code"), r.Form["redirect_uri"])
	case "client_credentials":
		s.grantClientCredentials(w, r.Form.Get("scope"), r.Form.Get("soid"))
	default:
		s.tokenError(w, "unsupported_grant_type")
	}
}

func (s *Server) grantRefresh(w http.ResponseWriter, token string) {
	s.mu.Lock()
	rt, ok := s.acc.refresh[token]
	if !ok || rt.revoked {
		s.mu.Unlock()
		s.tokenError(w, "invalid_code") // Zoho's answer for revoked and unknown refresh tokens
		return
	}
	rt.mints = slices.DeleteFunc(rt.mints, func(t time.Time) bool { return !t.After(s.now.Add(-mintWindow)) })
	if len(rt.mints) >= mintsPerWindow {
		s.stats.TokenErrors["Access Denied"]++
		s.mu.Unlock()
		writeJSON(w, http.StatusOK, map[string]any{
			"error_description": "You have made too many requests continuously. Please try again after some time.",
			"error":             "Access Denied",
			"status":            "failure",
		})
		return
	}
	at := s.newAccessTokenLocked(rt, rt.scopes)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": at.token,
		"api_domain":   s.APIDomain(),
		"token_type":   "Bearer",
		"expires_in":   int(accessTokenLife / time.Second),
	})
}

func (s *Server) grantCode(w http.ResponseWriter, code string, redirect []string) {
	s.mu.Lock()
	gc, ok := s.acc.codes[code]
	if !ok || gc.used || !s.now.Before(gc.expires) {
		s.mu.Unlock()
		s.tokenError(w, "invalid_code")
		return
	}
	if gc.redirectURI != "" && (len(redirect) == 0 || redirect[0] != gc.redirectURI) {
		s.mu.Unlock()
		s.tokenError(w, "invalid_redirect_uri")
		return
	}
	gc.used = true
	var rt *refreshToken
	if gc.offline {
		rt = s.newRefreshTokenLocked(gc.scopes)
	}
	at := s.newAccessTokenLocked(nil, gc.scopes)
	if rt != nil {
		// The first access token belongs to the new refresh token's family:
		// revoking the refresh token kills it too.
		at.rt = rt
		rt.live = append(rt.live, at)
	}
	s.mu.Unlock()
	body := map[string]any{
		"access_token": at.token,
		"scope":        strings.Join(gc.scopes, " "),
		"api_domain":   s.APIDomain(),
		"token_type":   "Bearer",
		"expires_in":   int(accessTokenLife / time.Second),
	}
	if rt != nil {
		body["refresh_token"] = rt.token
	}
	writeJSON(w, http.StatusOK, body)
}

func (s *Server) grantClientCredentials(w http.ResponseWriter, scope, soid string) {
	if soid == "" {
		s.tokenError(w, "missing_org_info")
		return
	}
	if soid != "ZohoCRM."+OrgID {
		s.tokenError(w, "invalid_org_info") // [UNCONFIRMED] exact code
		return
	}
	scopes := splitScopes(scope)
	if len(scopes) == 0 {
		s.tokenError(w, "invalid_scope")
		return
	}
	s.mu.Lock()
	at := s.newAccessTokenLocked(nil, scopes)
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": at.token,
		"scope":        strings.Join(scopes, " "),
		"api_domain":   s.APIDomain(),
		"token_type":   "Bearer",
		"expires_in":   int(accessTokenLife / time.Second),
	})
}

// serveRevoke: POST {accounts}/oauth/v2/token/revoke?token= (§1.6).
func (s *Server) serveRevoke(w http.ResponseWriter, r *http.Request, known bool) {
	if r.Method != http.MethodPost {
		http.Error(w, "Method Not Allowed", http.StatusMethodNotAllowed)
		return
	}
	if err := r.ParseForm(); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"status": "failure", "error": "invalid_request"})
		return
	}
	s.mu.Lock()
	ok := known && s.revokeLocked(r.Form.Get("token"))
	s.mu.Unlock()
	if !ok {
		// [UNCONFIRMED] body; the reference only says HTTP 400.
		writeJSON(w, http.StatusBadRequest, map[string]any{"status": "failure", "error": "invalid_token"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "success"})
}

// serveAuth is the consent endpoint (§1.2). The emulated user consents at
// once: it redirects to redirect_uri with code, location, accounts-server
// and state. Problems Zoho shows as a page (unknown client, unregistered
// redirect URI) are a 400 text answer; the rest redirect with error=.
func (s *Server) serveAuth(w http.ResponseWriter, r *http.Request, known bool) {
	q := r.URL.Query()
	if !known || q.Get("client_id") != s.creds.ClientID {
		http.Error(w, "Invalid Client: the client_id is not known at this data centre", http.StatusBadRequest)
		return
	}
	redirect := q.Get("redirect_uri")
	if !s.redirectAllowed(redirect) {
		http.Error(w, "Invalid Redirect Uri: redirect_uri does not match the one registered for the client", http.StatusBadRequest)
		return
	}
	back := func(v url.Values) {
		if st := q.Get("state"); st != "" {
			v.Set("state", st)
		}
		u, _ := url.Parse(redirect)
		qq := u.Query()
		for k, vs := range v {
			qq[k] = vs
		}
		u.RawQuery = qq.Encode()
		http.Redirect(w, r, u.String(), http.StatusFound)
	}
	if q.Get("response_type") != "code" {
		back(url.Values{"error": {"unsupported_response_type"}})
		return
	}
	scopes := splitScopes(q.Get("scope"))
	if len(scopes) == 0 || !validScopes(scopes) {
		back(url.Values{"error": {"invalid_scope"}})
		return
	}
	access := q.Get("access_type")
	if access == "" {
		access = "online"
	}
	if access != "online" && access != "offline" {
		back(url.Values{"error": {"invalid_request"}})
		return
	}
	s.mu.Lock()
	s.acc.codeTimes = slices.DeleteFunc(s.acc.codeTimes, func(t time.Time) bool { return !t.After(s.now.Add(-mintWindow)) })
	if len(s.acc.codeTimes) >= codesPerClientLimit {
		s.mu.Unlock()
		back(url.Values{"error": {"access_denied"}})
		return
	}
	s.acc.codeTimes = append(s.acc.codeTimes, s.now)
	// A refresh token comes only with the first offline consent, or with
	// prompt=consent afterwards (§1.2).
	offline := access == "offline" && (!s.acc.consented || q.Get("prompt") == "consent")
	if access == "offline" {
		s.acc.consented = true
	}
	code := "1000." + s.rng.hex(32) + "." + s.rng.hex(32)
	s.acc.codes[code] = &grantCode{scopes: scopes, expires: s.now.Add(codeLife), redirectURI: redirect, offline: offline}
	s.mu.Unlock()
	back(url.Values{"code": {code}, "location": {DC}, "accounts-server": {s.AccountsURL()}})
}

func (s *Server) redirectAllowed(redirect string) bool {
	if redirect == "" {
		return false
	}
	if len(s.opts.RedirectURIs) > 0 {
		return slices.Contains(s.opts.RedirectURIs, redirect)
	}
	u, err := url.Parse(redirect)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Fragment != "" {
		return false
	}
	h := strings.ToLower(u.Hostname())
	return h == "localhost" || h == "127.0.0.1" || h == "::1" || strings.HasSuffix(h, ".localhost")
}

func splitScopes(s string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		out = append(out, f)
	}
	return out
}

// validScopes accepts Zoho-shaped scope names (Service.scope[.operation]).
func validScopes(scopes []string) bool {
	for _, sc := range scopes {
		parts := strings.Split(sc, ".")
		if len(parts) < 2 || !strings.HasPrefix(sc, "Zoho") && !strings.HasPrefix(sc, "Aaa") {
			return false
		}
	}
	return true
}

// hasScope reports whether granted covers one of wanted (case-insensitive,
// as Zoho compares scope names).
func hasScope(granted []string, wanted ...string) bool {
	for _, g := range granted {
		for _, w := range wanted {
			if strings.EqualFold(g, w) {
				return true
			}
		}
	}
	return false
}

// authenticate checks the Authorization header of a CRM call (§1.9) and
// returns the access token's scopes.
func (s *Server) authenticate(r *http.Request) ([]string, *apiError) {
	h := r.Header.Get("Authorization")
	scheme, tok, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Zoho-oauthtoken") || strings.TrimSpace(tok) == "" {
		return nil, errAuthenticationFailure()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	at, ok := s.acc.access[strings.TrimSpace(tok)]
	if !ok || at.revoked || !s.now.Before(at.expires) || (at.rt != nil && at.rt.revoked) {
		return nil, errInvalidToken()
	}
	return at.scopes, nil
}
