package main

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/zoho2sheets/zoho2sheets/zoho"
)

// README, "Run it": --module takes a module's API name, and a bad flag is a
// usage error (exit 2). A mistyped --module must be refused before anything
// is read or written, with the mapping's modules and a "did you mean", and
// must not raise the failure alert as a failed run would.
func TestOnceModuleTypoIsAUsageError(t *testing.T) {
	em := newEmulators(t, map[string]int{"Leads": 2, "Deals": 2})
	hooks := make(chan map[string]any, 8)
	cfg := writeMapping(t, string(demoMapping))
	for _, name := range []string{"leads", "Foo"} {
		code, stdout, stderr := inProcess(t, em, map[string]string{"ZOHO2SHEETS_WEBHOOK": newWebhook(t, hooks)},
			"--once", "--config", cfg, "--module", name)
		if code != exitUsage {
			t.Fatalf("--module %s: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", name, code, exitUsage, stdout, stderr)
		}
		mustContain(t, stderr, "--module", name, "Leads", "Deals")
		if name == "leads" {
			mustContain(t, stderr, "did you mean Leads?")
		}
		if strings.Contains(stdout, "MODULE") {
			t.Errorf("--module %s: a refused run printed a summary table:\n%s", name, stdout)
		}
	}
	if st := em.sheets.Stats(); st.Requests != 0 {
		t.Errorf("a mistyped --module reached the spreadsheet: %d requests", st.Requests)
	}
	select {
	case h := <-hooks:
		t.Errorf("a mistyped --module raised the failure alert: %v", h)
	default:
	}
}

// README, "Commands": `fields --config` takes zoho.data_center from a
// mapping. A --config path that does not exist must be an error naming it,
// not silently ignored (the listing would then come from the default data
// centre, or fail there with a misleading invalid_client).
func TestFieldsConfigThatDoesNotExistIsAnError(t *testing.T) {
	em := newEmulators(t, map[string]int{"Leads": 1})
	missing := filepath.Join(t.TempDir(), "mappnig.yaml")
	code, stdout, stderr := inProcess(t, em, nil, "fields", "--config", missing, "Leads")
	if code != exitUsage {
		t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, exitUsage, stdout, stderr)
	}
	mustContain(t, stderr, missing, "--config")
}

// `fields` takes one module: two are a usage error, said before the
// credentials are even looked at (not "ZOHO_CLIENT_ID: not set").
func TestFieldsTwoModulesIsAUsageErrorFirst(t *testing.T) {
	var out, errb syncBuffer
	e := env{getenv: func(string) string { return "" }, stdout: &out, stderr: &errb}
	if code := Main(context.Background(), []string{"fields", "Leads", "Deals"}, e); code != exitUsage {
		t.Fatalf("exit %d, want %d: %s", code, exitUsage, errb.String())
	}
	mustContain(t, errb.String(), "one module")
	if strings.Contains(errb.String(), "ZOHO_CLIENT_ID") {
		t.Fatalf("a usage error was reported as a missing credential:\n%s", errb.String())
	}
}

// `auth --dc` overrides ZOHO_DC (README, "Commands"): a bad --dc value is
// reported as the flag's, a bad ZOHO_DC as the variable's.
func TestAuthBadDataCentreNamesWhereItCameFrom(t *testing.T) {
	for _, tc := range []struct {
		vars map[string]string
		args []string
		want string
	}{
		{map[string]string{"ZOHO_CLIENT_ID": "1000.X", "ZOHO_CLIENT_SECRET": "s"}, []string{"auth", "--dc", "de"}, "--dc"},
		{map[string]string{"ZOHO_CLIENT_ID": "1000.X", "ZOHO_CLIENT_SECRET": "s", "ZOHO_DC": "de"}, []string{"auth"}, "ZOHO_DC"},
	} {
		var out, errb syncBuffer
		e := env{getenv: func(k string) string { return tc.vars[k] }, stdout: &out, stderr: &errb}
		if code := Main(context.Background(), tc.args, e); code != exitUsage {
			t.Fatalf("%v: exit %d, want %d: %s", tc.args, code, exitUsage, errb.String())
		}
		if !strings.HasPrefix(errb.String(), "Error: "+tc.want+":") {
			t.Errorf("%v: want the error to name %s first:\n%s", tc.args, tc.want, errb.String())
		}
		mustContain(t, errb.String(), `"de"`, "eu")
	}
}

