package sheetstest

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/google"
	"google.golang.org/api/googleapi"
	"google.golang.org/api/option"
	"google.golang.org/api/sheets/v4"
)

const testSA = "sync@test-project.iam.gserviceaccount.com"

// env is one emulator with a shared spreadsheet and an authenticated client.
type env struct {
	srv *Server
	svc *sheets.Service
	id  string
	key []byte
}

// modes runs body against a listening server (key-file auth through the
// client's own token exchange) and an in-process one (x/oauth2 JWT flow
// over HTTPClient).
func modes(t *testing.T, o Options, body func(t *testing.T, e *env)) {
	t.Helper()
	for _, noListener := range []bool{false, true} {
		name := "Listener"
		if noListener {
			name = "NoListener"
		}
		t.Run(name, func(t *testing.T) {
			o := o
			o.NoListener = noListener
			body(t, newEnv(t, o))
		})
	}
}

func newEnv(t *testing.T, o Options) *env {
	t.Helper()
	srv, err := NewServer(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Stop)
	e := &env{srv: srv, key: srv.NewServiceAccount(testSA)}
	e.id = srv.CreateSpreadsheet("CRM", "Europe/Berlin")
	srv.Share(e.id, testSA)
	e.svc = e.client(t, e.key)
	return e
}

// client builds the real sheets/v4 service for a key file.
func (e *env) client(t *testing.T, key []byte) *sheets.Service {
	t.Helper()
	ctx := context.Background()
	var opts []option.ClientOption
	if e.srv.opts.NoListener {
		hctx := context.WithValue(ctx, oauth2.HTTPClient, e.srv.HTTPClient())
		creds, err := google.CredentialsFromJSONWithType(hctx, key, google.ServiceAccount, sheets.SpreadsheetsScope)
		if err != nil {
			t.Fatal(err)
		}
		hc := &http.Client{Transport: &oauth2.Transport{Source: creds.TokenSource, Base: e.srv.HTTPClient().Transport}}
		opts = append(opts, option.WithHTTPClient(hc))
	} else if e.srv.opts.NoAuth {
		opts = append(opts, option.WithoutAuthentication())
	} else {
		opts = append(opts, option.WithAuthCredentialsJSON(option.ServiceAccount, key), option.WithScopes(sheets.SpreadsheetsScope))
	}
	opts = append(opts, option.WithEndpoint(e.srv.URL()+"/"))
	svc, err := sheets.NewService(ctx, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// apiErr asserts err is a *googleapi.Error with code and returns it.
func apiErr(t *testing.T, err error, code int) *googleapi.Error {
	t.Helper()
	var ge *googleapi.Error
	if !errors.As(err, &ge) {
		t.Fatalf("want a googleapi.Error %d, got %v", code, err)
	}
	if ge.Code != code {
		t.Fatalf("want HTTP %d, got %d: %s", code, ge.Code, ge.Body)
	}
	return ge
}

func must[T any](t *testing.T) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}
