package zoho

import (
	"fmt"
	"net"
	"net/url"
	"slices"
	"strings"

	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

// DataCenter is one Zoho data centre: the accounts server that issues
// tokens and the host that serves the CRM API of the orgs it holds.
type DataCenter struct {
	Name        string // "us", "eu", …
	AccountsURL string // e.g. https://accounts.zoho.eu
	APIDomain   string // e.g. https://www.zohoapis.eu
}

// DataCenters lists the data centres, keyed by the ZOHO_DC name (reference
// §1.1). CA's accounts server is on zohocloud.ca, not zoho.ca. The UK CRM host
// is unconfirmed, but the token endpoint's api_domain wins over it anyway.
var DataCenters = map[string]DataCenter{
	"us": {"us", "https://accounts.zoho.com", "https://www.zohoapis.com"},
	"eu": {"eu", "https://accounts.zoho.eu", "https://www.zohoapis.eu"},
	"in": {"in", "https://accounts.zoho.in", "https://www.zohoapis.in"},
	"au": {"au", "https://accounts.zoho.com.au", "https://www.zohoapis.com.au"},
	"jp": {"jp", "https://accounts.zoho.jp", "https://www.zohoapis.jp"},
	"ca": {"ca", "https://accounts.zohocloud.ca", "https://www.zohoapis.ca"},
	"cn": {"cn", "https://accounts.zoho.com.cn", "https://www.zohoapis.com.cn"},
	"sa": {"sa", "https://accounts.zoho.sa", "https://www.zohoapis.sa"},
	"uk": {"uk", "https://accounts.zoho.uk", "https://www.zohoapis.uk"},
}

// DefaultDC is the data centre used when none is named.
const DefaultDC = "us"

// DCNames returns the valid data-centre names, sorted.
func DCNames() []string {
	names := make([]string, 0, len(DataCenters))
	for n := range DataCenters {
		names = append(names, n)
	}
	slices.Sort(names)
	return names
}

// LookupDC returns the data centre called name (case-insensitive; "" means
// DefaultDC). Unknown names give an error that lists the valid ones.
func LookupDC(name string) (DataCenter, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	if n == "" {
		n = DefaultDC
	}
	if dc, ok := DataCenters[n]; ok {
		return dc, nil
	}
	return DataCenter{}, fmt.Errorf("unknown Zoho data centre %q: use one of %s", name, strings.Join(DCNames(), ", "))
}

// Credentials are what the client needs to get access tokens.
//
// AccountsURL is the accounts server tokens come from (the DC's unless
// overridden). APIDomain, when set, overrides the api_domain the token
// endpoint returns (sandbox, developer edition, proxies); leave it empty to
// follow Zoho, which is what Zoho asks clients to do.
type Credentials struct {
	ClientID     string
	ClientSecret string
	RefreshToken string
	DC           string
	AccountsURL  string
	APIDomain    string
}

// String describes c without its secrets, so it is safe to log.
func (c Credentials) String() string {
	return fmt.Sprintf("zoho credentials{client_id=%s dc=%s accounts=%s api_domain=%s secret=%t refresh_token=%t}",
		c.ClientID, c.DC, c.AccountsURL, c.APIDomain, c.ClientSecret != "", c.RefreshToken != "")
}

// GoString keeps %#v from printing the secrets.
func (c Credentials) GoString() string { return c.String() }

// CredentialsFromEnv reads the credentials from ZOHO_CLIENT_ID,
// ZOHO_CLIENT_SECRET, ZOHO_REFRESH_TOKEN, ZOHO_DC (default us),
// ZOHO_ACCOUNTS_URL and ZOHO_API_DOMAIN. A missing or invalid variable gives
// a *zsync.ConfigError naming it (never its value).
func CredentialsFromEnv(getenv func(string) string) (Credentials, error) {
	get := func(k string) string { return strings.TrimSpace(getenv(k)) }
	var c Credentials
	dcName := get("ZOHO_DC")
	dc, err := LookupDC(dcName)
	if err != nil {
		return c, &zsync.ConfigError{Where: "ZOHO_DC", Msg: fmt.Sprintf("unknown data centre %q", dcName),
			Hint: "set ZOHO_DC to one of " + strings.Join(DCNames(), ", ") + " (the domain you log in to Zoho CRM at)"}
	}
	c.DC = dc.Name
	required := []struct {
		name string
		dst  *string
		hint string
	}{
		{"ZOHO_CLIENT_ID", &c.ClientID, "copy the client id (1000.…) from the Zoho API console of your data centre"},
		{"ZOHO_CLIENT_SECRET", &c.ClientSecret, "copy the client secret from the Zoho API console"},
		{"ZOHO_REFRESH_TOKEN", &c.RefreshToken, "run `zoho2sheets auth` to get one and store it as a secret"},
	}
	for _, r := range required {
		*r.dst = get(r.name)
		if *r.dst == "" {
			return c, &zsync.ConfigError{Where: r.name, Msg: "not set", Hint: r.hint}
		}
		if err := CheckPasted(r.name, *r.dst); err != nil {
			return c, err
		}
	}
	c.AccountsURL = dc.AccountsURL
	if v := get("ZOHO_ACCOUNTS_URL"); v != "" {
		u, err := checkBaseURL(v)
		if err != nil {
			return c, &zsync.ConfigError{Where: "ZOHO_ACCOUNTS_URL", Msg: err.Error(),
				Hint: "use the accounts server of your data centre, e.g. " + dc.AccountsURL + ", or unset it"}
		}
		c.AccountsURL = u
	}
	if v := get("ZOHO_API_DOMAIN"); v != "" {
		u, err := checkBaseURL(v)
		if err != nil {
			return c, &zsync.ConfigError{Where: "ZOHO_API_DOMAIN", Msg: err.Error(),
				Hint: "use e.g. " + dc.APIDomain + " (or https://sandbox.zohoapis…), or unset it to use the api_domain Zoho returns"}
		}
		c.APIDomain = u
	}
	return c, nil
}

// CheckPasted catches a credential stored with more than its value (never
// echoing it): a line of `auth`'s output ("ZOHO_REFRESH_TOKEN=1000.…") or
// of a shell script, or quotes, which docker --env-file and kubectl
// --from-env-file keep. Zoho would answer invalid_code or invalid_client,
// as for a revoked token or a wrong data centre.
func CheckPasted(name, v string) error {
	if i := strings.Index(v, name+"="); i >= 0 && strings.TrimSpace(strings.TrimPrefix(v[:i], "export ")) == "" {
		return &zsync.ConfigError{Where: name, Msg: "the value starts with " + name + "=",
			Hint: "store only what follows " + name + "= as the secret"}
	}
	if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
		return &zsync.ConfigError{Where: name, Msg: "the value is wrapped in quotes",
			Hint: "store it without the quotes (docker --env-file and kubectl --from-env-file keep them)"}
	}
	return nil
}

// checkBaseURL validates a base URL and returns it without a trailing
// slash. Plain http is refused except on loopback: tokens and secrets
// travel over these URLs.
func checkBaseURL(s string) (string, error) {
	u, err := url.Parse(s)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return "", fmt.Errorf("%q is not an http(s) URL", s)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("%q: a base URL has no query or fragment", s)
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		return "", fmt.Errorf("%q: plain http is only allowed on loopback; use https", s)
	}
	return strings.TrimRight(u.String(), "/"), nil
}

func isLoopback(host string) bool {
	h := strings.ToLower(host)
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}