// dcTransport plays Zoho's data centres: the accounts server of dc knows the
// emulator's client, every other one answers invalid_client (as Zoho does
// for a client used at the wrong data centre).
type dcTransport struct {
	em *emulators
	dc string
}

func (d dcTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.HasPrefix(r.URL.Host, "accounts.zoho") {
		target := d.em.zoho.AccountsURLFor("eu") // a data centre that does not know the client
		if host, _ := zoho.LookupDC(d.dc); "https://"+r.URL.Host == host.AccountsURL {
			target = d.em.zoho.AccountsURL()
		}
		u, err := url.Parse(target + strings.TrimPrefix(r.URL.Path, "/accounts") + "?" + r.URL.RawQuery)
		if err != nil {
			return nil, err
		}
		r = r.Clone(r.Context())
		r.URL, r.Host = u, u.Host
	}
	return d.em.zoho.HTTPClient().Transport.RoundTrip(r)
}

// README, "Commands": `init --dc` is the data centre the mapping is written
// for; the field metadata must be read from that data centre too, not from
// ZOHO_DC's (or the default us, where the client does not exist).
func TestInitReadsFieldsFromItsDataCentre(t *testing.T) {
	em := newEmulators(t, map[string]int{"Leads": 1})
	out := filepath.Join(t.TempDir(), "mapping.yaml")
	code, stdout, stderr := inProcessEnv(t, em, map[string]string{"ZOHO_ACCOUNTS_URL": ""},
		func(e *env) { e.httpClient = &http.Client{Transport: dcTransport{em, "jp"}} },
		"init", "--dc", "jp", "--module", "Leads", "--out", out)
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout, stderr)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, string(b), "data_center: jp", "field: Email")
	code, _, stderr = inProcess(t, em, nil, "init", "--dc", "germany", "--out", filepath.Join(t.TempDir(), "m.yaml"))
	if code != exitUsage || !strings.HasPrefix(stderr, "Error: --dc:") {
		t.Fatalf("init --dc germany: exit %d, want %d naming --dc:\n%s", code, exitUsage, stderr)
	}
}

// A duration flag without a unit (--wait 15) is the commonest slip: the
// error must say how to write one, not Go's bare "parse error".
func TestDurationFlagErrorsSayHowToWriteOne(t *testing.T) {
	for _, args := range [][]string{
		{"--once", "--wait", "15"},
		{"--once", "--request-timeout", "90"},
		{"--once", "--run-timeout", "2 hours"},
		{"auth", "--timeout", "5"},
	} {
		var out, errb syncBuffer
		e := env{getenv: func(string) string { return "" }, stdout: &out, stderr: &errb}
		if code := Main(context.Background(), args, e); code != exitUsage {
			t.Fatalf("%v: exit %d, want %d: %s", args, code, exitUsage, errb.String())
		}
		last := strings.TrimSpace(errb.String())
		last = last[strings.LastIndex(last, "\n")+1:]
		mustContain(t, last, strings.TrimLeft(args[len(args)-2], "-"), "15m", "90s")
		if strings.Contains(last, "parse error") {
			t.Errorf("%v: %s", args, last)
		}
	}
}

