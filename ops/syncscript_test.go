package ops

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/rhysd/actionlint"
)

// syncScript returns the run script of the sync workflow's --once step.
func syncScript(t *testing.T) string {
	t.Helper()
	name := filepath.Join(workflowsDir, "sync.yml")
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	w := parseWorkflow(t, name, b)
	for _, j := range w.Jobs {
		for _, s := range j.Steps {
			if e, ok := s.Exec.(*actionlint.ExecRun); ok && strings.Contains(str(e.Run), "--once") {
				return str(e.Run)
			}
		}
	}
	t.Fatal("no --once step in sync.yml")
	return ""
}

// TestSyncScriptFlags runs the workflow's sync script with bash against a
// fake zoho2sheets that records its arguments, for the inputs a manual run
// can give (and the empty ones of a scheduled run).
func TestSyncScriptFlags(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash not installed")
	}
	script := syncScript(t)
	for _, tc := range []struct {
		name   string
		inputs map[string]string
		want   []string
	}{
		{"Schedule", nil, []string{"--config", "mapping.yaml", "--once", "--log-format", "console"}},
		{"All", map[string]string{"INPUT_FULL": "true", "INPUT_SINCE": "2026-01-31", "INPUT_MODULES": "Leads, Deals Contacts,,Accounts", "INPUT_DRY_RUN": "true"},
			[]string{"--config", "mapping.yaml", "--once", "--log-format", "console", "--full", "--since", "2026-01-31",
				"--module", "Leads", "--module", "Deals", "--module", "Contacts", "--module", "Accounts", "--dry-run"}},
		{"FalseBooleans", map[string]string{"INPUT_FULL": "false", "INPUT_DRY_RUN": "false"},
			[]string{"--config", "mapping.yaml", "--once", "--log-format", "console"}},
		// Inputs are data, never code: no expansion, no globbing, no command.
		{"Injection", map[string]string{"INPUT_SINCE": `$(touch "$PWNED"); x`, "INPUT_MODULES": "* `touch $PWNED` ;touch"},
			[]string{"--config", "mapping.yaml", "--once", "--log-format", "console", "--since", `$(touch "$PWNED"); x`,
				"--module", "*", "--module", "`touch", "--module", "$PWNED`", "--module", ";touch"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			out := filepath.Join(dir, "args")
			pwned := filepath.Join(dir, "pwned")
			fake := "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > \"$ARGS_OUT\"\n"
			if err := os.WriteFile(filepath.Join(dir, "zoho2sheets"), []byte(fake), 0o755); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(bash, "-e", "-c", script)
			cmd.Dir = dir // globs, if any, would expand to the files here
			cmd.Env = []string{
				"PATH=" + os.Getenv("PATH"), "RUNNER_TEMP=" + dir, "ARGS_OUT=" + out, "PWNED=" + pwned,
				"CONFIG=mapping.yaml", "GOOGLE_CREDENTIALS_JSON={}",
				"INPUT_FULL=", "INPUT_SINCE=", "INPUT_MODULES=", "INPUT_DRY_RUN=",
			}
			for k, v := range tc.inputs {
				cmd.Env = append(cmd.Env, k+"="+v)
			}
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("script failed: %v\n%s", err, b)
			}
			b, err := os.ReadFile(out)
			if err != nil {
				t.Fatalf("fake zoho2sheets did not run: %v", err)
			}
			got := strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("arguments (-want +got):\n%s", d)
			}
			if _, err := os.Stat(pwned); err == nil {
				t.Error("an input ran a command")
			}
		})
	}
}

// Without any Google credential the script stops with a message naming the
// settings, before the binary runs.
func TestSyncScriptNeedsGoogleCredentials(t *testing.T) {
	bash, err := exec.LookPath("bash")
	if err != nil {
		t.Skip("bash not installed")
	}
	dir := t.TempDir()
	cmd := exec.Command(bash, "-e", "-c", syncScript(t))
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "RUNNER_TEMP=" + dir, "CONFIG=mapping.yaml",
		"GOOGLE_CREDENTIALS_JSON=", "INPUT_FULL=", "INPUT_SINCE=", "INPUT_MODULES=", "INPUT_DRY_RUN="}
	b, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatal("script succeeded without Google credentials")
	}
	for _, want := range []string{"::error::", "GCP_WORKLOAD_IDENTITY_PROVIDER", "GOOGLE_CREDENTIALS_JSON"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("output lacks %q:\n%s", want, b)
		}
	}
	if slices.Contains(strings.Fields(string(b)), "--once") {
		t.Errorf("the binary was announced although credentials are missing:\n%s", b)
	}
}
