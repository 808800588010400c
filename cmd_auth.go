package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/rs/zerolog"

	zsync "github.com/zoho2sheets/zoho2sheets/sync"
	"github.com/zoho2sheets/zoho2sheets/zoho"
)

const defaultRedirect = "http://127.0.0.1:8976/callback"

// cmdAuth runs Zoho's consent flow and prints a refresh token, ready to be
// stored as a secret. The token goes to stdout only: never to a log.
func cmdAuth(ctx context.Context, args []string, e env) error {
	fs := flag.NewFlagSet("auth", flag.ContinueOnError)
	fs.SetOutput(e.stderr)
	dcFlag := fs.String("dc", "", "data centre (default $ZOHO_DC or us)")
	scopes := fs.String("scopes", strings.Join(zoho.DefaultScopes, ","), "comma-separated OAuth scopes")
	redirect := fs.String("redirect", defaultRedirect, "redirect URI registered for the client (a loopback address)")
	code := fs.String("code", "", "a grant code: from a Self Client (API console → Generate Code), or pasted from a redirect")
	var timeout time.Duration
	durationFlag(fs, &timeout, "timeout", 5*time.Minute, "how long to wait for the redirect (a `duration` such as 5m)")
	if err := fs.Parse(args); err != nil {
		return flagErr(err)
	}
	creds, err := clientCredentials(e, *dcFlag)
	if err != nil {
		return err
	}
	exchange := func(code, redirectURI, accountsServer string) error {
		c := creds
		if accountsServer != "" {
			c.AccountsURL = accountsServer
		}
		zc, err := zoho.NewClient(zoho.WithCredentials(c), zoho.WithHTTPClient(httpClient(e)))
		if err != nil {
			return err
		}
		g, err := zc.Exchange(ctx, code, redirectURI)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "ZOHO_REFRESH_TOKEN=%s\n", g.RefreshToken)
		fmt.Fprintf(e.stdout, "# api domain: %s  scopes: %s\n", g.APIDomain, g.Scope)
		fmt.Fprintln(e.stderr, "Store ZOHO_REFRESH_TOKEN as a secret (it does not expire until revoked; Zoho keeps 20 per user).")
		return nil
	}
	if *code != "" {
		// A Self Client code is exchanged without a redirect URI.
		return exchange(strings.TrimSpace(*code), "", "")
	}

	ru, err := url.Parse(*redirect)
	if err != nil || ru.Scheme != "http" || !isLoopbackHost(ru.Hostname()) {
		return usageErr("--redirect %q: use a loopback URL such as %s (register it for the client in the API console), or pass --code", *redirect, defaultRedirect)
	}
	listen := net.Listen
	if e.listen != nil {
		listen = e.listen
	}
	ln, err := listen("tcp", ru.Host)
	if err != nil {
		return usageErr("listen on %s for the redirect: %v (pick another --redirect port)", ru.Host, err)
	}
	state := randomState()
	results := make(chan authResult, 2)
	send := func(r authResult) {
		select { // the first answer wins; later ones are dropped
		case results <- r:
		default:
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc(ru.Path, func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		var res authResult
		switch {
		case q.Get("state") != state:
			http.Error(w, "state mismatch", http.StatusBadRequest)
			return
		case q.Get("error") != "":
			// A refusal comes without a code: check for it first.
			res = authResult{err: fmt.Errorf("zoho refused consent: %s", q.Get("error"))}
			fmt.Fprintln(w, "zoho2sheets: consent was refused; see the terminal.")
		case q.Get("code") == "":
			http.Error(w, "no code", http.StatusBadRequest)
			return
		default:
			res = authResult{code: q.Get("code"), accounts: q.Get("accounts-server")}
			fmt.Fprintln(w, "zoho2sheets: you can close this tab and return to the terminal.")
		}
		// Answer the browser before the command goes on: once it has a
		// result it exchanges the code and shuts the server down.
		if f, ok := w.(http.Flusher); ok {
			f.Flush()
		}
		send(res)
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	defer func() {
		// Let an answer being written finish; then drop what is left.
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		defer cancel()
		if srv.Shutdown(sctx) != nil {
			srv.Close()
		}
	}()

	fmt.Fprintf(e.stderr, "Open this URL in a browser, sign in and accept:\n\n  %s\n\nWaiting for the redirect to %s (or paste the code here and press Enter)…\n",
		zoho.AuthCodeURL(creds.AccountsURL, creds.ClientID, *redirect, state, splitList(*scopes)), *redirect)
	if e.stdin != nil {
		go func() {
			line, _ := bufio.NewReader(e.stdin).ReadString('\n')
			if line = strings.TrimSpace(line); line != "" {
				send(pastedCode(line))
			}
		}()
	}
	select {
	case r := <-results:
		if r.err != nil {
			return r.err
		}
		accounts := ""
		if r.accounts != "" && r.accounts != creds.AccountsURL {
			// The user's account lives in another data centre: Zoho says to
			// exchange the code at the accounts server it names.
			if err := checkAccountsServer(r.accounts); err != nil {
				return err
			}
			accounts = r.accounts
		}
		return exchange(r.code, *redirect, accounts)
	case <-time.After(timeout):
		return fmt.Errorf("no redirect within %s: run zoho2sheets auth again, or use --code with a Self Client code", timeout)
	case <-ctx.Done():
		return ctx.Err()
	}
}

// authResult is what the consent flow ends with: a code, or an error.
type authResult struct {
	code, accounts string
	err            error
}

// pastedCode takes a code, or the whole redirect URL a browser ended on.
func pastedCode(s string) (r authResult) {
	if u, err := url.Parse(s); err == nil && u.Query().Get("code") != "" {
		r.code, r.accounts = u.Query().Get("code"), u.Query().Get("accounts-server")
		return r
	}
	r.code = s
	return r
}

// clientCredentials reads the client id and secret (no refresh token yet).
func clientCredentials(e env, dcName string) (zoho.Credentials, error) {
	from := "--dc"
	if dcName == "" {
		dcName, from = e.getenv("ZOHO_DC"), "ZOHO_DC"
	}
	dc, err := lookupDC(dcName, from)
	if err != nil {
		return zoho.Credentials{}, err
	}
	c := zoho.Credentials{ClientID: strings.TrimSpace(e.getenv("ZOHO_CLIENT_ID")), ClientSecret: strings.TrimSpace(e.getenv("ZOHO_CLIENT_SECRET")),
		DC: dc.Name, AccountsURL: dc.AccountsURL}
	if c.ClientID == "" {
		return c, &zsync.ConfigError{Where: "ZOHO_CLIENT_ID", Msg: "not set", Hint: "copy the client id (1000.…) from the Zoho API console"}
	}
	if c.ClientSecret == "" {
		return c, &zsync.ConfigError{Where: "ZOHO_CLIENT_SECRET", Msg: "not set", Hint: "copy the client secret from the Zoho API console"}
	}
	for name, v := range map[string]string{"ZOHO_CLIENT_ID": c.ClientID, "ZOHO_CLIENT_SECRET": c.ClientSecret} {
		if err := zoho.CheckPasted(name, v); err != nil {
			return c, err
		}
	}
	if v := e.getenv("ZOHO_ACCOUNTS_URL"); v != "" {
		c.AccountsURL = strings.TrimRight(v, "/")
	}
	return c, nil
}

// lookupDC returns the data centre called name, or an error naming where
// the name came from (--dc, ZOHO_DC).
func lookupDC(name, from string) (zoho.DataCenter, error) {
	dc, err := zoho.LookupDC(name)
	if err != nil {
		return dc, &zsync.ConfigError{Where: from, Msg: fmt.Sprintf("unknown data centre %q", name),
			Hint: "use one of " + strings.Join(zoho.DCNames(), ", ") + " (the domain you log in to Zoho CRM at)"}
	}
	return dc, nil
}

// checkAccountsServer accepts only https accounts servers (or loopback, for
// the emulator): the code and the client secret are sent there.
func checkAccountsServer(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && !(u.Scheme == "http" && isLoopbackHost(u.Hostname()))) {
		return fmt.Errorf("the redirect named accounts server %q, which is not https: refusing to send the client secret there", s)
	}
	return nil
}

func isLoopbackHost(h string) bool {
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

func randomState() string {
	b := make([]byte, 16)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' })
}

func httpClient(e env) *http.Client {
	if e.httpClient != nil {
		return e.httpClient
	}
	return http.DefaultClient
}

func flagErr(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return nil
	}
	return usageErr("%v", err)
}

// quietLogger is the logger of the set-up commands: warnings and errors
// only, on stderr, readable.
func quietLogger(e env) zerolog.Logger {
	return zerolog.New(zerolog.ConsoleWriter{Out: e.stderr, NoColor: true, TimeFormat: "15:04:05"}).
		Level(zerolog.WarnLevel).With().Timestamp().Logger()
}