// A module or field name the CRM does not have is named at its line of the
// mapping, with a "did you mean", by check and by a run alike (README: every
// mapping mistake reads "mapping.yaml:LINE: key: what (how to fix)").
func TestUnknownModuleAndFieldNameTheirLine(t *testing.T) {
	em := newEmulators(t, map[string]int{"Leads": 2, "Deals": 2})
	cfg := writeMapping(t, `spreadsheet_id: ${SPREADSHEET_ID}
modules:
  - module: Deals
    columns:
      - { header: Zoho ID, field: id }
      - { header: Deal, field: Deal_Nme }
  - module: Lead
    columns:
      - { header: Zoho ID, field: id }
`)
	wantModule := cfg + `:7: modules[1].module: no module "Lead" in the CRM (did you mean Leads?`
	wantField := cfg + `:6: modules[0].columns[1].field: "Deal_Nme": no such field`
	code, stdout, stderr := inProcess(t, em, nil, "check", "--config", cfg)
	if code != exitFailed {
		t.Fatalf("check: exit %d, want %d\n%s%s", code, exitFailed, stdout, stderr)
	}
	mustContain(t, stdout, "FAIL  "+wantModule, "FAIL  "+wantField)
	code, stdout, stderr = inProcess(t, em, nil, "--once", "--config", cfg, "--log-format", "console")
	if code != exitFailed {
		t.Fatalf("run: exit %d, want %d\n%s%s", code, exitFailed, stdout, stderr)
	}
	mustContain(t, strings.ReplaceAll(stderr, `\"`, `"`), wantModule, wantField) // the log escapes quotes
}

// `fields leads` (the wrong case) names the module it meant.
func TestFieldsUnknownModuleSuggests(t *testing.T) {
	em := newEmulators(t, map[string]int{"Leads": 1})
	code, stdout, stderr := inProcess(t, em, nil, "fields", "leads")
	if code != exitFailed {
		t.Fatalf("exit %d, want %d\n%s%s", code, exitFailed, stdout, stderr)
	}
	mustContain(t, stderr, `"leads"`, "did you mean Leads?")
}

// `fields Leads --config mapping.yaml` (the flag after the module, as people
// write it) lists the fields rather than refusing "one module name".
func TestFieldsFlagAfterTheModule(t *testing.T) {
	em := newEmulators(t, map[string]int{"Leads": 1})
	cfg := writeMapping(t, string(demoMapping))
	code, stdout, stderr := inProcess(t, em, nil, "fields", "Leads", "--config", cfg)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	mustContain(t, stdout, "Full_Name")
	if code, _, stderr := inProcess(t, em, nil, "fields", "Leads", "--config", cfg, "Deals"); code != exitUsage {
		t.Fatalf("two modules around a flag: exit %d, want %d: %s", code, exitUsage, stderr)
	}
}

// check says which API each tab reads through: with a refresh token that
// lacks ZohoCRM.coql.READ (README, step 1: runs then go through Get
// Records), it must not promise COQL, and it says how to allow it.
func TestCheckReadPathWithoutCOQLScope(t *testing.T) {
	em := newEmulators(t, map[string]int{"Deals": 3})
	cfg := writeMapping(t, `spreadsheet_id: ${SPREADSHEET_ID}
modules:
  - module: Deals
    columns:
      - { header: Zoho ID, field: id }
      - { header: Deal, field: Deal_Name }
`)
	for _, tc := range []struct {
		name   string
		scopes []string
	}{
		{"no coql", []string{"ZohoCRM.modules.READ", "ZohoCRM.settings.modules.READ", "ZohoCRM.settings.fields.READ", "ZohoCRM.users.READ", "ZohoCRM.org.READ"}},
		{"no users", []string{"ZohoCRM.modules.READ", "ZohoCRM.settings.modules.READ", "ZohoCRM.settings.fields.READ", "ZohoCRM.coql.READ", "ZohoCRM.org.READ"}},
	} {
		code, stdout, stderr := inProcess(t, em, map[string]string{"ZOHO_REFRESH_TOKEN": em.zoho.NewRefreshToken(tc.scopes...)}, "check", "--config", cfg)
		if code != 0 {
			t.Fatalf("%s: exit %d\n%s%s", tc.name, code, stdout, stderr)
		}
		if strings.Contains(stdout, "reads through COQL") {
			t.Errorf("%s: check promises COQL:\n%s", tc.name, stdout)
		}
		mustContain(t, stdout, `tab "Deals" reads through Get Records`, "zoho2sheets auth")
	}
	code, stdout, _ := inProcess(t, em, nil, "check", "--config", cfg)
	if code != 0 || !strings.Contains(stdout, `tab "Deals" reads through COQL`) {
		t.Fatalf("every scope: exit %d, want COQL:\n%s", code, stdout)
	}
}

