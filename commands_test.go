package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for a command writing while a test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// inProcess runs Main with the emulators' environment plus extra variables.
func inProcess(t *testing.T, em *emulators, extra map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	return inProcessEnv(t, em, extra, nil, args...)
}

// inProcessEnv is inProcess with tweak applied to the env first (nil: none).
func inProcessEnv(t *testing.T, em *emulators, extra map[string]string, tweak func(*env), args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb syncBuffer
	vars := map[string]string{"ZOHO2SHEETS_CACHE_DIR": t.TempDir()}
	for k, v := range em.env {
		vars[k] = v
	}
	for k, v := range extra {
		vars[k] = v
	}
	e := env{getenv: func(k string) string { return vars[k] }, stdout: &out, stderr: &errb, stdin: strings.NewReader("")}
	if tweak != nil {
		tweak(&e)
	}
	code = Main(context.Background(), args, e)
	assertLogKeysOnce(t, errb.String())
	return code, out.String(), errb.String()
}

func TestAuthSelfClientCode(t *testing.T) {
	em := newEmulators(t, map[string]int{"Leads": 1})
	code, out, errs := inProcess(t, em, map[string]string{"ZOHO_REFRESH_TOKEN": ""}, "auth", "--code", em.zoho.NewSelfClientCode())
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	m := regexp.MustCompile(`(?m)^ZOHO_REFRESH_TOKEN=(\S+)$`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("no refresh token printed:\n%s", out)
	}
	// The new refresh token works for a run.
	cfg := writeMapping(t, string(demoMapping))
	if code, _, errs := inProcess(t, em, map[string]string{"ZOHO_REFRESH_TOKEN": m[1]}, "--once", "--config", cfg); code != 0 {
		t.Fatalf("run with the new token: exit %d: %s", code, errs)
	}
	if strings.Contains(errs, m[1]) {
		t.Fatal("the refresh token reached stderr")
	}
}

func TestAuthCodeUsedTwiceAndWrongDataCentre(t *testing.T) {
	em := newEmulators(t, map[string]int{"Leads": 1})
	c := em.zoho.NewSelfClientCode()
	if code, _, errs := inProcess(t, em, nil, "auth", "--code", c); code != 0 {
		t.Fatalf("first exchange: %s", errs)
	}
	code, _, errs := inProcess(t, em, nil, "auth", "--code", c)
	if code != 1 || !strings.Contains(errs, "auth") {
		t.Fatalf("reused code: exit %d, want 1 with advice to run auth again:\n%s", code, errs)
	}
	code, _, errs = inProcess(t, em, map[string]string{"ZOHO_ACCOUNTS_URL": em.zoho.AccountsURLFor("eu")}, "auth", "--code", em.zoho.NewSelfClientCode())
	if code != 1 || !strings.Contains(strings.ToLower(errs), "data centre") {
		t.Fatalf("wrong data centre: exit %d, want a message about the data centre:\n%s", code, errs)
	}
}

// startAuth runs `auth --redirect` in the background on a free loopback
// port and returns the consent URL it prints, what it prints after that
// (rest), and its exit code once it ends (done).
func startAuth(t *testing.T, em *emulators) (consent string, out, rest *syncBuffer, done <-chan int) {
	t.Helper()
	// The command gets the listener the test opened: closing it for the
	// command to listen again would let another process take the port.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	redirect := "http://" + ln.Addr().String() + "/callback"

	pr, pw := io.Pipe()
	out, rest = &syncBuffer{}, &syncBuffer{}
	vars := em.env
	e := env{getenv: func(k string) string { return vars[k] }, stdout: out, stderr: pw,
		listen: func(network, address string) (net.Listener, error) {
			if network != "tcp" || address != ln.Addr().String() {
				return nil, fmt.Errorf("listen %s %s, want tcp %s (the --redirect host)", network, address, ln.Addr())
			}
			return ln, nil
		}}
	code := make(chan int, 1)
	go func() {
		code <- Main(context.Background(), []string{"auth", "--redirect", redirect, "--timeout", "20s"}, e)
		pw.Close()
	}()
	// Read the consent URL the command prints.
	sc := bufio.NewScanner(pr)
	for sc.Scan() {
		if s := strings.TrimSpace(sc.Text()); strings.HasPrefix(s, "http") {
			consent = s
			break
		}
	}
	codes := make(chan int, 1)
	go func() {
		io.Copy(rest, pr) // until the command ends and closes pw
		codes <- <-code
	}()
	if consent == "" {
		t.Fatal("no consent URL printed")
	}
	return consent, out, rest, codes
}

