package zoho

import (
	"errors"
	"strings"
	"testing"

	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

func envOf(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestCredentialsFromEnv(t *testing.T) {
	full := map[string]string{
		"ZOHO_CLIENT_ID": "1000.ID", "ZOHO_CLIENT_SECRET": "sekrit-value", "ZOHO_REFRESH_TOKEN": "1000.refresh",
	}
	with := func(kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range full {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	t.Run("DefaultsToUS", func(t *testing.T) {
		c, err := CredentialsFromEnv(envOf(full))
		if err != nil {
			t.Fatal(err)
		}
		if c.DC != "us" || c.AccountsURL != "https://accounts.zoho.com" || c.APIDomain != "" {
			t.Errorf("got %+v", c)
		}
		if c.ClientID != "1000.ID" || c.ClientSecret != "sekrit-value" || c.RefreshToken != "1000.refresh" {
			t.Errorf("got %v", c)
		}
	})
	t.Run("CanadaIsZohoCloud", func(t *testing.T) {
		c, err := CredentialsFromEnv(envOf(with("ZOHO_DC", "CA")))
		if err != nil {
			t.Fatal(err)
		}
		if c.AccountsURL != "https://accounts.zohocloud.ca" {
			t.Errorf("accounts = %s", c.AccountsURL)
		}
	})
	t.Run("EveryDC", func(t *testing.T) {
		for _, n := range []string{"us", "eu", "in", "au", "jp", "ca", "cn", "sa", "uk"} {
			c, err := CredentialsFromEnv(envOf(with("ZOHO_DC", n)))
			if err != nil || !strings.HasPrefix(c.AccountsURL, "https://accounts.zoho") {
				t.Errorf("%s: %v %v", n, c, err)
			}
		}
	})
	t.Run("Overrides", func(t *testing.T) {
		c, err := CredentialsFromEnv(envOf(with("ZOHO_ACCOUNTS_URL", "http://127.0.0.1:9/accounts/",
			"ZOHO_API_DOMAIN", "https://sandbox.zohoapis.com")))
		if err != nil {
			t.Fatal(err)
		}
		if c.AccountsURL != "http://127.0.0.1:9/accounts" || c.APIDomain != "https://sandbox.zohoapis.com" {
			t.Errorf("got %v", c)
		}
	})
	for _, tc := range []struct {
		name  string
		env   map[string]string
		where string
		want  string
	}{
		{"MissingClientID", with("ZOHO_CLIENT_ID", ""), "ZOHO_CLIENT_ID", "not set"},
		{"MissingSecret", with("ZOHO_CLIENT_SECRET", " "), "ZOHO_CLIENT_SECRET", "not set"},
		{"MissingRefreshToken", with("ZOHO_REFRESH_TOKEN", ""), "ZOHO_REFRESH_TOKEN", "zoho2sheets auth"},
		{"UnknownDC", with("ZOHO_DC", "mars"), "ZOHO_DC", "uk, us"},
		{"PlainHTTPRemote", with("ZOHO_ACCOUNTS_URL", "http://accounts.example.com"), "ZOHO_ACCOUNTS_URL", "plain http"},
		{"PlainHTTPAPIDomain", with("ZOHO_API_DOMAIN", "http://10.0.0.1"), "ZOHO_API_DOMAIN", "plain http"},
		{"NotAURL", with("ZOHO_API_DOMAIN", "zohoapis.com"), "ZOHO_API_DOMAIN", "not an http"},
		// What `auth` prints, pasted whole into the secret.
		{"PastedWithItsName", with("ZOHO_REFRESH_TOKEN", "ZOHO_REFRESH_TOKEN=1000.refresh"), "ZOHO_REFRESH_TOKEN", "only what follows ZOHO_REFRESH_TOKEN="},
		{"PastedWithExport", with("ZOHO_CLIENT_SECRET", "export ZOHO_CLIENT_SECRET=sekrit-value"), "ZOHO_CLIENT_SECRET", "only what follows ZOHO_CLIENT_SECRET="},
		// docker --env-file and kubectl --from-env-file keep quotes.
		{"Quoted", with("ZOHO_CLIENT_SECRET", `"sekrit-value"`), "ZOHO_CLIENT_SECRET", "quotes"},
		{"SingleQuoted", with("ZOHO_CLIENT_ID", `'1000.ID'`), "ZOHO_CLIENT_ID", "quotes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := CredentialsFromEnv(envOf(tc.env))
			var ce *zsync.ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want *ConfigError", err)
			}
			if ce.Where != tc.where {
				t.Errorf("Where = %q, want %q", ce.Where, tc.where)
			}
			if !strings.Contains(ce.Error(), tc.want) {
				t.Errorf("%q lacks %q", ce.Error(), tc.want)
			}
			if strings.Contains(ce.Error(), "sekrit-value") || strings.Contains(ce.Error(), "1000.refresh") {
				t.Errorf("secret in error: %s", ce)
			}
		})
	}
	t.Run("StringHidesSecrets", func(t *testing.T) {
		c, _ := CredentialsFromEnv(envOf(full))
		for _, s := range []string{c.String(), c.GoString()} {
			if strings.Contains(s, "sekrit") || strings.Contains(s, "1000.refresh") {
				t.Errorf("secret shown: %s", s)
			}
		}
	})
}

func TestCheckBaseURLLoopback(t *testing.T) {
	for _, u := range []string{"http://127.0.0.1:8080", "http://[::1]:80", "http://localhost:1", "http://127.5.5.5", "https://x.example"} {
		if _, err := checkBaseURL(u); err != nil {
			t.Errorf("%s: %v", u, err)
		}
	}
	for _, u := range []string{"http://192.168.1.1", "http://example.com", "ftp://x", "https://x?a=b"} {
		if _, err := checkBaseURL(u); err == nil {
			t.Errorf("%s accepted", u)
		}
	}
}