// A bad ZOHO2SHEETS_WEBHOOK is named as that variable (not as the mapping's
// alerts.webhook), by a run and by check alike, without echoing the URL.
func TestBadWebhookVariableIsNamed(t *testing.T) {
	em := newEmulators(t, map[string]int{"Leads": 1})
	cfg := writeMapping(t, string(demoMapping))
	bad := map[string]string{"ZOHO2SHEETS_WEBHOOK": "hooks.slack.com/services/T0/B0/SECRETX"}
	code, stdout, stderr := inProcess(t, em, bad, "--once", "--config", cfg)
	if code != exitUsage || !strings.Contains(stderr, "Error: ZOHO2SHEETS_WEBHOOK:") {
		t.Fatalf("run: exit %d, want %d naming ZOHO2SHEETS_WEBHOOK:\n%s", code, exitUsage, stderr)
	}
	if strings.Contains(stdout+stderr, "SECRETX") {
		t.Fatal("the webhook URL reached the output")
	}
	code, stdout, stderr = inProcess(t, em, bad, "check", "--config", cfg)
	if code == 0 || !strings.Contains(stdout, "FAIL  ZOHO2SHEETS_WEBHOOK:") {
		t.Fatalf("check: exit %d, want a failure naming ZOHO2SHEETS_WEBHOOK:\n%s%s", code, stdout, stderr)
	}
	if strings.Contains(stdout+stderr, "SECRETX") {
		t.Fatal("check printed the webhook URL")
	}
	hooks := make(chan map[string]any, 1)
	code, stdout, _ = inProcess(t, em, map[string]string{"ZOHO2SHEETS_WEBHOOK": newWebhook(t, hooks)}, "check", "--config", cfg)
	if code != 0 || !strings.Contains(stdout, "ok    alerts: failures are posted to 127.0.0.1") {
		t.Fatalf("check with a good webhook: exit %d:\n%s", code, stdout)
	}
}

// A mistyped command, or a flag written without its dashes (`zoho2sheets
// once`, as README's `--once` reads aloud), says what was meant.
func TestUnknownCommandSuggests(t *testing.T) {
	for args, want := range map[string]string{"field Leads": "did you mean fields?", "once": "did you mean --once?",
		"chek": "did you mean check?", "frobnicate": "zoho2sheets help"} {
		var out, errb syncBuffer
		e := env{getenv: func(string) string { return "" }, stdout: &out, stderr: &errb}
		if code := Main(context.Background(), strings.Fields(args), e); code != exitUsage {
			t.Fatalf("%s: exit %d, want %d", args, code, exitUsage)
		}
		mustContain(t, errb.String(), want)
	}
}

// README, "Run it": --dry-run-limit N bounds what a dry run lists per tab,
// added and removed rows as well as changed cells, in the table and in the
// JSON summary's would_add_ids.
func TestDryRunLimitBoundsAddedRows(t *testing.T) {
	em := newEmulators(t, map[string]int{"Leads": 12, "Deals": 1})
	cfg := writeMapping(t, string(demoMapping))
	code, stdout, stderr := inProcess(t, em, nil, "--once", "--dry-run", "--dry-run-limit", "3", "--module", "Leads", "--config", cfg, "--log-format", "json")
	if code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr)
	}
	if n := strings.Count(stdout, "(new row)"); n != 3 {
		t.Errorf("%d new rows listed, want 3:\n%s", n, stdout)
	}
	mustContain(t, stdout, "… and 9 more new rows")
	for _, line := range strings.Split(stderr, "\n") {
		if strings.Contains(line, `"message":"summary"`) && strings.Count(line, `"would_add_ids":[`) == 1 {
			ids := line[strings.Index(line, `"would_add_ids":[`):]
			ids = ids[:strings.Index(ids, "]")]
			if n := strings.Count(ids, `"`) / 2; n != 4 { // the key's quotes and three ids
				t.Errorf("would_add_ids %s: want 3 ids", ids)
			}
		}
	}
}