func TestAuthRedirectFlow(t *testing.T) {
	em := newEmulators(t, map[string]int{"Leads": 1})
	consent, out, _, done := startAuth(t, em)
	// Play the browser: the emulator consents and redirects to the command.
	resp, err := http.Get(consent)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 || !strings.Contains(string(body), "you can close this tab") {
		t.Fatalf("the browser got %d %q (%v), want the page saying it can close", resp.StatusCode, body, err)
	}
	if code := <-done; code != 0 {
		t.Fatalf("auth exit %d", code)
	}
	if !strings.Contains(out.String(), "ZOHO_REFRESH_TOKEN=") {
		t.Fatalf("no token printed: %s", out.String())
	}
}

// A refusal comes back without a code; the command reports it and the
// browser is told so.
func TestAuthRedirectRefused(t *testing.T) {
	em := newEmulators(t, map[string]int{"Leads": 1})
	consent, out, rest, done := startAuth(t, em)
	u, err := url.Parse(consent)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	back := q.Get("redirect_uri") + "?" + url.Values{"error": {"access_denied"}, "state": {q.Get("state")}}.Encode()
	resp, err := http.Get(back)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(body), "refused") {
		t.Errorf("the browser got %d %q, want a page saying consent was refused", resp.StatusCode, body)
	}
	if code := <-done; code == 0 {
		t.Fatal("auth exit 0 after a refusal")
	}
	if errs := rest.String(); !strings.Contains(errs, "zoho refused consent: access_denied") {
		t.Errorf("stderr lacks the refusal:\n%s", errs)
	}
	if strings.Contains(out.String(), "ZOHO_REFRESH_TOKEN=") {
		t.Errorf("a token was printed after a refusal: %s", out.String())
	}
}

func TestTokenIsCachedPrivately(t *testing.T) {
	em := newEmulators(t, map[string]int{"Leads": 1})
	cache := t.TempDir()
	extra := map[string]string{"ZOHO2SHEETS_CACHE_DIR": cache}
	before := em.zoho.Stats().TokenRequests
	code, out1, errs := inProcess(t, em, extra, "token")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	_, out2, _ := inProcess(t, em, extra, "token")
	if out1 == "" || out1 != out2 {
		t.Fatalf("second call printed %q, want the cached %q", out2, out1)
	}
	if got := em.zoho.Stats().TokenRequests - before; got != 1 {
		t.Fatalf("%d token requests for two calls, want 1", got)
	}
	files, _ := filepath.Glob(filepath.Join(cache, "*.json"))
	if len(files) != 1 {
		t.Fatalf("cache files: %v", files)
	}
	fi, err := os.Stat(files[0])
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("cache file mode %v, want 0600", fi.Mode())
	}
	// Past its use-by time (RefreshEarly before Zoho's expiry) the cached
	// token is not used.
	stale := fmt.Sprintf(`{"access_token":"old","expiry":%q}`, time.Now().Add(-time.Second).Format(time.RFC3339Nano))
	if err := os.WriteFile(files[0], []byte(stale), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, out3, _ := inProcess(t, em, extra, "token", "--api-domain"); strings.HasPrefix(out3, "old") || !strings.Contains(out3, em.zoho.APIDomain()) {
		t.Fatalf("token near expiry: printed %q", out3)
	}
	if got := em.zoho.Stats().TokenRequests - before; got != 2 {
		t.Fatalf("token near expiry was served from cache (%d requests)", got)
	}
}

