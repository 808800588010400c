package sheets

import (
	"context"
	"encoding/base64"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/oauth2/google"

	zsync "github.com/zoho2sheets/zoho2sheets/sync"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestCredentialsFromEnv(t *testing.T) {
	srv, grants := tokenServer(t)
	key := serviceAccountJSON(t, "sync@p.iam.gserviceaccount.com", srv.URL+"/token")
	file := filepath.Join(t.TempDir(), "key.json")
	if err := os.WriteFile(file, key, 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		env  map[string]string
		from string
	}{
		{"JSONVariable", map[string]string{EnvCredentialsJSON: string(key)}, EnvCredentialsJSON},
		{"Base64Variable", map[string]string{EnvCredentialsJSON: base64.StdEncoding.EncodeToString(key)}, EnvCredentialsJSON},
		{"File", map[string]string{EnvCredentialsFile: file}, EnvCredentialsFile},
		{"JSONWinsOverFile", map[string]string{EnvCredentialsJSON: string(key), EnvCredentialsFile: "/nonexistent"}, EnvCredentialsJSON},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := CredentialsFromEnv(context.Background(), env(tc.env))
			if err != nil {
				t.Fatal(err)
			}
			if c.Type != TypeServiceAccount || c.ServiceAccountEmail() != "sync@p.iam.gserviceaccount.com" || !strings.HasPrefix(c.From, tc.from) {
				t.Errorf("got %+v", c)
			}
			before := *grants
			tok, err := c.TokenSource().Token()
			if err != nil {
				t.Fatal(err)
			}
			if tok.AccessToken != "tok-1" || *grants != before+1 {
				t.Errorf("token %q, grants %d: the key's token_uri was not used", tok.AccessToken, *grants)
			}
		})
	}
}

func TestCredentialsExternalAccount(t *testing.T) {
	wif := `{"type":"external_account","audience":"//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/github/providers/repo",
 "subject_token_type":"urn:ietf:params:oauth:token-type:jwt","token_url":"https://sts.googleapis.com/v1/token",
 "credential_source":{"url":"https://example.invalid/token?audience=x","headers":{"Authorization":"Bearer secret-request-token"},"format":{"type":"json","subject_token_field_name":"value"}},
 "service_account_impersonation_url":"https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/zoho-sync@my-project.iam.gserviceaccount.com:generateAccessToken"}`
	c, err := CredentialsFromEnv(context.Background(), env(map[string]string{EnvCredentialsJSON: wif}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Type != TypeExternalAccount || c.Email != "zoho-sync@my-project.iam.gserviceaccount.com" {
		t.Errorf("got type %q email %q", c.Type, c.Email)
	}
}

func TestCredentialsErrors(t *testing.T) {
	key := string(serviceAccountJSON(t, "a@b.c", "https://oauth2.googleapis.com/token"))
	pemBody := strings.Split(testKey(t), "\n")[1] // a line of key material
	cases := []struct {
		name, val, where, want string
	}{
		{"Truncated", key[:len(key)-5], EnvCredentialsJSON, "not valid JSON"},
		{"AuthorizedUser", `{"type":"authorized_user","client_id":"x","client_secret":"very-secret","refresh_token":"rt-secret"}`, EnvCredentialsJSON, `"authorized_user" are not supported`},
		{"NoType", `{"client_email":"a@b.c"}`, EnvCredentialsJSON, `no "type"`},
		{"BadKey", strings.Replace(key, pemBody[:40], "AAAA"+pemBody[4:40], 1), EnvCredentialsJSON, "private_key"},
		{"HTTPTokenURI", string(serviceAccountJSON(t, "a@b.c", "http://evil.example.com/token")), EnvCredentialsJSON, "plain http"},
		{"NotBase64", "%%%", EnvCredentialsJSON, "neither JSON nor base64"},
		// The path of the key file in the variable meant for its content.
		{"APath", "/home/me/key.json", EnvCredentialsJSON, "set " + EnvCredentialsFile + "=/home/me/key.json"},
		{"AWindowsPath", `C:\keys\sa.json`, EnvCredentialsJSON, "set " + EnvCredentialsFile + `=C:\keys\sa.json`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := CredentialsFromEnv(context.Background(), env(map[string]string{tc.where: tc.val}))
			if err == nil {
				t.Fatal("no error")
			}
			var ce *zsync.ConfigError
			if !errors.As(err, &ce) || ce.Where != tc.where {
				t.Errorf("error %v does not name %s", err, tc.where)
			}
			mustContain(t, err.Error(), tc.want)
			for _, secret := range []string{pemBody[10:30], "PRIVATE KEY", "very-secret", "rt-secret"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error leaks key material %q: %v", secret, err)
				}
			}
		})
	}
	// The key's JSON put where its path goes (GOOGLE_APPLICATION_CREDENTIALS:
	// ${{ secrets.GOOGLE_CREDENTIALS_JSON }}): said so, and never echoed,
	// base64 included.
	for name, v := range map[string]string{"JSONInThePathVariable": key, "Base64InThePathVariable": base64.StdEncoding.EncodeToString([]byte(key))} {
		t.Run(name, func(t *testing.T) {
			_, err := CredentialsFromEnv(context.Background(), env(map[string]string{EnvCredentialsFile: v}))
			var ce *zsync.ConfigError
			if !errors.As(err, &ce) || ce.Where != EnvCredentialsFile {
				t.Fatalf("got %v", err)
			}
			mustContain(t, err.Error(), EnvCredentialsJSON)
			for _, secret := range []string{pemBody[10:30], "PRIVATE KEY", v[:40], v[len(v)-40:]} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error leaks the key %q: %v", secret, err)
				}
			}
		})
	}
	t.Run("MissingFile", func(t *testing.T) {
		_, err := CredentialsFromEnv(context.Background(), env(map[string]string{EnvCredentialsFile: "/nonexistent/key.json"}))
		var ce *zsync.ConfigError
		if !errors.As(err, &ce) || ce.Where != EnvCredentialsFile {
			t.Fatalf("got %v", err)
		}
		mustContain(t, err.Error(), "/nonexistent/key.json")
	})
	t.Run("NoCredentialsAtAll", func(t *testing.T) {
		old := findDefault
		findDefault = func(context.Context, ...string) (*google.Credentials, error) {
			return nil, errors.New("google: could not find default credentials")
		}
		defer func() { findDefault = old }()
		_, err := CredentialsFromEnv(context.Background(), env(nil))
		if err == nil {
			t.Fatal("no error")
		}
		mustContain(t, err.Error(), EnvCredentialsJSON)
		mustContain(t, zsync.Hint(err), "GOOGLE_APPLICATION_CREDENTIALS")
	})
}

func TestWithEndpoint(t *testing.T) {
	for _, ok := range []string{"https://sheets.googleapis.com/", "http://127.0.0.1:8080", "http://localhost:1/", "http://[::1]:9/", "http://sheets.test/"} {
		if err := WithEndpoint(ok)(&Client{}); err != nil {
			t.Errorf("%s: %v", ok, err)
		}
	}
	for _, bad := range []string{"http://example.com/", "ftp://x/", "sheets.googleapis.com", ""} {
		err := WithEndpoint(bad)(&Client{})
		var ce *zsync.ConfigError
		if !errors.As(err, &ce) || ce.Where != EnvEndpoint {
			t.Errorf("%q: got %v", bad, err)
		}
	}
}