// init --max-columns counts the id column: below 1 is a usage error, not a
// mapping of nothing.
func TestInitMaxColumnsBelowOne(t *testing.T) {
	for _, n := range []string{"0", "-5"} {
		var out, errb syncBuffer
		e := env{getenv: func(string) string { return "" }, stdout: &out, stderr: &errb}
		args := []string{"init", "--max-columns", n, "--out", filepath.Join(t.TempDir(), "m.yaml")}
		if code := Main(context.Background(), args, e); code != exitUsage {
			t.Fatalf("--max-columns %s: exit %d, want %d: %s", n, code, exitUsage, errb.String())
		}
		mustContain(t, errb.String(), "--max-columns "+n)
	}
}

// check prints each problem's fix once (README's "what (how to fix)"); a
// run's error says its fix once, on its "Try:" line.
func TestFixIsSaidOnce(t *testing.T) {
	em := newEmulators(t, map[string]int{"Leads": 1})
	cfg := writeMapping(t, strings.Replace(string(demoMapping), "timezone: Europe/Berlin", "timezone: Europe/Berln", 1))
	_, stdout, _ := inProcess(t, em, nil, "check", "--config", cfg)
	mustContain(t, stdout, "FAIL  "+cfg+`:5: timezone: unknown time zone "Europe/Berln" (use an IANA zone name`)
	if n := strings.Count(stdout, "use an IANA zone name"); n != 1 {
		t.Errorf("the fix is printed %d times:\n%s", n, stdout)
	}
	good := writeMapping(t, string(demoMapping))
	_, _, stderr := inProcess(t, em, map[string]string{"SPREADSHEET_ID": "1NoSuchSpreadsheetId_abcdefghijklmnopqrstuvw"}, "--once", "--config", good)
	mustContain(t, stderr, "Error: ", "Try: check spreadsheet_id")
	if n := strings.Count(stderr, "check spreadsheet_id"); n != 1 {
		t.Errorf("the fix is printed %d times:\n%s", n, stderr)
	}
}

// alerts.digest without any webhook posts nothing: check says so.
func TestCheckWarnsDigestWithoutWebhook(t *testing.T) {
	em := newEmulators(t, map[string]int{"Leads": 1})
	cfg := writeMapping(t, string(demoMapping)+"alerts:\n  digest: true\n")
	code, stdout, stderr := inProcess(t, em, nil, "check", "--config", cfg)
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, stdout, stderr)
	}
	mustContain(t, stdout, "warn  alerts: digest is true but no webhook is set", "ZOHO2SHEETS_WEBHOOK")
}

// `zoho2sheets --version`, as most tools spell it, prints the version like
// `zoho2sheets version` (README: "version: prints the version").
func TestVersionFlag(t *testing.T) {
	for _, arg := range []string{"version", "--version", "-version"} {
		var out, errb syncBuffer
		e := env{getenv: func(string) string { return "" }, stdout: &out, stderr: &errb}
		if code := Main(context.Background(), []string{arg}, e); code != 0 || out.String() != "zoho2sheets "+version+"\n" {
			t.Errorf("%s: exit %d, stdout %q, stderr %q", arg, code, out.String(), errb.String())
		}
	}
}

// README, step 2: share the spreadsheet "as Editor". Shared as Viewer, check
// says the spreadsheet is not writable and how to fix it, and a run fails
// saying the same without writing a cell.
func TestViewerShareIsNamed(t *testing.T) {
	em := newEmulators(t, map[string]int{"Leads": 2, "Deals": 1})
	id := em.sheets.CreateSpreadsheet("viewed", "UTC")
	em.sheets.ShareViewOnly(id, demoServiceAccount)
	cfg := writeMapping(t, string(demoMapping))
	vars := map[string]string{"SPREADSHEET_ID": id}
	code, stdout, _ := inProcess(t, em, vars, "check", "--config", cfg)
	if code != exitFailed {
		t.Fatalf("check: exit %d, want %d:\n%s", code, exitFailed, stdout)
	}
	mustContain(t, stdout, "is not writable", "share the spreadsheet with "+demoServiceAccount+" as Editor")
	code, _, stderr := inProcess(t, em, vars, "--once", "--config", cfg, "--log-format", "console")
	if code != exitFailed {
		t.Fatalf("run: exit %d, want %d:\n%s", code, exitFailed, stderr)
	}
	mustContain(t, stderr, "as Editor")
	if len(em.sheets.Sheets(id)) != 1 || len(em.sheets.Values(id, "Sheet1")) != 0 {
		t.Fatal("a run on a view-only spreadsheet changed it")
	}
}

