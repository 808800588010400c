package ops

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const syncScript = "../scripts/sync.sh"

// shells returns the POSIX shells to run the action's scripts with: sh
// (dash on Debian, the strictest) and bash (what runners' `shell: bash`
// and Git Bash on Windows give).
func shells(t *testing.T) []string {
	t.Helper()
	var sh []string
	for _, name := range []string{"sh", "bash"} {
		if p, err := exec.LookPath(name); err == nil {
			sh = append(sh, p)
		}
	}
	if len(sh) == 0 {
		t.Skip("no sh or bash installed")
	}
	return sh
}

// runSync runs scripts/sync.sh with shell and env (on top of a PATH and a
// Google credential) against a fake zoho2sheets that records its arguments.
// It returns the arguments (nil if the binary did not run), the combined
// output, and the script's error.
func runSync(t *testing.T, shell string, env map[string]string) ([]string, string, error) {
	t.Helper()
	dir := t.TempDir()
	out := filepath.Join(dir, "args")
	fake := filepath.Join(dir, "zoho2sheets")
	if err := os.WriteFile(fake, []byte("#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > \"$ARGS_OUT\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	script, err := filepath.Abs(syncScript)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(shell, script)
	cmd.Dir = dir // globs, if any, would expand to the files here
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "ARGS_OUT=" + out, "PWNED=" + filepath.Join(dir, "pwned"),
		"ZOHO2SHEETS_BIN=" + fake, "GOOGLE_CREDENTIALS_JSON={}"}
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	b, runErr := cmd.CombinedOutput()
	if _, err := os.Stat(filepath.Join(dir, "pwned")); err == nil {
		t.Error("an input ran a command")
	}
	a, err := os.ReadFile(out)
	if errors.Is(err, os.ErrNotExist) {
		return nil, string(b), runErr
	} else if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(a), "\n"), "\n"), string(b), runErr
}

// TestSyncScriptFlags runs the action's sync script against a fake
// zoho2sheets that records its arguments, for the inputs a manual run can
// give (and the empty ones of a scheduled run).
func TestSyncScriptFlags(t *testing.T) {
	base := []string{"--config", "mapping.yaml", "--once", "--log-format", "console"}
	for _, tc := range []struct {
		name   string
		inputs map[string]string
		want   []string
	}{
		{"Schedule", nil, base},
		{"All", map[string]string{"INPUT_CONFIG": "teams/sales.yaml", "INPUT_LOG_FORMAT": "json", "INPUT_LOG_LEVEL": "debug",
			"INPUT_FULL": "true", "INPUT_SINCE": "2026-01-31", "INPUT_MODULES": "Leads, Deals Contacts,,Accounts", "INPUT_DRY_RUN": "true", "INPUT_WAIT": "10m"},
			[]string{"--config", "teams/sales.yaml", "--once", "--log-format", "json", "--log-level", "debug", "--full", "--since", "2026-01-31",
				"--module", "Leads", "--module", "Deals", "--module", "Contacts", "--module", "Accounts", "--dry-run", "--wait", "10m"}},
		{"FalseBooleans", map[string]string{"INPUT_FULL": "false", "INPUT_DRY_RUN": "false"}, base},
		// Inputs are data, never code: no expansion, no globbing, no command.
		{"Injection", map[string]string{"INPUT_SINCE": `$(touch "$PWNED"); x`, "INPUT_MODULES": "* `touch $PWNED` ;touch", "INPUT_CONFIG": "$(touch $PWNED)"},
			[]string{"--config", "$(touch $PWNED)", "--once", "--log-format", "console", "--since", `$(touch "$PWNED"); x`,
				"--module", "*", "--module", "`touch", "--module", "$PWNED`", "--module", ";touch"}},
	} {
		for _, sh := range shells(t) {
			t.Run(tc.name+"/"+filepath.Base(sh), func(t *testing.T) {
				got, out, err := runSync(t, sh, tc.inputs)
				if err != nil {
					t.Fatalf("script failed: %v\n%s", err, out)
				}
				if d := cmp.Diff(tc.want, got); d != "" {
					t.Errorf("arguments (-want +got):\n%s", d)
				}
			})
		}
	}
}

// A boolean input that is neither true nor false is refused, naming the
// input, before the binary runs.
func TestSyncScriptRefusesBadBoolean(t *testing.T) {
	for _, sh := range shells(t) {
		for input, name := range map[string]string{"INPUT_FULL": "full", "INPUT_DRY_RUN": "dry-run"} {
			got, out, err := runSync(t, sh, map[string]string{input: "yes"})
			var ee *exec.ExitError
			if !errors.As(err, &ee) || ee.ExitCode() != 2 {
				t.Errorf("%s %s=yes: %v, want exit status 2", sh, input, err)
			}
			if got != nil {
				t.Errorf("%s %s=yes: the binary ran", sh, input)
			}
			if !strings.Contains(out, "::error::input "+name+` is "yes"`) {
				t.Errorf("%s %s=yes: output lacks the input's name:\n%s", sh, input, out)
			}
		}
	}
}

// On GitHub Actions without any Google credential the script stops with a
// message naming the settings, before the binary runs.
func TestSyncScriptNeedsGoogleCredentials(t *testing.T) {
	for _, sh := range shells(t) {
		got, out, err := runSync(t, sh, map[string]string{"GITHUB_ACTIONS": "true", "GOOGLE_CREDENTIALS_JSON": ""})
		if err == nil {
			t.Fatalf("%s: script succeeded without Google credentials", sh)
		}
		for _, want := range []string{"::error::", "GCP_WORKLOAD_IDENTITY_PROVIDER", "GOOGLE_CREDENTIALS_JSON", "google-github-actions/auth"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s: output lacks %q:\n%s", sh, want, out)
			}
		}
		if got != nil {
			t.Errorf("%s: the binary ran although credentials are missing", sh)
		}
		// A credential file (Workload Identity Federation) is enough.
		if _, out, err := runSync(t, sh, map[string]string{"GITHUB_ACTIONS": "true", "GOOGLE_CREDENTIALS_JSON": "",
			"GOOGLE_APPLICATION_CREDENTIALS": "/tmp/gha-creds-1.json"}); err != nil {
			t.Errorf("%s: refused GOOGLE_APPLICATION_CREDENTIALS: %v\n%s", sh, err, out)
		}
	}
}

// The action's scripts pass shellcheck as POSIX sh (it is on GitHub's
// runners, so ci.yml always runs this; elsewhere it is skipped when not
// installed).
func TestScriptsShellcheck(t *testing.T) {
	sc, err := exec.LookPath("shellcheck")
	if err != nil {
		t.Skip("shellcheck not installed")
	}
	scripts, err := filepath.Glob("../scripts/*.sh")
	if err != nil || len(scripts) < 2 {
		t.Fatalf("scripts: %v %v", scripts, err)
	}
	if out, err := exec.Command(sc, append([]string{"-s", "sh"}, scripts...)...).CombinedOutput(); err != nil {
		t.Errorf("shellcheck: %v\n%s", err, out)
	}
	// It must find something in a bad script, or the pass proves nothing.
	bad := filepath.Join(t.TempDir(), "bad.sh")
	if err := os.WriteFile(bad, []byte("#!/bin/sh\nx=\"a b\"\nls $x\narr=(1 2)\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := exec.Command(sc, "-s", "sh", bad).Run(); err == nil {
		t.Error("shellcheck passed a script with unquoted expansions and a bash array")
	}
}