func TestFieldsInitCheckThenRun(t *testing.T) {
	em := newEmulators(t, map[string]int{"Leads": 8, "Contacts": 4, "Deals": 4})
	code, out, errs := inProcess(t, em, nil, "fields", "Leads")
	if code != 0 || !strings.Contains(out, "Full_Name") || !strings.Contains(out, "datetime") {
		t.Fatalf("fields Leads: exit %d\n%s\n%s", code, out, errs)
	}
	code, _, errs = inProcess(t, em, nil, "fields", "Leeds")
	if code != 1 || !strings.Contains(errs, "Leeds") {
		t.Fatalf("fields of an unknown module: exit %d\n%s", code, errs)
	}

	path := filepath.Join(t.TempDir(), "mapping.yaml")
	if code, _, errs := inProcess(t, em, nil, "init", "--out", path, "--module", "Leads", "--module", "Deals"); code != 0 {
		t.Fatalf("init: %s", errs)
	}
	code, out, errs = inProcess(t, em, nil, "check", "--config", path)
	if code != 0 || !strings.Contains(out, "all checks passed") || !strings.Contains(out, demoServiceAccount) {
		t.Fatalf("check of the init mapping: exit %d\n%s\n%s", code, out, errs)
	}
	if code, _, errs := inProcess(t, em, nil, "--once", "--config", path); code != 0 {
		t.Fatalf("run of the init mapping: %s", errs)
	}
	if got := len(em.sheets.Values(em.spreadsheetID, "Leads")); got != 9 {
		t.Fatalf("Leads tab has %d rows after the run, want 9", got)
	}
}

func TestCheckReportsUnsharedSheetAndUnknownField(t *testing.T) {
	em := newEmulators(t, map[string]int{"Leads": 1})
	other := em.sheets.CreateSpreadsheet("not shared", "UTC")
	cfg := writeMapping(t, "spreadsheet_id: ${SPREADSHEET_ID}\nmodules:\n  - module: Leads\n    columns:\n      - { header: Zoho ID, field: id }\n      - { header: Name, field: Full_Nmae }\n")
	code, out, _ := inProcess(t, em, map[string]string{"SPREADSHEET_ID": other}, "check", "--config", cfg)
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s", code, out)
	}
	for _, want := range []string{"Full_Name", cfg + ":6", "share the spreadsheet with " + demoServiceAccount} {
		if !strings.Contains(out, want) {
			t.Errorf("check output lacks %q:\n%s", want, out)
		}
	}
	if em.sheets.Stats().Writes != 0 {
		t.Error("check wrote to a spreadsheet")
	}
}

// The shipped mapping.yaml is a working example: check accepts it and a
// run syncs it, against the emulated CRM's standard modules.
func TestShippedMappingChecksAndRuns(t *testing.T) {
	em := newEmulators(t, map[string]int{"Leads": 6, "Contacts": 4, "Accounts": 3, "Deals": 5})
	code, out, errs := inProcess(t, em, nil, "check", "--config", "mapping.yaml")
	if code != 0 {
		t.Fatalf("check mapping.yaml: exit %d\n%s\n%s", code, out, errs)
	}
	if code, _, errs := inProcess(t, em, nil, "--once", "--config", "mapping.yaml"); code != 0 {
		t.Fatalf("run mapping.yaml: exit %d\n%s", code, errs)
	}
	if got := len(em.sheets.Values(em.spreadsheetID, "Leads")); got != 7 {
		t.Fatalf("Leads tab has %d rows, want header + 6", got)
	}
}

// Twelve `--once` runs within two minutes (a person retrying a backfill, a
// short schedule) share one Zoho access token through the on-disk cache:
// without it, the 11th would meet Zoho's limit of 10 tokens per 10
// minutes. No token reaches the output.
func TestOnceRunsShareOneAccessToken(t *testing.T) {
	em := newEmulators(t, map[string]int{"Leads": 3, "Deals": 2})
	cfg := writeMapping(t, string(demoMapping))
	extra := map[string]string{"ZOHO2SHEETS_CACHE_DIR": t.TempDir()}
	before := em.zoho.Stats().AccessTokensIssued
	for i := range 12 {
		code, out, errs := inProcess(t, em, extra, "--once", "--config", cfg, "--log-level", "debug")
		if code != 0 {
			t.Fatalf("run %d: exit %d\n%s", i+1, code, errs)
		}
		assertNoSecrets(t, em, out+errs)
		// Twelve runs in two minutes of the CRM's clock. Google's clock
		// moves faster: each run is a new client, paced on its own, and
		// Google's per-minute quota is not what this test is about.
		em.zoho.Advance(10 * time.Second)
		em.sheets.Advance(30 * time.Second)
	}
	if n := em.zoho.Stats().AccessTokensIssued - before; n != 1 {
		t.Fatalf("12 runs minted %d access tokens, want 1", n)
	}
}