// A variable set under a misspelt name is the usual reason one is "not
// set": the error names the one that is set (never its value).
func TestMisspeltVariableIsPointedOut(t *testing.T) {
	em := newEmulators(t, map[string]int{"Leads": 1})
	cfg := writeMapping(t, string(demoMapping))
	for _, tc := range []struct{ unset, typo string }{
		{"ZOHO_CLIENT_SECRET", "ZOHO_CLIENT_SECERT"},
		{"SPREADSHEET_ID", "SPREADSHEETID"},
		{"GOOGLE_CREDENTIALS_JSON", "GOOGLE_CREDENTIAL_JSON"},
	} {
		vars := map[string]string{tc.unset: "", tc.typo: em.env[tc.unset]}
		code, _, stderr := inProcessEnv(t, em, vars, func(e *env) {
			get := e.getenv
			e.environ = func() []string {
				var out []string
				for _, k := range append(sortedKeys(em.env), tc.typo) {
					if get(k) != "" {
						out = append(out, k+"="+get(k))
					}
				}
				return out
			}
		}, "--once", "--config", cfg)
		if code != exitUsage {
			t.Fatalf("%s: exit %d, want %d:\n%s", tc.typo, code, exitUsage, stderr)
		}
		mustContain(t, stderr, tc.unset, tc.typo+" is set")
		if strings.Contains(stderr, em.env[tc.unset][:8]) {
			t.Errorf("%s: the value reached stderr", tc.typo)
		}
		_, stdout, _ := inProcessEnv(t, em, vars, func(e *env) { e.environ = func() []string { return []string{tc.typo + "=x"} } },
			"check", "--config", cfg)
		mustContain(t, stdout, tc.typo+" is set")
	}
}

// --since in the future (2062 for 2026) would read nothing and say ok.
func TestSinceInTheFutureIsAUsageError(t *testing.T) {
	var out, errb syncBuffer
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	e := env{getenv: func(string) string { return "" }, stdout: &out, stderr: &errb, now: func() time.Time { return now }}
	if code := Main(context.Background(), []string{"--once", "--since", "2062-01-01"}, e); code != exitUsage {
		t.Fatalf("exit %d, want %d: %s", code, exitUsage, errb.String())
	}
	mustContain(t, errb.String(), "--since", "future")
}

// --metrics-addr 9090 (the port alone) is refused at once with the form to
// write, before the daemon connects to anything.
func TestMetricsAddrWithoutColon(t *testing.T) {
	var out, errb syncBuffer
	e := env{getenv: func(string) string { return "" }, stdout: &out, stderr: &errb}
	if code := Main(context.Background(), []string{"--metrics-addr", "9090"}, e); code != exitUsage {
		t.Fatalf("exit %d, want %d: %s", code, exitUsage, errb.String())
	}
	mustContain(t, errb.String(), "--metrics-addr 9090", ":9090")
}

// auth reads the client id and secret like every other command: one stored
// in quotes is named before Zoho is asked.
func TestAuthQuotedSecretIsNamed(t *testing.T) {
	em := newEmulators(t, map[string]int{"Leads": 1})
	code, _, stderr := inProcess(t, em, map[string]string{"ZOHO_CLIENT_SECRET": `"` + em.env["ZOHO_CLIENT_SECRET"] + `"`},
		"auth", "--code", em.zoho.NewSelfClientCode())
	if code != exitUsage || !strings.HasPrefix(stderr, "Error: ZOHO_CLIENT_SECRET:") || !strings.Contains(stderr, "quotes") {
		t.Fatalf("exit %d, want %d naming ZOHO_CLIENT_SECRET and its quotes:\n%s", code, exitUsage, stderr)
	}
	if strings.Contains(stderr, em.env["ZOHO_CLIENT_SECRET"]) {
		t.Fatal("the secret reached stderr")
	}
}
