package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
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
