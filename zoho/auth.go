package zoho

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultScopes are the OAuth scopes zoho2sheets needs: read records
// (including /deleted), module and field metadata, Bulk Read, COQL queries,
// the users list (owner names), and the org (home currency and the domain
// of record links).
var DefaultScopes = []string{
	"ZohoCRM.modules.READ",
	"ZohoCRM.settings.modules.READ",
	"ZohoCRM.settings.fields.READ",
	"ZohoCRM.bulk.read",
	"ZohoCRM.coql.READ",
	"ZohoCRM.users.READ",
	"ZohoCRM.org.READ",
}

// AuthCodeURL returns the consent URL a user opens in a browser
// (reference §1.2). It asks for offline access and forces the consent
// screen, because Zoho only returns a refresh token on an offline consent.
// The redirect then carries code, location and accounts-server: exchange
// the code at that accounts server.
func AuthCodeURL(accountsURL, clientID, redirectURI, state string, scopes []string) string {
	if len(scopes) == 0 {
		scopes = DefaultScopes
	}
	q := url.Values{
		"scope":         {strings.Join(scopes, ",")},
		"client_id":     {clientID},
		"response_type": {"code"},
		"access_type":   {"offline"},
		"prompt":        {"consent"},
		"redirect_uri":  {redirectURI},
	}
	if state != "" {
		q.Set("state", state)
	}
	return strings.TrimRight(accountsURL, "/") + "/oauth/v2/auth?" + q.Encode()
}

// Grant is what exchanging a grant code yields.
type Grant struct {
	RefreshToken string
	AccessToken  string
	APIDomain    string
	Expiry       time.Time
	Scope        string
}

// String describes g without its tokens, so it is safe to log.
func (g *Grant) String() string {
	return fmt.Sprintf("zoho grant{api_domain=%s scope=%q expiry=%s refresh_token=%t}",
		g.APIDomain, g.Scope, g.Expiry.Format(time.RFC3339), g.RefreshToken != "")
}

// Exchange trades a grant code for a refresh and an access token at the
// client's accounts server. redirectURI must be the one used to get the
// code; pass "" for a Self Client code from the API console. A code is
// single-use and lives a few minutes. Failures are *TokenError.
func (c *Client) Exchange(ctx context.Context, code, redirectURI string) (*Grant, error) {
	acc, err := c.accounts()
	if err != nil {
		return nil, err
	}
	form := url.Values{
		"grant_type":    {"authorization_code"},
		"client_id":     {acc.clientID},
		"client_secret": {acc.clientSecret},
		"code":          {code},
	}
	if redirectURI != "" {
		form.Set("redirect_uri", redirectURI)
	}
	start := c.now()
	tr, err := acc.post(ctx, opExchange, "/oauth/v2/token", form)
	if err != nil {
		return nil, err
	}
	g := &Grant{RefreshToken: tr.RefreshToken, AccessToken: tr.AccessToken, Scope: tr.Scope,
		APIDomain: strings.TrimRight(tr.APIDomain, "/"), Expiry: start.Add(tr.lifetime())}
	if g.RefreshToken == "" {
		e := newTokenError(opExchange, "no_refresh_token", "Zoho returned an access token but no refresh token",
			http.StatusOK, acc.url, acc.dc, nil)
		e.hint = "consent again with access_type=offline&prompt=consent (what `zoho2sheets auth` sends), or generate a new Self Client code"
		return g, e
	}
	c.log.Info().Str("accounts", acc.url).Str("api_domain", g.APIDomain).Str("scope", g.Scope).Msg("grant code exchanged for a refresh token")
	return g, nil
}

// Revoke revokes a refresh token (and every access token minted from it)
// or a single access token. Failures are *TokenError.
func (c *Client) Revoke(ctx context.Context, token string) error {
	acc, err := c.accounts()
	if err != nil {
		return err
	}
	rctx, cancel := context.WithTimeout(ctx, acc.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(rctx, http.MethodPost,
		acc.url+"/oauth/v2/token/revoke?"+url.Values{"token": {token}}.Encode(), nil)
	if err != nil {
		return newTokenError(opRevoke, CodeBadResponse, Redact(err.Error()), 0, acc.url, acc.dc, nil)
	}
	resp, err := acc.hc.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("zoho: %s: %w", opRevoke, ctx.Err())
		}
		return newTokenError(opRevoke, CodeNetwork, "", 0, acc.url, acc.dc, scrubURLError(err))
	}
	defer resp.Body.Close()
	var body struct {
		Status string `json:"status"`
		Error  string `json:"error"`
	}
	_ = decodeLimited(resp.Body, &body)
	if resp.StatusCode == http.StatusOK && body.Error == "" && (body.Status == "" || body.Status == "success") {
		return nil
	}
	code := body.Error
	if code == "" {
		code = "revoke_failed"
	}
	e := newTokenError(opRevoke, code, "HTTP "+resp.Status, resp.StatusCode, acc.url, acc.dc, nil)
	e.hint = "the token is unknown at this accounts server (already revoked, or another data centre)"
	return e
}
