package main

import (
	"bytes"
	"context"
	"os/exec"
	"strings"
	"testing"
)

// TestDemo runs `zoho2sheets demo`, the first command the README gives a
// new user, and checks that it shows what the README says it shows.
func TestDemo(t *testing.T) {
	var out, errb bytes.Buffer
	code := Main(context.Background(), []string{"demo"}, env{
		getenv: func(string) string { return "" },
		stdout: &out, stderr: &errb,
	})
	if code != 0 {
		t.Fatalf("demo exit %d\nstdout:\n%s\nstderr:\n%s", code, out.String(), errb.String())
	}
	s := out.String()
	for _, want := range []string{
		"== 1. First run", "== 4. Second run",
		"incremental",               // the second run reads only what changed
		"call Monday",               // the human's note stays on its record
		"=HYPERLINK(",               // CRM text shown as text
		"$",                         // a currency column
		"↗",                         // names that link into Zoho
		"https://crm.zoho.com/crm/", // the link itself
		"Synced from Zoho CRM Leads · updated",
		"Sync status — ", // the status tab is printed
	} {
		if !strings.Contains(s, want) {
			t.Errorf("demo output lacks %q:\n%s", want, s)
		}
	}
	// Both runs succeeded: the summaries say ok, never failed.
	if strings.Count(s, " ok\n") < 4 || strings.Contains(s, "failed") {
		t.Errorf("a demo run did not succeed:\n%s\nstderr:\n%s", s, errb.String())
	}
}

// TestDemoOnTerminal runs the demo on a terminal (through script(1), where
// it is installed), where the runner also prints summaries: each of the two
// runs' tables must still appear once.
func TestDemoOnTerminal(t *testing.T) {
	script, err := exec.LookPath("script")
	if err != nil {
		t.Skip("no script(1) to give the demo a terminal")
	}
	out, err := exec.Command(script, "-qec", binPath+" demo", "/dev/null").CombinedOutput()
	if err != nil {
		t.Fatalf("demo on a terminal: %v\n%s", err, out)
	}
	if n := strings.Count(string(out), "MODULE  SHEET"); n != 2 {
		t.Errorf("%d summary tables on a terminal, want 2 (one per run):\n%s", n, out)
	}
}
